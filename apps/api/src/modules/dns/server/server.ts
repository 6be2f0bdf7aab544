/**
 * `startDnsServer`: the authoritative server on UDP and TCP, one host and port.
 *
 * Using both cores. Node 20's dgram has no SO_REUSEPORT, so the main process binds the UDP socket
 * and passes the handle to worker processes (`child.send(msg, socket)`); the kernel then hands
 * each datagram to whichever process is reading. Every worker has its own engine (zone index and
 * response cache) fed with the same snapshots over IPC. The main process answers UDP too, and
 * alone serves TCP (low volume, and zone transfers need the allow list) and sends NOTIFY.
 * Measured on the 2-core machine (bench/README.md, bench:dns), with dnsperf on the same cores:
 * one process ~74k queries/s, main + 1 worker ~81–114k (PowerDNS 74–121k in the same runs); the
 * profile is then dominated by the sendmsg system call, not by our code. A third process did not
 * help on two cores. `workers: 0` runs everything in one process (tests, the embedded platform).
 * Datagrams are answered by whichever process reads them, so each keeps its own response cache.
 */
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ZoneSnapshot } from '../zone.ts';
import { DnsEngine, type DnsEngineOptions, type UpsertResult } from './engine.ts';
import { serveTcpConnection, serveUdp, silentLogger, type DnsLogger } from './listeners.ts';
import { NotifySender, type NotifyTarget } from './notify.ts';

export interface DnsServerOptions {
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** UDP and TCP port; 5353 by default; 0 picks a free port (the same number for both). */
  port?: number;
  /** Worker processes sharing the UDP socket: 'auto' (default) is one per core beyond the first; 0 serves in this process only. */
  workers?: number | 'auto';
  /** Zones served from the start. */
  zones?: ZoneSnapshot[];
  /** Secondaries: each gets a NOTIFY when a zone's serial changes and may transfer zones. */
  secondaries?: NotifyTarget[];
  /** Further addresses allowed to transfer zones (AXFR/IXFR over TCP). */
  allowTransfer?: string[];
  udpPayloadSize?: number;
  cacheEntries?: number;
  cacheBytes?: number;
  tcpIdleTimeoutMs?: number;
  maxTcpConnections?: number;
  notifyRetryMs?: number;
  notifyAttempts?: number;
  logger?: DnsLogger;
}

export interface DnsServer {
  readonly address: { host: string; port: number };
  /** The main process's engine (its zone index and counters). */
  readonly engine: DnsEngine;
  /** Installs or replaces a zone (throws ZoneDataError for an unusable apex or SOA); resolves once every worker answers from the new version. */
  upsertZone(snapshot: ZoneSnapshot): Promise<UpsertResult>;
  removeZone(name: string): Promise<boolean>;
  /** Process ids of the worker processes (for health checks and tests). */
  workerPids(): number[];
  /** Queries and cache hits summed over all processes, and the queries each process answered (main first). */
  stats(): Promise<{ queries: number; cacheHits: number; dropped: number; perProcess: number[] }>;
  close(): Promise<void>;
}

/** Messages from the main process to a worker. */
export type ToWorker =
  | { t: 'init'; seq: number; options: DnsEngineOptions }
  | { t: 'socket'; seq: number }
  | { t: 'upsert'; seq: number; snapshot: ZoneSnapshot }
  | { t: 'remove'; seq: number; name: string }
  | { t: 'stats'; seq: number };

type WorkerRequest = ToWorker extends infer M ? (M extends ToWorker ? Omit<M, 'seq'> : never) : never;

type FromWorker =
  | { t: 'ack'; seq: number; stats?: { queries: number; cacheHits: number; dropped: number } }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; obj: object; msg: string };

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));
const WORKER_START_MS = 30_000;

/** Workers run the TypeScript sources through tsx's loader, like the `strettch` binary itself. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

class Worker {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: FromWorker & { t: 'ack' }) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    logger: DnsLogger,
  ) {
    child.on('message', (m: FromWorker) => {
      if (m.t === 'ack') {
        this.waiting.get(m.seq)?.resolve(m);
        this.waiting.delete(m.seq);
      } else if (m.t === 'log') logger[m.level](m.obj, m.msg);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        for (const w of this.waiting.values()) w.reject(new Error('DNS worker exited'));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  request(m: WorkerRequest, handle?: dgram.Socket): Promise<FromWorker & { t: 'ack' }> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('DNS worker is not running'));
      this.waiting.set(seq, { resolve, reject });
      this.child.send({ ...m, seq } as ToWorker, handle as never, (err) => {
        if (err) {
          this.waiting.delete(seq);
          reject(err);
        }
      });
    });
  }
}

const zoneKey = (name: string) => name.toLowerCase().replace(/\.$/, '');

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms);
    }),
  ]);
}

async function bindBoth(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  const type = net.isIPv6(host) ? 'udp6' : 'udp4';
  for (let attempt = 0; ; attempt++) {
    // A larger receive buffer absorbs bursts while a process is busy (capped by net.core.rmem_max).
    const udp = dgram.createSocket({ type, recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ port, address: host, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const bound = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: bound, host }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, port: bound };
    } catch (err) {
      udp.close();
      // With port 0 the UDP port may be taken on TCP by someone else: try another.
      if (port !== 0 || attempt >= 10) throw err;
    }
  }
}

export async function startDnsServer(options: DnsServerOptions = {}): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const secondaries = options.secondaries ?? [];
  const engineOptions: DnsEngineOptions = {
    udpPayloadSize: options.udpPayloadSize,
    cacheEntries: options.cacheEntries,
    cacheBytes: options.cacheBytes,
    allowTransfer: [...(options.allowTransfer ?? []), ...secondaries.map((s) => s.address)],
  };
  const engine = new DnsEngine(engineOptions);
  const snapshots = new Map<string, ZoneSnapshot>();
  for (const z of options.zones ?? []) {
    // One unusable zone (say, a bad SOA) must not keep the others off the air.
    try {
      const r = engine.upsertZone(z);
      snapshots.set(zoneKey(z.name), z);
      if (r.problems.length) logger.warn({ zone: z.name, problems: r.problems.length }, 'dns: records left out of a zone');
    } catch (err) {
      logger.error({ zone: z.name, err }, 'dns: zone not served');
    }
  }

  const { udp, tcp, port } = await bindBoth(host, options.port ?? 5353);
  serveUdp(udp, engine, logger);
  tcp.maxConnections = options.maxTcpConnections ?? 256;
  const idleTimeoutMs = options.tcpIdleTimeoutMs ?? 10_000;
  const connections = new Set<net.Socket>();
  tcp.on('connection', (sock) => {
    connections.add(sock);
    sock.once('close', () => connections.delete(sock));
    serveTcpConnection(sock, engine, { idleTimeoutMs }, logger);
  });
  tcp.on('error', (err) => logger.warn({ err }, 'dns: TCP listener error'));

  const notifier = new NotifySender(secondaries, {
    retryMs: options.notifyRetryMs,
    attempts: options.notifyAttempts,
    sourceAddress: host,
    onGiveUp: (zone) => logger.warn({ zone }, 'dns: a secondary did not acknowledge NOTIFY'),
  });

  const wanted = options.workers === undefined || options.workers === 'auto' ? Math.max(0, os.availableParallelism() - 1) : options.workers;
  const workers: Worker[] = [];
  let closing = false;
  const restarts: number[] = [];

  /**
   * Forks a worker and queues, in this order and synchronously, its setup, every current zone and
   * the socket; it joins `workers` at once, so an update made while it starts is queued after them.
   */
  const startWorker = async (): Promise<Worker> => {
    const child = fork(WORKER_FILE, [], {
      execArgv: ['--import', tsxLoader()],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new Worker(child, logger);
    workers.push(worker);
    void worker.exited.then(() => {
      const at = workers.indexOf(worker);
      if (at >= 0) workers.splice(at, 1);
      if (closing) return;
      // Replace a crashed worker, but not in a loop: at most 5 restarts a minute.
      const now = Date.now();
      while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length >= 5) return logger.error({}, 'dns: worker keeps exiting; serving with fewer processes');
      restarts.push(now);
      logger.warn({}, 'dns: worker exited; starting another');
      startWorker().catch((err) => logger.error({ err }, 'dns: could not start a worker'));
    });
    const steps = [
      worker.request({ t: 'init', options: engineOptions }),
      ...[...snapshots.values()].map((snapshot) => worker.request({ t: 'upsert', snapshot })),
      worker.request({ t: 'socket' }, udp),
    ];
    try {
      await withTimeout(Promise.all(steps), WORKER_START_MS, 'DNS worker');
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return worker;
  };

  try {
    await Promise.all(Array.from({ length: wanted }, () => startWorker()));
  } catch (err) {
    closing = true;
    for (const w of workers) w.child.kill();
    udp.close();
    tcp.close();
    throw err;
  }

  const toWorkers = async (m: WorkerRequest) => {
    await Promise.all(workers.map((w) => w.request(m).catch(() => undefined)));
  };

  return {
    address: { host, port },
    engine,
    async upsertZone(snapshot) {
      const result = engine.upsertZone(snapshot);
      snapshots.set(zoneKey(snapshot.name), snapshot);
      if (result.problems.length) logger.warn({ zone: snapshot.name, problems: result.problems.length }, 'dns: records left out of a zone');
      if (result.previousSerial !== result.serial) notifier.notify(snapshot.name);
      await toWorkers({ t: 'upsert', snapshot });
      return result;
    },
    async removeZone(name) {
      const removed = engine.removeZone(name);
      snapshots.delete(zoneKey(name));
      await toWorkers({ t: 'remove', name });
      return removed;
    },
    workerPids: () => workers.map((w) => w.child.pid!).filter(Boolean),
    async stats() {
      const all = [engine.stats, ...(await Promise.all(workers.map((w) => w.request({ t: 'stats' }).then((a) => a.stats, () => undefined))))];
      const sum = { queries: 0, cacheHits: 0, dropped: 0, perProcess: all.map((s) => s?.queries ?? 0) };
      for (const s of all) if (s) for (const k of ['queries', 'cacheHits', 'dropped'] as const) sum[k] += s[k];
      return sum;
    },
    async close() {
      closing = true;
      notifier.close();
      const exits = workers.map((w) => w.exited);
      for (const w of workers) w.child.disconnect();
      const killer = setTimeout(() => workers.forEach((w) => w.child.kill('SIGKILL')), 5_000);
      await Promise.all(exits);
      clearTimeout(killer);
      for (const s of connections) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
