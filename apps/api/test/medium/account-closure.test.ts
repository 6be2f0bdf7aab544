/**
 * Account closure (issue 4 item 10, privacy notice §5): refused while the person owns a team with
 * other members; otherwise teams owned alone are deleted, other teams left, keys and sessions
 * revoked; signing in again within six months shows the closed account and offers reactivation,
 * every other request answers ACCOUNT_CLOSED; after the six months sign-in is refused.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, ManualClock } from '../../src/shared/clock.ts';
import { reactivationDeadline } from '../../src/modules/accounts/account-closure.service.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildMember, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';
import { devSignIn, TestBrowser } from '../browser.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;
const PUBLIC_URL = 'http://localhost:8080';
let n = 0;
const person = (name = 'Grace Mukamana') => ({ name, email: `grace.${process.pid}.${++n}@example.rw` });

describe(`account closure (${dbKind})`, () => {
  const clock = new ManualClock('2026-03-10T09:00:00Z');
  let t: TestPlatform;
  const db = () => t.deps.database.db;
  const browser = () => new TestBrowser(t.app, PUBLIC_URL);
  const rows = async <T>(q: ReturnType<typeof sql>) => (await db().execute(q)).rows as T[];

  beforeAll(async () => {
    t = await startTestPlatform({ PUBLIC_URL, RATE_LIMIT_IP: '100000', RATE_LIMIT_SESSION: '100000', RATE_LIMIT_API_KEY: '100000' }, { clock });
  });
  afterAll(() => t?.close());

  /** Signs a new person up through the development provider; answers the browser, their id and their default team. */
  async function signedIn(p = person()) {
    const b = browser();
    await devSignIn(b, p);
    const me = (await b.get('/api/v1/me')).json().data;
    return { b, p, userId: me.id as string, teamId: me.teams[0].id as string };
  }

  it('computes the deadline six calendar months on, clamped to a shorter month', () => {
    expect(reactivationDeadline(new Date('2026-03-10T09:00:00Z')).toISOString()).toBe('2026-09-10T09:00:00.000Z');
    expect(reactivationDeadline(new Date('2026-08-31T12:00:00Z')).toISOString()).toBe('2027-02-28T12:00:00.000Z');
  });

  it('refuses closure while the person owns a team with other members, and changes nothing', async () => {
    const { b, userId, teamId } = await signedIn();
    await buildMember(db(), teamId, 'MEMBER');
    const res = await b.change('POST', '/api/v1/me/close');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(res.json().message).toMatch(/transfer ownership/i);
    const me = await b.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({ closedAt: null, reactivationDeadline: null });
    expect(await rows(sql`select id from teams where id = ${teamId}`)).toHaveLength(1);
    expect(await rows(sql`select id from audit_events where action = 'user.close' and target_id = ${userId}`)).toHaveLength(0);
  });

  it('needs the CSRF token like every cookie-authenticated change', async () => {
    const { b } = await signedIn();
    const res = await b.request({ method: 'POST', url: '/api/v1/me/close', headers: { origin: PUBLIC_URL } });
    expect(res.statusCode).toBe(403);
    expect((await b.get('/api/v1/me')).json().data.closedAt).toBeNull();
  });

  it('closes a solo Owner: team deleted, other teams left, keys and sessions revoked, audited; reactivation within six months', async () => {
    const p = person();
    const { b, userId, teamId } = await signedIn(p);
    const second = browser();
    await devSignIn(second, p);
    const ownKey = await buildApiKey(db(), t.deps.apiKeys, teamId, { userId });
    // A team someone else owns, where the person is an Admin with a key of their own.
    const other = (await buildTeam(db())).id;
    await buildMember(db(), other, 'OWNER');
    const otherKey = await buildApiKey(db(), t.deps.apiKeys, other, { userId, role: 'ADMIN' });
    for (const key of [ownKey, otherKey]) {
      expect((await t.app.inject({ url: '/api/v1/teams', headers: { authorization: `Bearer ${key.secret}` } })).statusCode).toBe(200);
    }
    const oldCookie = b.cookie('sc_session')!;

    const res = await b.change('POST', '/api/v1/me/close');
    expect(res.statusCode).toBe(200);
    const closedAt = clock.now();
    expect(res.json().data).toEqual({ closedAt: closedAt.toISOString(), reactivationDeadline: '2026-09-10T09:00:00.000Z' });

    // Every session is gone: this one and the other browser's.
    expect((await t.app.inject({ url: '/api/v1/me', headers: { cookie: `sc_session=${oldCookie}` } })).statusCode).toBe(401);
    expect((await second.get('/api/v1/me')).statusCode).toBe(401);
    // Every key is refused.
    for (const key of [ownKey, otherKey]) {
      const r = await t.app.inject({ url: '/api/v1/teams', headers: { authorization: `Bearer ${key.secret}` } });
      expect(r.statusCode).toBe(401);
    }
    expect(await rows(sql`select id from api_keys where created_by = ${userId} and revoked_at is null`)).toHaveLength(0);
    // The solo team is deleted; the other team lives on without them.
    expect(await rows(sql`select id from teams where id = ${teamId}`)).toHaveLength(0);
    expect(await rows(sql`select id from teams where id = ${other}`)).toHaveLength(1);
    expect(await rows(sql`select user_id from team_members where user_id = ${userId}`)).toHaveLength(0);
    const [closeEvent] = await rows<{ data: Record<string, unknown> }>(sql`select data from audit_events where action = 'user.close' and target_id = ${userId}`);
    expect(closeEvent?.data).toMatchObject({ deletedTeams: [teamId], leftTeams: [other], revokedApiKeys: 2, revokedSessions: 2 });
    expect(await rows(sql`select id from audit_events where action = 'team.delete' and target_id = ${teamId}`)).toHaveLength(1);
    expect(await rows(sql`select id from audit_events where action = 'team.member.leave' and team_id = ${other} and target_id = ${userId}`)).toHaveLength(1);
    const [stored] = await rows<{ closed_at: unknown }>(sql`select closed_at from users where id = ${userId}`);
    expect(new Date(String(stored!.closed_at)).getTime()).toBe(closedAt.getTime());

    // Five months later the person signs in again: the account is closed, and says until when it can be reopened.
    clock.advance(150 * DAY);
    const back = browser();
    const { callback } = await devSignIn(back, p);
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/');
    const me = await back.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({ id: userId, closedAt: closedAt.toISOString(), reactivationDeadline: '2026-09-10T09:00:00.000Z', teams: [] });
    // Anything else answers ACCOUNT_CLOSED, reads and changes alike.
    for (const [method, url] of [['GET', '/api/v1/teams'], ['GET', '/api/v1/sessions'], ['POST', '/api/v1/teams'], ['PATCH', '/api/v1/me']] as const) {
      const r = method === 'GET' ? await back.get(url) : await back.change(method, url, { name: 'New' });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
      expect(r.json(), `${method} ${url}`).toMatchObject({ success: false, code: 'ACCOUNT_CLOSED' });
    }
    // Reactivation needs the CSRF token too.
    expect((await back.request({ method: 'POST', url: '/api/v1/me/reactivate', headers: { origin: PUBLIC_URL } })).statusCode).toBe(403);

    const reopened = await back.change('POST', '/api/v1/me/reactivate');
    expect(reopened.statusCode).toBe(200);
    expect(reopened.json().data).toEqual({ reactivatedAt: clock.now().toISOString() });
    expect((await back.get('/api/v1/me')).json().data).toMatchObject({ closedAt: null, reactivationDeadline: null });
    expect((await back.get('/api/v1/teams')).statusCode).toBe(200);
    expect((await back.change('POST', '/api/v1/teams', { name: 'Fresh start' }, { 'idempotency-key': crypto.randomUUID() })).statusCode).toBe(201);
    expect(await rows(sql`select id from audit_events where action = 'user.reactivate' and target_id = ${userId}`)).toHaveLength(1);
    // An open account has nothing to reactivate.
    expect((await back.change('POST', '/api/v1/me/reactivate')).statusCode).toBe(409);
  });

  it('refuses sign-in once six months and a day have passed since closure', async () => {
    const p = person();
    const { b, userId } = await signedIn(p);
    expect((await b.change('POST', '/api/v1/me/close')).statusCode).toBe(200);
    const deadline = reactivationDeadline(clock.now());

    clock.set(new Date(deadline.getTime() + DAY));
    const late = browser();
    const { callback } = await devSignIn(late, p);
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/sign-in?error=account_closed');
    expect(late.cookie('sc_session')).toBeUndefined();
    expect((await late.get('/api/v1/me')).statusCode).toBe(401);
    // Still closed: the data waits for the privacy module's destruction.
    const [stored] = await rows<{ closed_at: unknown }>(sql`select closed_at from users where id = ${userId}`);
    expect(stored!.closed_at).not.toBeNull();
  });
});
