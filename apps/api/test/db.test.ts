import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, dbKind } from './db.ts';

describe(`test database (${dbKind})`, () => {
  it('starts migrated, with the reference data seeded, and each copy is independent', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    try {
      const specs = await a.db.execute(sql`select slug from specifications order by position`);
      expect(specs.rows.map((r) => r.slug)).toEqual(['S-1C', 'S-1C-1G', 'S-1C-2G', 'S-2C-4G', 'S-4C-8G', 'S-8C-16G', 'S-16C-32G']);
      await a.db.execute(sql`delete from regions`);
      const left = await b.db.execute(sql`select count(*)::int as n from regions`);
      expect(left.rows[0]?.n).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
