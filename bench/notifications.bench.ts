/**
 * bench:notifications — (1) outbox throughput: messages/s from a batch of queued e-mails to all
 * accepted by the local Resend sandbox, through the real Resend client and the job worker; (2) the
 * added cost of queueing a message inside a domain transaction: the same transaction with and
 * without `notify`, measured in the same run. Embedded PGlite; PostgreSQL too when reachable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../apps/api/src/config.ts';
import { openPglite, openPostgres, type Database } from '../apps/api/src/db/database.ts';
import { createPlatform } from '../apps/api/src/platform.ts';
import { createLogger } from '../apps/api/src/shared/logger.ts';
import { systemContext } from '../apps/api/src/shared/context.ts';
import { startResendSandbox } from '../apps/api/src/modules/notifications/sandboxes/index.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const TX_RUNS = Number(process.env.BENCH_TX_RUNS ?? 500);

async function run(label: string, database: Database, dataDir: string) {
  const resend = await startResendSandbox({ apiKey: 're_bench' });
  const config = loadConfig({ STRETTCH_DATA_DIR: dataDir, SANDBOXES: 'on', LOG_LEVEL: 'warn', RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url, WORKER_CONCURRENCY: '16', WORKER_POLL_MS: '20' });
  const platform = await createPlatform(config, { database, logger: createLogger('warn') });
  const db = platform.deps.database.db;
  const ctx = systemContext(db, 'bench');
  const n = platform.deps.notifications;

  // (2) Enqueue cost: a domain change alone, then the same change plus its message.
  const domainChange = (tx: typeof db) => tx.execute(sql`insert into audit_events (actor_type, action, data, at) values ('system', 'bench.change', '{}'::jsonb, now())`);
  const time = async (withNotify: boolean) => {
    const t0 = performance.now();
    for (let i = 0; i < TX_RUNS; i++) {
      await db.transaction(async (tx) => {
        await domainChange(tx);
        if (withNotify) await n.notify({ ...ctx, tx }, { template: 'welcome', variables: { name: `Bench ${i}` }, to: { email: `bench${i}@example.rw` } });
      });
    }
    return ((performance.now() - t0) * 1000) / TX_RUNS;
  };
  await time(false); // warm-up
  const plain = await time(false);
  const withMessage = await time(true);
  await db.execute(sql`delete from jobs`);
  await db.execute(sql`delete from notifications`);

  // (1) Throughput: queue MESSAGES e-mails in one transaction, then let the worker send them all.
  await db.transaction(async (tx) => {
    for (let i = 0; i < MESSAGES; i++) await n.notify({ ...ctx, tx }, { template: 'welcome', variables: { name: `Reader ${i}` }, to: { email: `reader${i}@example.rw` } });
  });
  const t0 = performance.now();
  await platform.startWorker();
  while (resend.messages.length < MESSAGES) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  await platform.stop();
  await resend.close();
  console.log(`| ${label} | ${Math.round(MESSAGES / seconds)} msg/s (${MESSAGES} in ${seconds.toFixed(1)} s) | ${Math.round(plain)} µs | ${Math.round(withMessage)} µs | +${Math.round(withMessage - plain)} µs |`);
}

console.log(`\nOutbox to the local Resend sandbox (real Resend client, worker concurrency 16); enqueue cost over ${TX_RUNS} transactions.\n`);
console.log('| database | outbox throughput | domain transaction | same + notify | added by notify |');
console.log('| --- | ---: | ---: | ---: | ---: |');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-bench-n-'));
const pglite = await openPglite({ dataDir: path.join(dir, 'pgdata') });
await pglite.migrate();
await run('PGlite (embedded default)', pglite, dir);
await pglite.close();

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
try {
  await admin.connect();
  const name = `strettch_bench_n_${Date.now()}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const database = openPostgres(u.toString(), 10);
  await database.migrate();
  await run('PostgreSQL 15 (127.0.0.1)', database, dir);
  await database.close();
  await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
} catch (err) {
  console.warn(`PostgreSQL row skipped: ${(err as Error).message}`);
} finally {
  await admin.end().catch(() => {});
}
fs.rmSync(dir, { recursive: true, force: true });
