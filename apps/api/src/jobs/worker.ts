import os from 'node:os';
import crypto from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import type { Db } from '../db/database.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import {
  advanceSchedule,
  claimDueJobs,
  claimDueSchedules,
  insertJob,
  markDead,
  markForRetry,
  markSucceeded,
  recoverStaleJobs,
  refreshLocks,
  upsertSchedule,
  type JobLock,
  type JobRow,
} from './jobs.repository.ts';

/**
 * Runs one job. The payload is whatever was enqueued, parsed back from JSON: validate it.
 * Throwing schedules a retry; the thrown message (never the payload) is kept as `last_error`.
 */
export type JobHandler<P = unknown> = (payload: P, job: JobRow) => Promise<void>;

/** Handlers by job name. `never` lets each handler declare its own payload type. */
export type JobHandlers = Record<string, JobHandler<never>>;

/** A cron-style schedule: at each tick (UTC) one `job` is enqueued with `payload`. */
export interface JobSchedule {
  name: string;
  /** Five fields, or six with seconds first (cron-parser v5 syntax). */
  cron: string;
  job: string;
  payload?: unknown;
  maxAttempts?: number;
}

/** The subset of pino the worker uses; a pino logger fits. */
export interface WorkerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerOptions {
  /** Jobs run at the same time by this worker. Default 4. */
  concurrency?: number;
  /** Wait between polls when the queue is empty. Default 500 ms. */
  pollMs?: number;
  /** A running job whose lock is older than this is taken for abandoned by a crashed worker. Default 5 min. */
  lockTimeoutMs?: number;
  workerId?: string;
  clock?: Clock;
  logger?: WorkerLogger;
  /** Retry delay after the first failure, doubled after each further one. Default 10 s. */
  backoffBaseMs?: number;
  /** Upper bound of the retry delay. Default 1 h. */
  backoffCapMs?: number;
  /** How long stop() waits for running handlers. Default 30 s. */
  stopTimeoutMs?: number;
  schedules?: JobSchedule[];
  /** Source of jitter, in [0, 1). */
  random?: () => number;
}

const MAX_ERROR_LENGTH = 1000;

const silentLogger: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Claims due jobs from the `jobs` table and runs their handlers; fires cron schedules.
 *
 * Several workers, in one process or many, may share a database: jobs and schedule ticks are
 * claimed with FOR UPDATE SKIP LOCKED. No transaction is held while a handler runs, because
 * in-process PGlite has a single connection and everything else would queue behind it.
 */
export class Worker {
  readonly workerId: string;
  private readonly clock: Clock;
  private readonly log: WorkerLogger;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly lockTimeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly stopTimeoutMs: number;
  private readonly random: () => number;
  private readonly schedules: Map<string, JobSchedule>;

  private state: 'idle' | 'starting' | 'running' | 'stopping' = 'idle';
  private stopped: Promise<boolean> | undefined;
  private readonly active = new Map<number, Promise<void>>();
  private schedulesRegistered: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private wakeRequested = false;
  private lastMaintenance = 0;

  constructor(
    private readonly db: Db,
    private readonly handlers: JobHandlers,
    options: WorkerOptions = {},
  ) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
    this.pollMs = positiveInteger('pollMs', options.pollMs ?? 500);
    this.lockTimeoutMs = positiveInteger('lockTimeoutMs', options.lockTimeoutMs ?? 5 * 60_000);
    this.backoffBaseMs = positiveInteger('backoffBaseMs', options.backoffBaseMs ?? 10_000);
    this.backoffCapMs = Math.max(this.backoffBaseMs, positiveInteger('backoffCapMs', options.backoffCapMs ?? 60 * 60_000));
    this.stopTimeoutMs = positiveInteger('stopTimeoutMs', options.stopTimeoutMs ?? 30_000);
    this.random = options.random ?? Math.random;
    this.schedules = new Map();
    for (const s of options.schedules ?? []) {
      if (this.schedules.has(s.name)) throw new Error(`Schedule "${s.name}" is defined twice.`);
      if (!Object.hasOwn(handlers, s.job)) throw new Error(`Schedule "${s.name}" names job "${s.job}", which has no handler.`);
      nextTick(s.cron, this.clock.now()); // throws on a bad expression, at start rather than at the first tick
      this.schedules.set(s.name, s);
    }
  }

  /** Registers the schedules and polls until stop(). */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`The worker is ${this.state}.`);
    this.state = 'starting';
    try {
      await this.registerSchedules();
    } catch (err) {
      if (this.state === 'starting') this.state = 'idle';
      throw err;
    }
    if (this.state !== 'starting') return; // stop() was called meanwhile
    this.state = 'running';
    // A heartbeat at a third of the timeout survives one missed beat.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(Math.floor(this.lockTimeoutMs / 3), 1));
    this.log.info({ workerId: this.workerId, concurrency: this.concurrency, schedules: [...this.schedules.keys()] }, 'job worker started');
    this.schedulePoll(0);
  }

  /**
   * Stops claiming, then waits up to `timeoutMs` for running handlers. Resolves true when all
   * finished; otherwise their locks stay and expire, and another worker takes the jobs over.
   */
  stop(timeoutMs = this.stopTimeoutMs): Promise<boolean> {
    if (this.state === 'stopping') return this.stopped!;
    if (this.state === 'starting') {
      this.state = 'idle';
      return Promise.resolve(true);
    }
    if (this.state !== 'running') return Promise.resolve(this.active.size === 0);
    this.state = 'stopping';
    this.stopped = this.waitForHandlers(timeoutMs).finally(() => (this.state = 'idle'));
    return this.stopped;
  }

  private async waitForHandlers(timeoutMs: number): Promise<boolean> {
    clearTimeout(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    // A poll in flight may already hold claimed jobs: they run, and are waited for below.
    await this.polling;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(this.active.values()).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished) this.log.warn({ workerId: this.workerId, jobIds: [...this.active.keys()] }, 'job worker stopped with handlers still running');
    else this.log.info({ workerId: this.workerId }, 'job worker stopped');
    return finished;
  }

  /**
   * One round, for tests and scripts: recover stale locks, fire due schedules, claim up to
   * `concurrency` due jobs and wait for their handlers. Returns the number of jobs run.
   */
  async runOnce(): Promise<number> {
    await this.registerSchedules();
    await this.maintain();
    const runs = await this.claim();
    await Promise.all(runs);
    return runs.length;
  }

  /** Runs rounds until nothing is due at the clock's current time. Returns the number of jobs run. */
  async drain(opts: { maxJobs?: number } = {}): Promise<number> {
    const maxJobs = opts.maxJobs ?? 10_000;
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) return total;
      if (total >= maxJobs) throw new Error(`drain() ran ${total} jobs and the queue is still not empty; a job may be enqueueing itself.`);
    }
  }

  private registerSchedules(): Promise<void> {
    this.schedulesRegistered ??= (async () => {
      const now = this.clock.now();
      for (const s of this.schedules.values()) {
        await upsertSchedule(this.db, { name: s.name, cron: s.cron, nextRunAt: nextTick(s.cron, now) });
      }
    })().catch((err: unknown) => {
      this.schedulesRegistered = undefined;
      throw err;
    });
    return this.schedulesRegistered;
  }

  private schedulePoll(delayMs: number): void {
    if (this.state !== 'running') return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.polling = this.poll().finally(() => (this.polling = undefined));
    }, delayMs);
  }

  private async poll(): Promise<void> {
    this.wakeRequested = false;
    let full = false;
    try {
      // Maintenance need not run on every wake-up after a finished job.
      if (performance.now() - this.lastMaintenance >= this.pollMs) {
        this.lastMaintenance = performance.now();
        await this.maintain();
      }
      const free = this.concurrency - this.active.size;
      const runs = await this.claim();
      full = free > 0 && runs.length === free;
    } catch (err) {
      this.log.error({ workerId: this.workerId, error: errorMessage(err) }, 'job poll failed');
    }
    // A full batch suggests more are due, and a slot freed during this poll may have work: poll again at once.
    this.schedulePoll(full || this.wakeRequested ? 0 : this.pollMs);
  }

  private async maintain(): Promise<void> {
    const now = this.clock.now();
    const lockedBefore = new Date(now.getTime() - this.lockTimeoutMs);
    const recovered = await recoverStaleJobs(this.db, { lockedBefore, now, exceptIds: [...this.active.keys()] });
    for (const job of recovered) {
      const log = job.status === 'dead' ? this.log.error : this.log.warn;
      log.call(this.log, { jobId: job.id, job: job.name, attempts: job.attempts, status: job.status }, 'recovered a job whose worker stopped');
    }
    await this.fireSchedules(now);
  }

  /** Enqueue and advance in one transaction, so each due tick yields exactly one job. */
  private async fireSchedules(now: Date): Promise<void> {
    if (this.schedules.size === 0) return;
    await this.db.transaction(async (tx) => {
      const due = await claimDueSchedules(tx, { names: [...this.schedules.keys()], now });
      for (const row of due) {
        const def = this.schedules.get(row.name)!;
        // The job's run_at is the tick it stands for, so a handler can tell which period it covers.
        const job = await insertJob(tx, { name: def.job, payload: def.payload, runAt: row.nextRunAt, maxAttempts: def.maxAttempts, createdAt: now });
        // Ticks missed while no worker ran are coalesced into this one run, not replayed one by one.
        await advanceSchedule(tx, { name: row.name, nextRunAt: nextTick(def.cron, now), lastRunAt: row.nextRunAt });
        this.log.debug({ schedule: row.name, jobId: job.id, job: def.job, tick: row.nextRunAt.toISOString() }, 'schedule fired');
      }
    });
  }

  /** Claims what free slots allow and starts the handlers; resolves to their runs. */
  private async claim(): Promise<Promise<void>[]> {
    const free = this.concurrency - this.active.size;
    if (free <= 0) return [];
    const claimed = await claimDueJobs(this.db, { now: this.clock.now(), workerId: this.workerId, limit: free });
    return claimed.map((job) => {
      const run = this.execute(job).finally(() => {
        this.active.delete(job.id);
        if (this.state !== 'running') return;
        if (this.polling) this.wakeRequested = true;
        else this.schedulePoll(0);
      });
      this.active.set(job.id, run);
      return run;
    });
  }

  /** Never rejects: every outcome is written to the job row or, failing that, logged. */
  private async execute(job: JobRow): Promise<void> {
    const lock: JobLock = { id: job.id, workerId: this.workerId, attempts: job.attempts };
    const meta = { jobId: job.id, job: job.name, attempt: job.attempts, maxAttempts: job.maxAttempts };
    try {
      const handler = Object.hasOwn(this.handlers, job.name) ? this.handlers[job.name] : undefined;
      if (!handler) {
        const error = `No handler is registered for job "${truncate(job.name, 200)}" on worker ${this.workerId}.`;
        await markDead(this.db, lock, this.clock.now(), error);
        this.log.error({ ...meta, error }, 'job dead: unknown job name');
        return;
      }
      this.log.debug(meta, 'job started');
      let failure: string | undefined;
      let retryAfterMs = 0;
      try {
        await handler(job.payload as never, job);
      } catch (err) {
        failure = truncate(errorMessage(err), MAX_ERROR_LENGTH);
        // A handler may name the least wait before the next attempt (a provider's Retry-After).
        const hint = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
        if (typeof hint === 'number' && Number.isFinite(hint) && hint > 0) retryAfterMs = Math.min(hint, this.backoffCapMs);
      }
      const now = this.clock.now();
      if (failure === undefined) {
        if (await markSucceeded(this.db, lock, now)) this.log.debug(meta, 'job succeeded');
        else this.log.warn(meta, 'job finished after its lock was taken over; its result was not recorded');
      } else if (job.attempts >= job.maxAttempts) {
        await markDead(this.db, lock, now, failure);
        this.log.error({ ...meta, error: failure }, 'job dead: out of attempts');
      } else {
        const delayMs = Math.max(this.backoff(job.attempts), retryAfterMs);
        await markForRetry(this.db, lock, new Date(now.getTime() + delayMs), failure);
        this.log.warn({ ...meta, error: failure, retryInMs: delayMs }, 'job failed; will retry');
      }
    } catch (err) {
      // The outcome could not be written (database down?): the lock expires and the job runs again.
      this.log.error({ ...meta, error: errorMessage(err) }, 'could not record job outcome');
    }
  }

  /** Exponential, capped, with "equal jitter": half fixed, half random, so delays still grow. */
  private backoff(attempt: number): number {
    const exp = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  private async heartbeat(): Promise<void> {
    try {
      await refreshLocks(this.db, { ids: [...this.active.keys()], workerId: this.workerId, now: this.clock.now() });
    } catch (err) {
      this.log.warn({ workerId: this.workerId, error: errorMessage(err) }, 'could not refresh job locks');
    }
  }
}

/** The first tick strictly after `after`, in UTC. */
export function nextTick(cron: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: 'UTC' }).next().toDate();
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer.`);
  return value;
}

// Only the message: String(err) or JSON of a thrown object could carry the payload.
function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  return `a non-Error value was thrown (${typeof err})`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
