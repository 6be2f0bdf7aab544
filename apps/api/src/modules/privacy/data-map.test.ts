import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { createTestDatabase, dbKind } from '../../../test/db.ts';
import { checkDataMap, dataMap, findUndeclaredColumns, personalColumns, processors, type DataMap } from './data-map.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe(`data map (${dbKind})`, () => {
  it('declares every column of the migrated database, and nothing that does not exist', async () => {
    expect(await findUndeclaredColumns(database.db)).toEqual([]);
  });

  it('fails when a migration adds a column nobody declared', async () => {
    const db = await createTestDatabase();
    try {
      await db.db.execute(sql`ALTER TABLE users ADD COLUMN nickname text`);
      await db.db.execute(sql`CREATE TABLE support_tickets (id uuid primary key, body text)`);
      expect(await findUndeclaredColumns(db.db)).toEqual(['support_tickets.id', 'support_tickets.body', 'users.nickname']);
    } finally {
      await db.close();
    }
  });

  it('reports a declaration whose column is gone', async () => {
    const map: DataMap = { ...dataMap, users: { ...dataMap.users, phone_enc: dataMap.users.email_enc } };
    expect(await checkDataMap(database.db, map)).toEqual({ undeclared: [], stale: ['users.phone_enc'] });
    expect(await findUndeclaredColumns(database.db, map)).toEqual(['users.phone_enc (declared, no such column)']);
  });

  it('declares every *_enc column personal and encrypted, and only those encrypted', () => {
    for (const [table, columns] of Object.entries(dataMap as DataMap)) {
      for (const [column, d] of Object.entries(columns)) {
        expect(d.personal && d.encrypted, `${table}.${column}`).toBe(column.endsWith('_enc'));
      }
    }
  });

  it('counts fixed retention from a timestamp column of the same table', async () => {
    const result = await database.db.execute(sql`
      select table_name, column_name, data_type from information_schema.columns where table_schema = 'public'`);
    const types = new Map(result.rows.map((r) => [`${String(r.table_name)}.${String(r.column_name)}`, String(r.data_type)]));
    const fixed = personalColumns().filter((p) => p.declaration.retention.rule === 'fixed');
    expect(fixed.length).toBeGreaterThan(0);
    for (const { table, declaration } of fixed) {
      const r = declaration.retention as { from: string };
      expect(types.get(`${table}.${r.from}`), `${table}: retention from ${r.from}`).toBe('timestamp with time zone');
    }
  });

  it('lists a transfer ground for every recipient outside Rwanda, and every named recipient exists', () => {
    for (const [id, p] of Object.entries(processors)) {
      expect('transfer' in p, id).toBe(p.country !== 'RW');
    }
    for (const { table, column, declaration } of personalColumns()) {
      for (const pid of declaration.processors) expect(Object.keys(processors), `${table}.${column}`).toContain(pid);
    }
  });

  it('declares personal the account and usage-log fields the privacy notice names', () => {
    const personalSet = new Set(personalColumns().map((p) => `${p.table}.${p.column}`));
    for (const c of ['users.name_enc', 'users.email_enc', 'users.email_hash', 'teams.name', 'api_usage.ip', 'api_usage.browser', 'api_usage.os', 'api_usage.actor_id', 'audit_events.ip']) {
      expect(personalSet.has(c), c).toBe(true);
    }
  });
});
