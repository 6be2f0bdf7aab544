/**
 * bench:metering — metering one hour of usage with one set-based statement, on PostgreSQL.
 * 10,000 and 100,000 billable computes (1,000 teams), each metered for a fresh hour, three times;
 * the median is printed with the ratio between the two sizes, which shows the cost is linear.
 * Target: one hour for 100,000 computes in ≤ 2 s.
 *
 * Needs a PostgreSQL server: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test. It creates (and drops) its own database.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openPostgres } from '../apps/api/src/db/database.ts';
import { Ledger } from '../apps/api/src/modules/billing/ledger.ts';
import { Metering } from '../apps/api/src/modules/billing/metering.ts';
import { priceList } from '../apps/api/src/modules/billing/prices.ts';
import { HOUR, ManualClock } from '../apps/api/src/shared/clock.ts';
import { createLogger } from '../apps/api/src/shared/logger.ts';

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `strettch_bench_metering_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const database = openPostgres(url.toString(), 4);

try {
  await database.migrate();
  const db = database.db;
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const metering = new Metering(db, { clock, ledger: new Ledger(clock), prices: priceList(undefined, 1000), logger: createLogger('warn'), afterDebit: async () => {} }, { debitInterval: 'daily' });

  await db.execute(sql`insert into teams (id, name, created_at) select gen_random_uuid(), 'Bench team ' || i, now() from generate_series(1, 1000) i`);
  async function addComputes(n: number): Promise<void> {
    await db.execute(sql`
      with t as (select id, row_number() over () as r from teams)
      insert into computes (id, team_id, host_name, state, image, region, specification, private_ipv4, with_public_ip, public_keys, driver, billable_from, created_at, updated_at)
      select gen_random_uuid(), t.id, 'vm-' || i, 'RUNNING', 'UBUNTU-24.04', 'KGL-1', (array['S-1C', 'S-1C-1G', 'S-1C-2G', 'S-2C-4G', 'S-4C-8G'])[1 + i % 5],
             ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256)::inet, i % 4 = 0, '{}', 'fake',
             '2025-12-31T00:00:00Z', now(), now()
      from generate_series(1, ${n}) i join t on t.r = 1 + i % 1000`);
    await db.execute(sql`analyze computes`);
  }

  let hour = new Date('2026-01-01T00:00:00Z').getTime();
  async function measure(expected: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      const written = await metering.meterHour(db, new Date(hour));
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (written.computes !== expected) throw new Error(`metered ${written.computes} computes, expected ${expected}`);
      hour += HOUR;
    }
    return times.sort((a, b) => a - b);
  }

  await addComputes(10_000);
  await metering.meterHour(db, new Date(hour - HOUR)); // warm-up
  const small = await measure(10_000);
  await addComputes(90_000);
  const large = await measure(100_000);
  const median = (xs: number[]) => xs[1]!;
  const rows = await db.execute<{ n: string }>(sql`select count(*) as n from usage_records where resource_type = 'compute'`);

  console.log(`metering one hour (PostgreSQL ${(await db.execute<{ server_version: string }>(sql`show server_version`)).rows[0]!.server_version}, set-based insert … select … on conflict do nothing)`);
  console.log(`  10,000 computes:  median ${median(small).toFixed(0)} ms  (runs ${small.map((t) => t.toFixed(0)).join(', ')} ms)`);
  console.log(`  100,000 computes: median ${median(large).toFixed(0)} ms  (runs ${large.map((t) => t.toFixed(0)).join(', ')} ms)`);
  console.log(`  ratio 100k / 10k: ${(median(large) / median(small)).toFixed(1)}× for 10× the computes`);
  console.log(`  per compute: ${((median(large) * 1000) / 100_000).toFixed(1)} µs; usage rows written in all: ${rows.rows[0]!.n}`);
  console.log(`  target ≤ 2,000 ms for 100,000: ${median(large) <= 2000 ? 'met' : 'NOT met'}`);
} finally {
  await database.close();
  await admin.query(`drop database if exists ${name}`);
  await admin.end();
}
