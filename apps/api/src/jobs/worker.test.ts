import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Database } from '../db/database.ts';
import { ManualClock } from '../shared/clock.ts';
import { createTestDatabase, dbKind } from '../../test/db.ts';
import { JobQueue } from './job-queue.ts';
import { claimDueJobs, markSucceeded } from './jobs.repository.ts';
import { Worker, type WorkerLogger } from './worker.ts';

function memoryLogger(): { logger: WorkerLogger; lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(`Worker (${dbKind})`, () => {
  let d: Database;
  let clock: ManualClock;
  let queue: JobQueue;

  beforeEach(async () => {
    d = await createTestDatabase();
    clock = new ManualClock('2026-03-01T08:00:00Z');
    queue = new JobQueue(clock);
  });
  afterEach(() => d.close());

  it('retries a failing job with growing delays, then marks it dead with the error visible; retryDeadJob brings it back', async () => {
    const { logger, lines } = memoryLogger();
    let healthy = false;
    const attempts: number[] = [];
    const worker = new Worker(
      d.db,
      {
        'send-sms': async (_payload: { phone: string }, job) => {
          attempts.push(job.attempts);
          if (!healthy) throw new Error('provider answered 503');
        },
      },
      { clock, logger, backoffBaseMs: 1_000, backoffCapMs: 60_000 },
    );
    const job = await queue.enqueue(d.db, 'send-sms', { phone: '+250788000111' }, { maxAttempts: 4 });

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await worker.drain()).toBe(1);
      const [row] = await queue.listJobs(d.db, { name: 'send-sms' });
      expect(row).toMatchObject({ status: 'queued', attempts: attempt, lastError: 'provider answered 503', lockedBy: null });
      const delay = row!.runAt.getTime() - clock.now().getTime();
      // Equal jitter: between half and all of base·2^(attempt-1).
      expect(delay).toBeGreaterThanOrEqual(500 * 2 ** (attempt - 1));
      expect(delay).toBeLessThanOrEqual(1_000 * 2 ** (attempt - 1));
      delays.push(delay);
      clock.advance(delay - 1);
      expect(await worker.drain()).toBe(0); // not due yet
      clock.advance(1);
    }
    expect(delays[0]!).toBeLessThan(delays[1]!);
    expect(delays[1]!).toBeLessThan(delays[2]!);

    expect(await worker.drain()).toBe(1);
    const [dead] = await queue.listJobs(d.db, { status: 'dead' });
    expect(dead).toMatchObject({ id: job.id, attempts: 4, lastError: 'provider answered 503' });
    expect(dead?.finishedAt).toEqual(clock.now());
    clock.advance(24 * 3_600_000);
    expect(await worker.drain()).toBe(0);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'job dead: out of attempts')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('+250788000111');

    healthy = true;
    const requeued = await queue.retryDeadJob(d.db, job.id);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 0 });
    expect(requeued.runAt).toEqual(clock.now());
    expect(await worker.drain()).toBe(1);
    expect(attempts).toEqual([1, 2, 3, 4, 1]);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('caps the retry delay', async () => {
    const worker = new Worker(d.db, { flaky: async () => Promise.reject(new Error('no')) }, { clock, backoffBaseMs: 1_000, backoffCapMs: 1_500, random: () => 1 });
    await queue.enqueue(d.db, 'flaky', {}, { maxAttempts: 10 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await worker.drain();
      const delay = (await queue.listJobs(d.db))[0]!.runAt.getTime() - clock.now().getTime();
      delays.push(delay);
      clock.advance(delay);
    }
    expect(delays).toEqual([1_000, 1_500, 1_500, 1_500]);
  });

  it('keeps only a truncated message as last_error: no stack, no payload', async () => {
    const worker = new Worker(
      d.db,
      {
        boom: async (p: { email: string }) => {
          const err = new Error(`x`.repeat(5_000));
          err.stack = `Error: with ${p.email} in the stack`;
          throw err;
        },
        odd: async () => Promise.reject({ email: 'ada@example.rw' }),
      },
      { clock },
    );
    await queue.enqueue(d.db, 'boom', { email: 'ada@example.rw' }, { maxAttempts: 1 });
    await queue.enqueue(d.db, 'odd', { email: 'ada@example.rw' }, { maxAttempts: 1 });
    await worker.drain();
    const [odd, boom] = await queue.listJobs(d.db, { status: 'dead' });
    expect(boom?.lastError).toHaveLength(1_000);
    expect(boom?.lastError).toMatch(/^x+…$/);
    expect(odd?.lastError).toBe('a non-Error value was thrown (object)');
  });

  it('marks a job with no registered handler dead with a clear error', async () => {
    const worker = new Worker(d.db, { known: async () => {} }, { clock, workerId: 'w-1' });
    await queue.enqueue(d.db, 'nobody-handles-this', {});
    expect(await worker.drain()).toBe(1);
    const [row] = await queue.listJobs(d.db);
    expect(row).toMatchObject({ status: 'dead', attempts: 1, lastError: 'No handler is registered for job "nobody-handles-this" on worker w-1.' });
  });

  it('recovers a job whose worker crashed once the lock is older than lockTimeoutMs, and ignores the late result', async () => {
    const runs: number[] = [];
    const job = await queue.enqueue(d.db, 'provision', { computeId: 'c1' });
    // A worker claims it and dies before recording anything.
    const [claimed] = await claimDueJobs(d.db, { now: clock.now(), workerId: 'crashed', limit: 5 });
    expect(claimed).toMatchObject({ id: job.id, status: 'running', attempts: 1, lockedBy: 'crashed' });

    const worker = new Worker(d.db, { provision: async (_p, j) => void runs.push(j.attempts) }, { clock, lockTimeoutMs: 60_000 });
    clock.advance(60_000);
    expect(await worker.drain()).toBe(0);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ status: 'running', lockedBy: 'crashed' });

    clock.advance(1);
    expect(await worker.drain()).toBe(1);
    expect(runs).toEqual([2]);
    const [row] = await queue.listJobs(d.db);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(row?.lastError).toMatch(/lock of worker crashed expired/);

    // The crashed worker comes back to life: its result must not overwrite anything.
    expect(await markSucceeded(d.db, { id: job.id, workerId: 'crashed', attempts: 1 }, clock.now())).toBe(false);
  });

  it('a stale job that has used all its attempts goes to dead, not round again', async () => {
    const job = await queue.enqueue(d.db, 'oom', {}, { maxAttempts: 1 });
    await claimDueJobs(d.db, { now: clock.now(), workerId: 'crashed', limit: 5 });
    const worker = new Worker(d.db, { oom: async () => {} }, { clock, lockTimeoutMs: 60_000 });
    clock.advance(60_001);
    expect(await worker.drain()).toBe(0);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ id: job.id, status: 'dead', attempts: 1, lockedBy: null });
  });

  it('stop() stops claiming and waits for the running handler', async () => {
    const started = deferred();
    const release = deferred();
    const runs: string[] = [];
    const worker = new Worker(
      d.db,
      {
        slow: async (p: { n: string }) => {
          runs.push(p.n);
          started.resolve();
          await release.promise;
        },
      },
      { clock, pollMs: 10, concurrency: 1, logger: pino({ level: 'silent' }) },
    );
    const first = await queue.enqueue(d.db, 'slow', { n: 'first' });
    await worker.start();
    await started.promise;

    let stopped = false;
    const stopping = worker.stop().then((finished) => {
      stopped = true;
      return finished;
    });
    const second = await queue.enqueue(d.db, 'slow', { n: 'second' });
    await new Promise((r) => setTimeout(r, 60));
    expect(stopped).toBe(false);

    release.resolve();
    expect(await stopping).toBe(true);
    expect(runs).toEqual(['first']);
    const rows = await queue.listJobs(d.db);
    expect(rows.find((j) => j.id === first.id)?.status).toBe('succeeded');
    expect(rows.find((j) => j.id === second.id)?.status).toBe('queued');
  });

  it('stop() gives up after its timeout and leaves the lock to expire', async () => {
    const started = deferred();
    const stuck = async () => {
      started.resolve();
      await new Promise<void>(() => {});
    };
    const worker = new Worker(d.db, { stuck }, { clock, pollMs: 10 });
    await queue.enqueue(d.db, 'stuck', {});
    await worker.start();
    await started.promise;
    expect(await worker.stop(30)).toBe(false);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ status: 'running', lockedBy: worker.workerId });
  });

  it('a started worker keeps the locks of its long-running handlers fresh', async () => {
    const started = deferred();
    const release = deferred();
    const handler = async () => {
      started.resolve();
      await release.promise;
    };
    const long = new Worker(d.db, { long: handler }, { clock, pollMs: 10, lockTimeoutMs: 60 });
    const job = await queue.enqueue(d.db, 'long', {});
    await long.start();
    await started.promise;

    clock.advance(10 * 60_000); // far past the lock timeout, by the clock
    await new Promise((r) => setTimeout(r, 80)); // heartbeats every 20 ms re-stamp the lock with the clock's time
    const other = new Worker(d.db, { long: async () => {} }, { clock, lockTimeoutMs: 60 });
    expect(await other.drain()).toBe(0);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ id: job.id, status: 'running', lockedBy: long.workerId, attempts: 1 });

    release.resolve();
    expect(await long.stop()).toBe(true);
    expect((await queue.listJobs(d.db))[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('a started worker works through a backlog without waiting pollMs between batches', async () => {
    const done = deferred();
    let count = 0;
    const tick = async () => {
      await new Promise((r) => setTimeout(r, 5)); // still busy when the next poll comes
      if (++count === 20) done.resolve();
    };
    const worker = new Worker(d.db, { tick }, { clock, pollMs: 60_000, concurrency: 3 });
    await d.db.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await queue.enqueue(tx, 'tick', { i });
    });
    await worker.start();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([done.promise.then(() => 'done'), new Promise((r) => (timer = setTimeout(() => r('stalled'), 10_000)))]);
    clearTimeout(timer);
    expect(await worker.stop()).toBe(true);
    expect(outcome).toBe('done');
    expect(await queue.listJobs(d.db, { status: 'succeeded', limit: 100 })).toHaveLength(20);
  });

  it.skipIf(dbKind !== 'postgres')('two workers never run the same job twice over 200 jobs (PostgreSQL only: set TEST_DATABASE_URL)', async () => {
    const seen: { id: number; by: string }[] = [];
    const handler = (by: string) => async (_p: unknown, job: { id: number }) => {
      seen.push({ id: job.id, by });
      await new Promise((r) => setTimeout(r, Math.random() * 2));
    };
    const a = new Worker(d.db, { work: handler('a') }, { clock, workerId: 'a', concurrency: 4 });
    const b = new Worker(d.db, { work: handler('b') }, { clock, workerId: 'b', concurrency: 4 });
    await d.db.transaction(async (tx) => {
      for (let i = 0; i < 200; i++) await queue.enqueue(tx, 'work', { i });
    });

    const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);
    expect(ranA + ranB).toBe(200);
    expect(seen).toHaveLength(200);
    expect(new Set(seen.map((s) => s.id)).size).toBe(200);
    expect(ranA).toBeGreaterThan(0);
    expect(ranB).toBeGreaterThan(0);
    const rows = await queue.listJobs(d.db, { limit: 500 });
    expect(rows.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
  });
});
