import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';

describe(`development seed (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t?.close());

  it('answers an Owner key for an adult with a verified phone, and reuses the account for the same e-mail', async () => {
    const seed = () => t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: { email: 'seeded@example.rw', name: 'Seeded Person' } });
    const first = (await seed()).json();
    expect(first).toEqual({ userId: expect.any(String), teamId: expect.any(String), apiKey: expect.stringMatching(/^sc_/) });
    const db = t.deps.database.db;
    await expect(t.deps.phone.requireVerifiedPhone(db, first.userId)).resolves.toBeUndefined();
    await expect(t.deps.age.requireFullAccount(db, first.userId)).resolves.toBeUndefined();
    const second = (await seed()).json();
    expect(second.userId).toBe(first.userId);
    expect(second.teamId).toBe(first.teamId);
    expect(second.apiKey).not.toBe(first.apiKey);
    const specs = await t.app.inject({ url: '/api/v1/computes/specifications', headers: { authorization: `Bearer ${second.apiKey}` } });
    expect(specs.statusCode).toBe(200);
  });
});
