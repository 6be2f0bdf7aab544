import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { ManualClock } from '../shared/clock.ts';
import { createTestDatabase, dbKind } from '../../test/db.ts';
import { JobQueue } from './job-queue.ts';
import { findSchedule, type JobRow } from './jobs.repository.ts';
import { Worker, type JobSchedule } from './worker.ts';

describe(`cron schedules (${dbKind})`, () => {
  let d: Database;
  let clock: ManualClock;
  let runs: { payload: unknown; tick: string }[];
  const hourly: JobSchedule = { name: 'hourly-usage', cron: '0 * * * *', job: 'meter-usage', payload: { scope: 'all' } };

  const newWorker = (schedule: JobSchedule = hourly) =>
    new Worker(d.db, { 'meter-usage': async (payload, job: JobRow) => void runs.push({ payload, tick: job.runAt.toISOString() }) }, { clock, schedules: [schedule] });

  beforeEach(async () => {
    d = await createTestDatabase();
    clock = new ManualClock('2026-03-01T10:30:00Z');
    runs = [];
  });
  afterEach(() => d.close());

  it('fires once per due tick as time advances, and not before', async () => {
    const worker = newWorker();
    expect(await worker.drain()).toBe(0);
    expect((await findSchedule(d.db, 'hourly-usage'))?.nextRunAt).toEqual(new Date('2026-03-01T11:00:00Z'));

    clock.set('2026-03-01T10:59:59.999Z');
    expect(await worker.drain()).toBe(0);

    clock.set('2026-03-01T11:00:00Z');
    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    expect(runs).toEqual([{ payload: { scope: 'all' }, tick: '2026-03-01T11:00:00.000Z' }]);

    clock.set('2026-03-01T11:59:00Z');
    expect(await worker.drain()).toBe(0);

    // Three workers racing for each tick: one job per tick between them.
    const racers = [worker, newWorker(), newWorker()];
    for (let hour = 12; hour <= 16; hour++) {
      clock.set(`2026-03-01T${hour}:00:30Z`);
      const ran = await Promise.all(racers.map((w) => w.drain()));
      expect(ran.reduce((a, b) => a + b)).toBe(1);
    }
    expect(runs.map((r) => r.tick.slice(11, 16))).toEqual(['11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
    expect(await new JobQueue(clock).listJobs(d.db, { name: 'meter-usage' })).toHaveLength(6);
  });

  it('coalesces ticks missed while no worker ran into one run', async () => {
    const worker = newWorker();
    await worker.drain();
    clock.set('2026-03-01T14:10:00Z'); // 11:00, 12:00, 13:00 and 14:00 were missed
    expect(await worker.drain()).toBe(1);
    expect(runs.map((r) => r.tick)).toEqual(['2026-03-01T11:00:00.000Z']);
    const row = await findSchedule(d.db, 'hourly-usage');
    expect(row?.nextRunAt).toEqual(new Date('2026-03-01T15:00:00Z'));
    expect(row?.lastRunAt).toEqual(new Date('2026-03-01T11:00:00Z'));
  });

  it('a restarted worker keeps a pending tick; a changed cron expression moves it', async () => {
    await newWorker().drain(); // next run 11:00
    clock.set('2026-03-01T11:20:00Z'); // no worker ran at 11:00

    expect(await newWorker().drain()).toBe(1); // the restart did not skip the 11:00 tick
    expect(runs.map((r) => r.tick)).toEqual(['2026-03-01T11:00:00.000Z']);

    await newWorker({ ...hourly, cron: '*/15 * * * *' }).drain();
    expect((await findSchedule(d.db, 'hourly-usage'))?.nextRunAt).toEqual(new Date('2026-03-01T11:30:00Z'));
  });

  it('refuses a bad cron expression or a schedule without a handler at construction', () => {
    expect(() => newWorker({ ...hourly, cron: 'every hour' })).toThrow();
    expect(() => newWorker({ ...hourly, job: 'missing' })).toThrow(/no handler/);
  });
});
