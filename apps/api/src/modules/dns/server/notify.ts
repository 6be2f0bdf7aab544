/**
 * NOTIFY (RFC 1996) to the secondaries when a zone's serial changes, so they transfer it at once
 * instead of waiting for their refresh timer. Each message is retried until the secondary answers
 * with the same id or the attempts run out (RFC 1996 §3.6).
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { OPCODE_NOTIFY } from './wire.ts';

export interface NotifyTarget {
  address: string;
  /** 53 when absent. */
  port?: number;
}

export interface NotifyOptions {
  retryMs?: number;
  attempts?: number;
  /** Source address of NOTIFY messages (the secondaries check it against their primary). */
  sourceAddress?: string;
  onGiveUp?: (zone: string, target: NotifyTarget) => void;
}

interface Pending {
  zone: string;
  target: NotifyTarget;
  id: number;
  message: Buffer;
  attemptsLeft: number;
  timer: NodeJS.Timeout;
}

export class NotifySender {
  private socket: dgram.Socket | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly retryMs: number;
  private readonly attempts: number;

  constructor(
    private readonly targets: readonly NotifyTarget[],
    private readonly options: NotifyOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 2_000;
    this.attempts = options.attempts ?? 5;
  }

  private open(): dgram.Socket {
    if (this.socket) return this.socket;
    const source = this.options.sourceAddress;
    const v6 = source ? net.isIPv6(source) : false;
    const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    socket.on('error', () => {
      // A refused port on a secondary shows up here on some systems: the retry timer covers it.
    });
    socket.on('message', (msg, rinfo) => this.onReply(msg, rinfo));
    socket.bind({ port: 0, address: source });
    socket.unref();
    this.socket = socket;
    return socket;
  }

  /** Tells every secondary that `zone` changed; replaces a NOTIFY still being retried for it. */
  notify(zone: string): void {
    if (this.targets.length === 0) return;
    const socket = this.open();
    for (const target of this.targets) {
      const key = `${zone}|${target.address}|${target.port ?? 53}`;
      const old = this.pending.get(key);
      if (old) clearTimeout(old.timer);
      const id = randomInt(0, 65536);
      const message = dnsPacket.encode({
        type: 'query',
        id,
        flags: (OPCODE_NOTIFY << 11) | dnsPacket.AUTHORITATIVE_ANSWER,
        questions: [{ name: zone, type: 'SOA', class: 'IN' }],
      });
      const p: Pending = { zone, target, id, message, attemptsLeft: this.attempts, timer: undefined as unknown as NodeJS.Timeout };
      this.pending.set(key, p);
      this.send(key, p, socket);
    }
  }

  private send(key: string, p: Pending, socket: dgram.Socket): void {
    if (p.attemptsLeft-- <= 0) {
      this.pending.delete(key);
      this.options.onGiveUp?.(p.zone, p.target);
      return;
    }
    socket.send(p.message, p.target.port ?? 53, p.target.address);
    p.timer = setTimeout(() => this.send(key, p, socket), this.retryMs);
    p.timer.unref();
  }

  private onReply(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 12 || !(msg[2]! & 0x80) || ((msg[2]! >> 3) & 0xf) !== OPCODE_NOTIFY) return;
    const id = msg.readUInt16BE(0);
    for (const [key, p] of this.pending) {
      if (p.id === id && (p.target.port ?? 53) === rinfo.port && sameAddress(p.target.address, rinfo.address)) {
        clearTimeout(p.timer);
        this.pending.delete(key);
      }
    }
  }

  /** NOTIFY messages not yet acknowledged (for tests and health checks). */
  get outstanding(): number {
    return this.pending.size;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.socket?.close();
    this.socket = null;
  }
}

function sameAddress(a: string, b: string): boolean {
  const strip = (x: string) => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return strip(a) === strip(b);
}
