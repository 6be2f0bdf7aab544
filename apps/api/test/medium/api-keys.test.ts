/**
 * API keys: shown once, scoped, expiring, revocable, tied to their creator's membership and role,
 * with a verification cache that never keeps a dead key alive in this process.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

describe(`API keys (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '10000' });
  });
  afterAll(() => t?.close());

  const db = () => t.deps.database.db;
  const clock = () => t.clock as ManualClock;
  const call = (key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${key}`, ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}) },
      ...(body ? { payload: body } : {}),
    });
  /** Any authenticated request: 200 for a working key, 401 otherwise. */
  const probe = async (key: string) => (await call(key, 'GET', '/regions')).statusCode;

  it('shows the secret once; the list shows prefix, name, scopes, creator, expiry and last use', async () => {
    const owner = await buildApiKey(db(), t.deps.apiKeys);
    const expiresAt = new Date(clock().now().getTime() + 30 * 24 * 3600_000).toISOString();
    const res = await call(owner.secret, 'POST', '/api-keys', { name: 'CI deploys', scopes: ['dns.write', 'dns.read'], expiresAt });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json().data;
    expect(created.secret).toMatch(/^sc_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'CI deploys', scopes: ['dns.read', 'dns.write'], createdBy: owner.userId, expiresAt, lastUsedAt: null });
    expect(created.secret.startsWith(created.prefix)).toBe(true);

    expect(await probe(created.secret)).toBe(200);
    // Last use is recorded off the request path; the IP comes with it when the HTTP layer passes it.
    await t.deps.apiKeys.authenticate(created.secret, '203.0.113.9');
    clock().advance(61_000);
    await t.deps.apiKeys.authenticate(created.secret, '203.0.113.9');
    await new Promise((r) => setTimeout(r, 50));

    const list = await call(owner.secret, 'GET', '/api-keys');
    const listed = list.json().data.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ prefix: created.prefix, name: 'CI deploys', scopes: ['dns.read', 'dns.write'], createdBy: owner.userId, expiresAt, lastUsedIp: '203.0.113.9' });
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.json())).not.toContain(created.secret);
    const stored = await db().execute(sql`select count(*)::int as n from api_keys where key_hash = ${crypto.createHash('sha256').update(created.secret).digest('hex')}`);
    expect((stored.rows[0] as { n: number }).n).toBe(1);
  });

  it('refuses a revoked key with 401 at once, even right after it was cached', async () => {
    const owner = await buildApiKey(db(), t.deps.apiKeys);
    const victim = (await call(owner.secret, 'POST', '/api-keys', { name: 'to revoke' })).json().data;
    expect(await probe(victim.secret)).toBe(200); // now in the verification cache
    const res = await call(owner.secret, 'DELETE', `/api-keys/${victim.id}`);
    expect(res.statusCode).toBe(200);
    expect(await probe(victim.secret)).toBe(401);
    expect((await call(owner.secret, 'GET', '/api-keys')).json().data.map((k: { id: string }) => k.id)).not.toContain(victim.id);
    expect((await call(owner.secret, 'DELETE', `/api-keys/${victim.id}`)).statusCode).toBe(404);
  });

  it('refuses an expired key with 401, also when its verification is cached', async () => {
    const owner = await buildApiKey(db(), t.deps.apiKeys);
    const expiresAt = new Date(clock().now().getTime() + 10_000).toISOString();
    const key = (await call(owner.secret, 'POST', '/api-keys', { name: 'short', expiresAt })).json().data;
    expect(await probe(key.secret)).toBe(200);
    clock().advance(10_001); // well inside the cache lifetime of 30 s
    expect(await probe(key.secret)).toBe(401);
    const past = await call(owner.secret, 'POST', '/api-keys', { name: 'already gone', expiresAt: new Date(clock().now().getTime() - 1).toISOString() });
    expect(past.statusCode).toBe(400);
  });

  it('stops working when its creator is removed from the team, and does not return if they rejoin', async () => {
    const teamId = (await buildTeam(db())).id;
    const owner = await buildApiKey(db(), t.deps.apiKeys, teamId);
    const member = await buildApiKey(db(), t.deps.apiKeys, teamId, { role: 'MEMBER' });
    expect(await probe(member.secret)).toBe(200);
    expect((await call(owner.secret, 'DELETE', `/teams/${teamId}/members/${member.userId}`)).statusCode).toBe(200);
    expect(await probe(member.secret)).toBe(401);
    await db().execute(sql`insert into team_members (team_id, user_id, role, created_at) values (${teamId}, ${member.userId}, 'MEMBER', now())`);
    t.deps.apiKeys.invalidate();
    expect(await probe(member.secret)).toBe(401);
  });

  it('stops working when its creator\'s membership disappears by other means (e.g. account erased)', async () => {
    const teamId = (await buildTeam(db())).id;
    const admin = await buildApiKey(db(), t.deps.apiKeys, teamId, { role: 'ADMIN' });
    expect((await call(admin.secret, 'GET', `/teams/${teamId}`)).statusCode).toBe(200);
    await db().execute(sql`delete from team_members where user_id = ${admin.userId}`);
    // Team-scoped operations re-read the creator's standing at once...
    expect([401, 404]).toContain((await call(admin.secret, 'GET', `/teams/${teamId}`)).statusCode);
    // ...and authentication refuses the key once the cached verification lapses.
    clock().advance(31_000);
    expect(await probe(admin.secret)).toBe(401);
  });

  it('inherits the creator\'s current role at each request', async () => {
    const teamId = (await buildTeam(db())).id;
    const owner = await buildApiKey(db(), t.deps.apiKeys, teamId);
    const admin = await buildApiKey(db(), t.deps.apiKeys, teamId, { role: 'ADMIN' });
    const invite = () => call(admin.secret, 'POST', `/teams/${teamId}/invitations`, { email: `x-${crypto.randomUUID()}@example.rw`, role: 'MEMBER' });
    expect((await invite()).statusCode).toBe(201);
    expect((await call(owner.secret, 'PATCH', `/teams/${teamId}/members/${admin.userId}`, { role: 'MEMBER' })).statusCode).toBe(200);
    expect((await invite()).statusCode).toBe(403);
  });

  it('narrows a key to its scopes: a dns.write-only key cannot create API keys, and no key can widen itself', async () => {
    const owner = await buildApiKey(db(), t.deps.apiKeys);
    const dnsOnly = (await call(owner.secret, 'POST', '/api-keys', { name: 'dns', scopes: ['dns.write'] })).json().data;
    const refused = await call(dnsOnly.secret, 'POST', '/api-keys', { name: 'escalate' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/scopes/);
    expect((await call(dnsOnly.secret, 'GET', '/audit-logs')).statusCode).toBe(403);

    const keyMaker = (await call(owner.secret, 'POST', '/api-keys', { name: 'maker', scopes: ['api_key.write', 'dns.read'] })).json().data;
    expect((await call(keyMaker.secret, 'POST', '/api-keys', { name: 'wider', scopes: ['team.delete'] })).statusCode).toBe(403);
    const child = await call(keyMaker.secret, 'POST', '/api-keys', { name: 'inherits' });
    expect(child.statusCode).toBe(201);
    expect(child.json().data.scopes).toEqual(['api_key.write', 'dns.read']);
  });

  it('lets a Member make keys only within their role, see and revoke only their own', async () => {
    const teamId = (await buildTeam(db())).id;
    const owner = await buildApiKey(db(), t.deps.apiKeys, teamId);
    const member = await buildApiKey(db(), t.deps.apiKeys, teamId, { role: 'MEMBER' });
    expect((await call(member.secret, 'POST', '/api-keys', { name: 'too much', scopes: ['dns.write'] })).statusCode).toBe(403);
    const own = await call(member.secret, 'POST', '/api-keys', { name: 'read only', scopes: ['dns.read'] });
    expect(own.statusCode).toBe(201);
    const seen = (await call(member.secret, 'GET', '/api-keys')).json().data.map((k: { createdBy: string }) => k.createdBy);
    expect(new Set(seen)).toEqual(new Set([member.userId]));
    expect((await call(member.secret, 'DELETE', `/api-keys/${owner.id}`)).statusCode).toBe(403);
    expect((await call(owner.secret, 'DELETE', `/api-keys/${own.json().data.id}`)).statusCode).toBe(200);
    const actions = (await db().execute(sql`select action from audit_events where team_id = ${teamId} order by id`)).rows.map((r) => r.action);
    expect(actions).toEqual(['api_key.create', 'api_key.revoke']);
  });
});
