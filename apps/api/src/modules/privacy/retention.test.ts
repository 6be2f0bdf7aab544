import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { DAY, ManualClock } from '../../shared/clock.ts';
import { createTestDatabase } from '../../../test/db.ts';
import { enforceFixedRetention, fixedRetentionPlan } from './retention.ts';
import { personal, type DataMap } from './data-map.ts';

describe('retention from the data map', () => {
  let d: Database;
  beforeAll(async () => {
    d = await createTestDatabase();
  });
  afterAll(() => d?.close());

  it('plans the logs, idempotency keys and jobs from their declared rules', () => {
    const plan = Object.fromEntries(fixedRetentionPlan().map((p) => [p.table, `${p.days}d from ${p.from}`]));
    expect(plan).toMatchObject({ api_usage: '365d from at', audit_events: '365d from at', jobs: '30d from finished_at', idempotency_keys: '1d from created_at' });
  });

  it('refuses a table whose personal columns disagree', () => {
    const p = (days: number) => personal({ category: 'usage', purpose: ['security'], legalGround: 'legitimate-interest', retention: { rule: 'fixed', days, from: 'at' }, processors: [], encrypted: false });
    expect(() => fixedRetentionPlan({ t: { a: p(1), b: p(2) } } as unknown as DataMap)).toThrow(/one fixed retention rule/);
  });

  it('deletes usage rows older than a year and finished jobs older than 30 days, and keeps the rest', async () => {
    const clock = new ManualClock('2027-06-01T00:00:00Z');
    const ago = (days: number) => new Date(clock.now().getTime() - days * DAY).toISOString();
    for (const at of [ago(400), ago(366), ago(10)]) {
      await d.db.execute(sql`insert into api_usage (at, actor_type, method, route, status, duration_ms, ip, request_id) values (${at}::timestamptz, 'anonymous', 'GET', '/x', 200, 1, '192.0.2.1', 'r')`);
    }
    await d.db.execute(sql`insert into jobs (name, status, run_at, created_at, finished_at) values
      ('old', 'succeeded', ${ago(40)}::timestamptz, ${ago(40)}::timestamptz, ${ago(31)}::timestamptz),
      ('recent', 'dead', ${ago(5)}::timestamptz, ${ago(5)}::timestamptz, ${ago(4)}::timestamptz),
      ('waiting', 'queued', ${ago(60)}::timestamptz, ${ago(60)}::timestamptz, null)`);
    const counts = await enforceFixedRetention(d.db, clock);
    expect(counts.api_usage).toBe(2);
    expect(counts.jobs).toBe(1);
    const left = await d.db.execute(sql`select name from jobs order by name`);
    expect(left.rows.map((r) => r.name)).toEqual(['recent', 'waiting']);
    const usage = await d.db.execute(sql`select count(*)::int as n from api_usage`);
    expect(usage.rows[0]!.n).toBe(1);
  });
});
