import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { inTransaction, systemContext } from '../../src/shared/context.ts';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';

describe(`durable jobs through the platform (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t?.close());

  it('never runs a job whose transaction rolled back; a failing job retries, dies, and is visible and retryable', async () => {
    const db = t.deps.database.db;
    const ctx = systemContext(db, 'test');
    await expect(
      inTransaction(ctx, async (c) => {
        await t.deps.jobs.enqueue(c.tx, 'privacy.enforce-retention', {});
        throw new Error('domain change failed');
      }),
    ).rejects.toThrow('domain change failed');
    expect(await t.deps.jobs.listJobs(db, {})).toHaveLength(0);

    // A job no handler knows fails on every attempt.
    await t.deps.jobs.enqueue(db, 'no.such.handler', { x: 1 }, { maxAttempts: 2 });
    const worker = t.platform.worker();
    await worker.drain();
    (t.clock as ManualClock).advance(3600_000);
    await worker.drain();

    const res = await t.app.inject({ url: '/api/dev/jobs?status=dead' });
    expect(res.statusCode).toBe(200);
    const [dead] = res.json().data;
    expect(dead).toMatchObject({ name: 'no.such.handler', status: 'dead', attempts: expect.any(Number) });
    expect(dead.lastError).toMatch(/no.such.handler/);
    expect(dead).not.toHaveProperty('payload');

    const retried = await t.app.inject({ method: 'POST', url: `/api/dev/jobs/${dead.id}/retry` });
    expect(retried.json().data.status).toBe('queued');
  });

  it('runs the retention job from its schedule', async () => {
    await t.deps.jobs.enqueue(t.deps.database.db, 'privacy.enforce-retention', {});
    await t.platform.worker().drain();
    const done = await t.deps.jobs.listJobs(t.deps.database.db, { name: 'privacy.enforce-retention' });
    expect(done[0]!.status).toBe('succeeded');
  });
});
