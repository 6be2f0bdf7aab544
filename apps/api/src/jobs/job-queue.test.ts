import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { ManualClock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { createTestDatabase, dbKind } from '../../test/db.ts';
import { JobQueue } from './job-queue.ts';
import { Worker } from './worker.ts';

describe(`JobQueue (${dbKind})`, () => {
  let d: Database;
  let clock: ManualClock;
  let queue: JobQueue;

  beforeEach(async () => {
    d = await createTestDatabase();
    clock = new ManualClock('2026-03-01T08:00:00Z');
    queue = new JobQueue(clock);
    // A stand-in for a domain table, so atomicity is checked in both directions.
    await d.db.execute(sql`create table widgets (id serial primary key, note text not null)`);
  });
  afterEach(() => d.close());

  const widgetNotes = async () =>
    (await d.db.execute<{ note: string }>(sql`select note from widgets order by id`)).rows.map((r) => r.note);

  it('a job enqueued in a transaction that rolls back never runs, and neither change survives', async () => {
    const runs: unknown[] = [];
    const worker = new Worker(d.db, { 'send-welcome': async (p) => void runs.push(p) }, { clock });

    await expect(
      d.db.transaction(async (tx) => {
        await tx.execute(sql`insert into widgets (note) values ('rolled back')`);
        await queue.enqueue(tx, 'send-welcome', { widget: 'rolled back' });
        throw new Error('the domain change failed after enqueueing');
      }),
    ).rejects.toThrow('the domain change failed');

    expect(await worker.drain()).toBe(0);
    expect(runs).toEqual([]);
    expect(await queue.listJobs(d.db)).toEqual([]);
    expect(await widgetNotes()).toEqual([]);
  });

  it('when the enqueue fails inside the transaction, the domain change is rolled back too', async () => {
    await expect(
      d.db.transaction(async (tx) => {
        await tx.execute(sql`insert into widgets (note) values ('orphan')`);
        // BigInt cannot be written as JSON: the job insert fails.
        await queue.enqueue(tx, 'send-welcome', { n: 1n });
      }),
    ).rejects.toThrow();
    expect(await widgetNotes()).toEqual([]);
    expect(await queue.listJobs(d.db)).toEqual([]);
  });

  it('a job enqueued in a committed transaction runs exactly once, with its payload', async () => {
    const runs: { payload: unknown; attempt: number }[] = [];
    const worker = new Worker(d.db, { 'send-welcome': async (payload, job) => void runs.push({ payload, attempt: job.attempts }) }, { clock });

    const job = await d.db.transaction(async (tx) => {
      await tx.execute(sql`insert into widgets (note) values ('committed')`);
      return queue.enqueue(tx, 'send-welcome', { widget: 'committed' });
    });

    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    expect(runs).toEqual([{ payload: { widget: 'committed' }, attempt: 1 }]);
    expect(await widgetNotes()).toEqual(['committed']);
    const [row] = await queue.listJobs(d.db);
    expect(row).toMatchObject({ id: job.id, status: 'succeeded', attempts: 1, lockedBy: null, lastError: null });
    expect(row?.finishedAt).toEqual(clock.now());
  });

  it('a delayed job does not run before its time, which comes from the clock', async () => {
    const runs: string[] = [];
    const worker = new Worker(d.db, { later: async () => void runs.push('later'), at: async () => void runs.push('at') }, { clock });
    const delayed = await queue.enqueue(d.db, 'later', {}, { delayMs: 60_000 });
    const at = await queue.enqueue(d.db, 'at', {}, { runAt: new Date('2026-03-01T09:00:00Z') });
    expect(delayed.runAt).toEqual(new Date('2026-03-01T08:01:00Z'));
    expect(delayed.createdAt).toEqual(clock.now());
    expect(at.runAt).toEqual(new Date('2026-03-01T09:00:00Z'));

    clock.advance(59_999);
    expect(await worker.drain()).toBe(0);
    clock.advance(1);
    expect(await worker.drain()).toBe(1);
    clock.set('2026-03-01T09:00:00Z');
    expect(await worker.drain()).toBe(1);
    expect(runs).toEqual(['later', 'at']);
  });

  it('rejects nonsense options before touching the database', async () => {
    await expect(queue.enqueue(d.db, 'x', {}, { maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(d.db, 'x', {}, { delayMs: -1 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(d.db, ' ', {})).rejects.toThrow(TypeError);
    expect(await queue.listJobs(d.db)).toEqual([]);
  });

  it('listJobs filters by status and name, newest first, within the limit', async () => {
    const a = await queue.enqueue(d.db, 'a', {});
    const b = await queue.enqueue(d.db, 'b', {});
    const c = await queue.enqueue(d.db, 'a', {});
    await new Worker(d.db, { b: async () => {} }, { clock }).drain(); // a has no handler here: both die

    expect((await queue.listJobs(d.db)).map((j) => j.id)).toEqual([c.id, b.id, a.id]);
    expect((await queue.listJobs(d.db, { name: 'a' })).map((j) => j.id)).toEqual([c.id, a.id]);
    expect((await queue.listJobs(d.db, { status: 'succeeded' })).map((j) => j.id)).toEqual([b.id]);
    expect((await queue.listJobs(d.db, { status: 'dead', name: 'a', limit: 1 })).map((j) => j.id)).toEqual([c.id]);
  });

  it('retryDeadJob refuses unknown jobs and jobs that are not dead', async () => {
    const queued = await queue.enqueue(d.db, 'a', {});
    await expect(queue.retryDeadJob(d.db, queued.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(queue.retryDeadJob(d.db, 999_999)).rejects.toBeInstanceOf(AppError);
    await expect(queue.retryDeadJob(d.db, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
