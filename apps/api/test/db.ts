/**
 * Test databases start from a migrated template copy, never from initdb (which costs seconds).
 * - PGlite, always: the first call in a worker migrates one in-memory database, dumps its data
 *   folder once, and every later database loads that dump (~0.4 s).
 * - PostgreSQL, when TEST_DATABASE_URL is set: one migrated template database per migration
 *   history, then `CREATE DATABASE … TEMPLATE …` per test database.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { migrationsFolder, openPglite, openPostgres, type Database } from '../src/db/database.ts';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const dbKind: 'pglite' | 'postgres' = testDatabaseUrl ? 'postgres' : 'pglite';

function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const p = `${migrationsFolder}/${f}`;
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  return h.digest('hex').slice(0, 12);
}

let pgliteDump: Promise<Blob> | undefined;
async function pgliteTemplate(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const d = await openPglite();
    await d.migrate();
    const blob = await d.client.dumpDataDir('none');
    await d.close();
    return blob;
  })();
  return pgliteDump;
}

let pgTemplate: Promise<string> | undefined;
async function postgresTemplate(admin: pg.Client, url: URL): Promise<string> {
  pgTemplate ??= (async () => {
    const name = `strettch_tpl_${migrationsHash()}`;
    // Several test workers may race to build the template: an advisory lock serialises them.
    await admin.query('SELECT pg_advisory_lock(727274)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE "${name}"`);
        const u = new URL(url);
        u.pathname = `/${name}`;
        const d = openPostgres(u.toString(), 2);
        await d.migrate();
        await d.close();
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock(727274)');
    }
    return name;
  })();
  return pgTemplate;
}

/** A fresh, migrated database of the configured kind; close it when done. */
export async function createTestDatabase(): Promise<Database> {
  if (!testDatabaseUrl) {
    return openPglite({ loadDataDir: await pgliteTemplate() });
  }
  const url = new URL(testDatabaseUrl);
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    const tpl = await postgresTemplate(admin, url);
    const name = `strettch_t_${crypto.randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
    url.pathname = `/${name}`;
    const d = openPostgres(url.toString(), 5);
    return {
      ...d,
      close: async () => {
        await d.close();
        const a = new pg.Client({ connectionString: testDatabaseUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS "${name}"`).finally(() => a.end());
      },
    };
  } finally {
    await admin.end();
  }
}
