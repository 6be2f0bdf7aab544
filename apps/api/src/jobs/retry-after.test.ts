import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { ManualClock } from '../shared/clock.ts';
import { createTestDatabase, dbKind } from '../../test/db.ts';
import { JobQueue } from './job-queue.ts';
import { Worker } from './worker.ts';

describe(`Worker and a provider's Retry-After (${dbKind})`, () => {
  let d: Database;
  beforeEach(async () => {
    d = await createTestDatabase();
  });
  afterEach(() => d.close());

  it('waits at least the delay a failing handler names, capped by the backoff cap', async () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z');
    const queue = new JobQueue(clock);
    const worker = new Worker(
      d.db,
      {
        throttled: async () => {
          throw Object.assign(new Error('429 from provider'), { retryAfterMs: 45_000 });
        },
      },
      { clock, backoffBaseMs: 1_000, backoffCapMs: 60_000 },
    );
    await queue.enqueue(d.db, 'throttled', {}, { maxAttempts: 3 });
    await worker.drain();
    const [row] = await queue.listJobs(d.db, { name: 'throttled' });
    // Backoff alone would be 0.5–1 s; the provider asked for 45 s.
    expect(row!.runAt.getTime() - clock.now().getTime()).toBe(45_000);
  });
});
