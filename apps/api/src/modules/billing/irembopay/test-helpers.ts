import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Shared by the IremboPay tests: a merchant's notification endpoint on loopback. */

export interface ReceivedNotification {
  body: string;
  signature: string | undefined;
}

export interface NotificationReceiver {
  url: string;
  /** Every request received, in arrival order. */
  received: ReceivedNotification[];
  /** Statuses to answer, in order; 200 once they are used up. */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<NotificationReceiver> {
  const received: ReceivedNotification[] = [];
  const queue: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['irembopay-signature'];
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: typeof signature === 'string' ? signature : undefined });
      res.writeHead(queue.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/irembopay`,
    received,
    answer: (...statuses) => void queue.push(...statuses),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
