import type { Executor } from '../../db/database.ts';
import type { Logger } from '../../shared/logger.ts';
import { auditRepository, type UsageRow } from './audit.repository.ts';
import { summariseUserAgent } from './user-agent.ts';

export interface UsageEntry {
  at: Date;
  actorType: string;
  actorId: string | null;
  teamId: string | null;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

/**
 * The usage log of the privacy notice, section 1B ("IP addresses, browser type, operating
 * system, API calls … and timestamps"). Entries are buffered and written in batches so the
 * log adds no query to the request path; a crash loses at most one flush interval.
 * Only browser and OS names are kept from the user agent, not the raw string.
 */
export class UsageLog {
  private buffer: UsageRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Executor,
    private readonly logger: Logger,
    private readonly opts: { flushMs?: number; maxBuffer?: number } = {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.flushMs ?? 200);
    this.timer.unref();
  }

  record(e: UsageEntry): void {
    const { browser, os } = summariseUserAgent(e.userAgent);
    this.buffer.push({
      at: e.at, actorType: e.actorType, actorId: e.actorId, teamId: e.teamId, method: e.method, route: e.route,
      status: e.status, durationMs: Math.round(e.durationMs), ip: e.ip, browser, os, requestId: e.requestId,
    });
    if (this.buffer.length >= (this.opts.maxBuffer ?? 500)) void this.flush();
  }

  /** Writes what is buffered; batches are written one after another, never concurrently. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await auditRepository.insertUsage(this.db, batch);
      } catch (err) {
        this.logger.error({ err, rows: batch.length }, 'usage log flush failed');
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
