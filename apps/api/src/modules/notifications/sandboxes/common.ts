import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../../../shared/clock.ts';

/**
 * Failure switches every provider sandbox offers, so clients are tested against the failures
 * production will show them: bursts of errors, rate limits and slow answers.
 */
export interface FaultControls {
  /** The next `n` requests answer `status` (default 500) and are not processed. */
  failNext(n: number, status?: number): void;
  /** Every request answers `status` (default 503) for `ms` of the sandbox clock. */
  failFor(ms: number, status?: number): void;
  /** The next `n` requests answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(n: number, retryAfterSeconds?: number): void;
  /** Every later request is processed, then answered `ms` late (0 turns it off): makes clients time out. */
  delay(ms: number): void;
  /** Back to answering normally. */
  reset(): void;
}

export interface Fault {
  status: number;
  retryAfterSeconds?: number;
}

export class Faults implements FaultControls {
  private queued: number[] = [];
  private failUntil = 0;
  private failStatus = 503;
  private limited = 0;
  private retryAfterSeconds = 1;
  private delayMs = 0;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  failNext(n: number, status = 500): void {
    for (let i = 0; i < n; i++) this.queued.push(status);
  }

  failFor(ms: number, status = 503): void {
    this.failUntil = this.clock.now().getTime() + ms;
    this.failStatus = status;
  }

  rateLimit(n: number, retryAfterSeconds = 1): void {
    this.limited += n;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  delay(ms: number): void {
    this.delayMs = ms;
  }

  reset(): void {
    this.queued = [];
    this.failUntil = 0;
    this.limited = 0;
    this.delayMs = 0;
  }

  /** The failure this request meets, if any; consumes it. */
  take(): Fault | undefined {
    if (this.clock.now().getTime() < this.failUntil) return { status: this.failStatus };
    if (this.limited > 0) {
      this.limited--;
      return { status: 429, retryAfterSeconds: this.retryAfterSeconds };
    }
    const status = this.queued.shift();
    return status === undefined ? undefined : { status };
  }

  /** Waits the configured delay (real time: it is the client's real timeout being tested). */
  async wait(): Promise<void> {
    if (this.delayMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.delayMs);
      this.sleepers.add(done);
    });
  }

  /** Ends every pending delay, so closing a sandbox never waits for one. */
  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** The control surface without the request-side methods. */
  controls(): FaultControls {
    return {
      failNext: (n, status) => this.failNext(n, status),
      failFor: (ms, status) => this.failFor(ms, status),
      rateLimit: (n, seconds) => this.rateLimit(n, seconds),
      delay: (ms) => this.delay(ms),
      reset: () => this.reset(),
    };
  }
}

/** A Fastify instance that hands every body to the route as the raw string it received. */
export function sandboxApp(): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 8 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  return app;
}

/** Listens on 127.0.0.1 on a free port; returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** The token of `Authorization: Bearer <token>`, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export function rawBody(body: unknown): string {
  return typeof body === 'string' ? body : '';
}
