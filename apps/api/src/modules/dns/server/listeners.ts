/** The socket side of the engine, shared by the main process and the worker processes. */
import type dgram from 'node:dgram';
import type net from 'node:net';
import type { DnsEngine } from './engine.ts';

/** The few pino methods the server uses (pino's Logger fits). */
export interface DnsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: DnsLogger = { info() {}, warn() {}, error() {} };

/** Answers every datagram on `socket`. Client addresses are never logged (personal data). */
export function serveUdp(socket: dgram.Socket, engine: DnsEngine, logger: DnsLogger): void {
  let failures = 0;
  socket.on('message', (msg, rinfo) => {
    let out: Buffer | Buffer[] | null;
    try {
      out = engine.handle(msg, 'udp', rinfo.address);
    } catch (err) {
      // The engine does not throw on any input the fuzz test found; should one appear, stay up.
      if (failures++ < 10) logger.error({ err }, 'dns: query failed');
      return;
    }
    if (out && !Array.isArray(out)) socket.send(out, rinfo.port, rinfo.address);
  });
  socket.on('error', (err) => logger.warn({ err }, 'dns: UDP socket error'));
}

export interface TcpOptions {
  /** Connections idle longer than this are closed (RFC 7766 §6.2.3 suggests seconds, not minutes). */
  idleTimeoutMs: number;
}

/**
 * One TCP connection: two-byte length-prefixed messages (RFC 1035 §4.2.2), any number of them
 * pipelined (RFC 7766 §6.2.1), answered in order. Reading pauses while the client does not read
 * its answers, so a slow reader cannot make us buffer without bound.
 */
export function serveTcpConnection(sock: net.Socket, engine: DnsEngine, options: TcpOptions, logger: DnsLogger): void {
  let pending: Buffer | null = null;
  sock.setNoDelay(true);
  sock.setTimeout(options.idleTimeoutMs, () => sock.destroy());
  sock.on('error', () => {
    // Resets by clients are routine.
  });
  sock.on('data', (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    sock.cork();
    let writable = true;
    try {
      while (buf.length >= 2) {
        const length = buf.readUInt16BE(0);
        if (buf.length < 2 + length) break;
        const msg = buf.subarray(2, 2 + length);
        buf = buf.subarray(2 + length);
        let out: Buffer | Buffer[] | null;
        try {
          out = engine.handle(msg, 'tcp', sock.remoteAddress ?? '');
        } catch (err) {
          logger.error({ err }, 'dns: query failed');
          out = null;
        }
        if (out === null) {
          // Nothing sensible to say (too short to hold a header): a broken client, hang up.
          if (msg.length < 12) {
            sock.destroy();
            return;
          }
          continue;
        }
        for (const m of Array.isArray(out) ? out : [out]) {
          const prefix = Buffer.allocUnsafe(2);
          prefix.writeUInt16BE(m.length);
          sock.write(prefix);
          writable = sock.write(m);
        }
      }
    } finally {
      sock.uncork();
    }
    if (buf.length) pending = Buffer.from(buf);
    if (!writable) {
      sock.pause();
      sock.once('drain', () => sock.resume());
    }
  });
}
