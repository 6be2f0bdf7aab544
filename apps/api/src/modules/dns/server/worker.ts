/**
 * A worker process of the DNS server: its own engine and zone index, fed by the main process
 * over IPC, answering from the UDP socket the main process bound and passed to it.
 */
import type dgram from 'node:dgram';
import { DnsEngine } from './engine.ts';
import { serveUdp, type DnsLogger } from './listeners.ts';
import type { ToWorker } from './server.ts';

let engine: DnsEngine | null = null;
let socket: dgram.Socket | null = null;

const send = (m: object) => process.send?.(m);

const logger: DnsLogger = {
  info: (obj, msg) => send({ t: 'log', level: 'info', obj: plain(obj), msg }),
  warn: (obj, msg) => send({ t: 'log', level: 'warn', obj: plain(obj), msg }),
  error: (obj, msg) => send({ t: 'log', level: 'error', obj: plain(obj), msg }),
};

function plain(obj: object): object {
  const err = (obj as { err?: unknown }).err;
  return err instanceof Error ? { ...obj, err: { type: err.name, message: err.message } } : obj;
}

process.on('message', (m: ToWorker, handle?: unknown) => {
  switch (m.t) {
    case 'init':
      engine = new DnsEngine(m.options);
      send({ t: 'ack', seq: m.seq });
      break;
    case 'socket':
      socket = handle as dgram.Socket;
      serveUdp(socket, engine!, logger);
      send({ t: 'ack', seq: m.seq });
      break;
    case 'upsert':
      try {
        engine!.upsertZone(m.snapshot);
      } catch (err) {
        logger.error({ zone: m.snapshot.name, err }, 'dns: zone not served');
      }
      send({ t: 'ack', seq: m.seq });
      break;
    case 'remove':
      engine!.removeZone(m.name);
      send({ t: 'ack', seq: m.seq });
      break;
    case 'stats':
      send({ t: 'ack', seq: m.seq, stats: engine?.stats });
      break;
  }
});

// The main process is gone (closed or crashed): nothing more will come; leave.
process.on('disconnect', () => {
  socket?.close();
  process.exit(0);
});
