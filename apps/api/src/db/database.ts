import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgTransaction } from 'drizzle-orm/pg-core';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/**
 * The drizzle handle every repository receives: the database, or a transaction on it. Typed with
 * node-postgres results; PGlite's results have the same `rows` shape.
 */
export type Db = PgDatabase<NodePgQueryResultHKT, Schema>;
export type Tx = PgTransaction<NodePgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Executor = Db | Tx;

export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs the migration history (idempotent). */
  migrate(): Promise<void>;
  /**
   * Calls `onNotify` with the payload of every `pg_notify(channel, payload)` committed from now on
   * (PostgreSQL LISTEN on a connection of its own; PGlite's in-process equivalent). Resolves to
   * the function that stops listening. Delivery is best effort: a dropped connection loses
   * notifications, so listeners also re-read what they follow from time to time.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/** PostgreSQL through node-postgres, for production and the CI tier. */
export function openPostgres(url: string, poolSize = 10, onIdleError: (err: Error) => void = () => {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection can be closed by the server (restart, failover, admin command); without a
  // listener that 'error' event would end the process. The pool replaces the connection by itself.
  pool.on('error', onIdleError);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: () => migratePg(drizzlePg(pool, { schema }), { migrationsFolder }),
    listen: async (channel, onNotify) => {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      const client = await pool.connect();
      client.on('notification', (m) => {
        if (m.channel === channel) onNotify(m.payload ?? '');
      });
      client.on('error', onIdleError);
      await client.query(`listen ${channel}`);
      return async () => {
        await client.query(`unlisten ${channel}`).catch(() => undefined);
        client.release();
      };
    },
    close: () => pool.end(),
  };
}

/**
 * PGlite in-process: real PostgreSQL compiled to WebAssembly, data kept in `dataDir`
 * (or in memory). Only one process may own a data folder.
 */
export async function openPglite(opts: { dataDir?: string; loadDataDir?: Blob | File } = {}): Promise<Database & { client: PGlite }> {
  const unlock = opts.dataDir ? lockDataDir(opts.dataDir) : () => {};
  try {
    const client = await PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    return {
      db,
      client,
      kind: 'pglite',
      migrate: () => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder }),
      listen: async (channel, onNotify) => {
        if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
        return client.listen(channel, onNotify);
      },
      close: async () => {
        await client.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export class DatabaseInUseError extends Error {
  constructor(readonly pid: number) {
    super(`The embedded database is in use by process ${pid}; stop that process first (only one process may open a PGlite folder).`);
    this.name = 'DatabaseInUseError';
  }
}

/**
 * Two processes writing one PGlite folder would corrupt it, so the folder is claimed with a pid
 * file; a file left by a process that no longer runs is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = `${dataDir}.pid`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) throw new DatabaseInUseError(pid);
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not claim ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
