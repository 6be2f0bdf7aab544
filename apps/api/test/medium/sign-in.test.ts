/**
 * Sign-in through the built-in development OpenID provider (the real openid-client flow, with the
 * provider answering in process), sessions, CSRF and the cookie inventory.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DAY, ManualClock, MINUTE, HOUR } from '../../src/shared/clock.ts';
import { enforceFixedRetention } from '../../src/modules/privacy/retention.ts';
import { cookies } from '../../src/modules/privacy/cookies.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';
import { devSignIn, formFields, setCookiesOf, TestBrowser } from '../browser.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;
const PUBLIC_URL = 'http://localhost:8080';
let n = 0;
const person = (name = 'Ada Uwase') => ({ name, email: `ada.${process.pid}.${++n}@example.rw` });

describe(`development sign-in (${dbKind})`, () => {
  const clock = new ManualClock(new Date());
  let t: TestPlatform;
  const browser = () => new TestBrowser(t.app, PUBLIC_URL);

  beforeAll(async () => {
    t = await startTestPlatform({ PUBLIC_URL, SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_DAYS: '1', RATE_LIMIT_IP: '100000', RATE_LIMIT_SESSION: '100000' }, { clock });
    // Routes used only here: what the request hook made of the credentials.
    const app = t.app as FastifyInstance;
    app.get('/api/v1/test-context', async (req) => ({ actor: req.ctx.actor.type, teamId: req.ctx.teamId }));
    app.post('/api/v1/test-context', async (req) => ({ actor: req.ctx.actor.type, teamId: req.ctx.teamId }));
  });
  afterAll(() => t?.close());

  it('gives a fresh visitor no cookie at all', async () => {
    for (const url of ['/', '/api/v1/health', '/api/v1/auth/providers']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html,application/json' } });
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.headers['set-cookie'], url).toBeUndefined();
    }
  });

  it('offers only the development provider while no real one is configured', async () => {
    const res = await t.app.inject({ url: '/api/v1/auth/providers' });
    expect(res.json().data).toEqual([{ id: 'dev', name: 'Development sign-in', startUrl: '/auth/dev/start' }]);
    expect((await t.app.inject({ url: '/auth/google/start' })).statusCode).toBe(404);
  });

  it('signs a new person up: account from the profile, default team, welcome e-mail, session, back to returnTo', async () => {
    const b = browser();
    const p = person('Ada Uwase');
    const { start, page, callback } = await devSignIn(b, p, '/computes?tab=all');
    const authorize = new URL(String(start.headers.location));
    expect(authorize.origin + authorize.pathname).toBe(`${PUBLIC_URL}/dev/oidc/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<label for="email">');
    expect(page.body).not.toMatch(/<script/i);

    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/computes?tab=all');
    expect(b.cookie('sc_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.cookie('sc_signin')).toBeUndefined();

    const me = await b.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    const data = me.json().data;
    expect(data).toMatchObject({ name: p.name, email: p.email, avatarUrl: null, locale: 'en', identities: [{ provider: 'dev' }] });
    expect(data.teams).toEqual([{ id: expect.any(String), name: "Ada's Team", role: 'OWNER' }]);
    expect(data.csrfToken).toMatch(/^[0-9a-f]{64}$/);
    const welcome = await t.deps.database.db.execute(sql`select count(*)::int as n from notifications where subject_id = ${data.id} and template = 'welcome'`);
    expect((welcome.rows[0] as { n: number }).n).toBe(1);

    // The same person again is the same account, not a second one.
    const again = browser();
    await devSignIn(again, { ...p, name: 'Someone Else' });
    expect((await again.get('/api/v1/me')).json().data.id).toBe(data.id);
  });

  it('sets only cookies from the inventory, with the attributes it declares', async () => {
    const b = browser();
    await devSignIn(b, person());
    await b.change('POST', '/auth/logout');
    expect(b.received.length).toBeGreaterThanOrEqual(3);
    for (const c of b.received) {
      const entry = (cookies as Record<string, (typeof cookies)[keyof typeof cookies]>)[c.name];
      expect(entry, `cookie ${c.name} is not in the inventory`).toBeDefined();
      expect(entry!.kind).toBe('cookie');
      expect(c.attributes.httponly === true, `${c.name} HttpOnly`).toBe(entry!.attributes.httpOnly);
      expect(String(c.attributes.samesite).toLowerCase(), `${c.name} SameSite`).toBe(entry!.attributes.sameSite);
      expect(c.attributes.path, `${c.name} Path`).toBe(entry!.attributes.path);
      expect(c.attributes.secure, `${c.name} Secure on http`).toBeUndefined();
    }
    const session = b.received.find((c) => c.name === 'sc_session' && c.value)!;
    expect(session.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/', 'max-age': String(24 * 3600) });
    const signin = b.received.find((c) => c.name === 'sc_signin' && c.value)!;
    expect(signin.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/auth', 'max-age': '600' });
  });

  it('issues a new session token at every sign-in and ends the one the browser had', async () => {
    const b = browser();
    const p = person();
    await devSignIn(b, p);
    const first = b.cookie('sc_session')!;
    await devSignIn(b, p);
    const second = b.cookie('sc_session')!;
    expect(second).not.toBe(first);
    const old = await t.app.inject({ url: '/api/v1/me', headers: { cookie: `sc_session=${first}` } });
    expect(old.statusCode).toBe(401);
    expect((await b.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('refuses a callback whose state is not the one it left with', async () => {
    const b = browser();
    const start = await b.get('/auth/dev/start');
    const page = await b.get(String(start.headers.location));
    const approved = await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), ...person(), action: 'approve' }).toString(),
    });
    const forged = new URL(String(approved.headers.location));
    forged.searchParams.set('state', 'forged-state-value');
    const res = await b.get(forged.pathname + forged.search);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/sign-in?error=refused');
    expect(b.cookie('sc_session')).toBeUndefined();
    // The attempt was used up by the refusal: the genuine callback no longer works either.
    const genuine = new URL(String(approved.headers.location));
    b.jar.set('sc_signin', { value: String(start.headers['set-cookie']).split(';')[0]!.split('=')[1]!, path: '/auth' });
    expect((await b.get(genuine.pathname + genuine.search)).headers.location).toBe('/sign-in?error=expired');
  });

  it('refuses a replayed callback, and a replayed code under a new attempt', async () => {
    const b = browser();
    const flow = await devSignIn(b, person());
    const attemptId = setCookiesOf(flow.start).find((c) => c.name === 'sc_signin')!.value;
    expect(flow.callback.headers.location).toBe('/');

    // The same callback again, with the attempt cookie put back: the attempt is single use.
    const replay = new TestBrowser(t.app, PUBLIC_URL);
    replay.jar.set('sc_signin', { value: attemptId, path: '/auth' });
    const res = await replay.get(flow.callbackUrl);
    expect(res.headers.location).toBe('/sign-in?error=expired');
    expect(replay.cookie('sc_session')).toBeUndefined();

    // The old code under a fresh attempt: the state check fails first; with the fresh state the
    // provider refuses the code (single use) and PKCE would fail anyway.
    const fresh = new TestBrowser(t.app, PUBLIC_URL);
    const start = await fresh.get('/auth/dev/start');
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const reused = new URL(flow.callbackUrl);
    reused.searchParams.set('state', state);
    const res2 = await fresh.get(reused.pathname + reused.search);
    expect(res2.headers.location).toBe('/sign-in?error=refused');
    expect(fresh.cookie('sc_session')).toBeUndefined();
  });

  it('refuses a callback from a browser that did not start the sign-in, and an attempt older than ten minutes', async () => {
    const b = browser();
    const start = await b.get('/auth/dev/start');
    const page = await b.get(String(start.headers.location));
    const approved = await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), ...person(), action: 'approve' }).toString(),
    });
    // Login CSRF: the victim's browser is sent the attacker's callback, without the attempt cookie.
    const victim = browser();
    expect((await victim.get(String(approved.headers.location))).headers.location).toBe('/sign-in?error=expired');
    expect(victim.cookie('sc_session')).toBeUndefined();

    const late = browser();
    const s2 = await late.get('/auth/dev/start');
    const p2 = await late.get(String(s2.headers.location));
    const a2 = await late.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(p2.body), ...person(), action: 'approve' }).toString(),
    });
    clock.advance(10 * MINUTE + 1000);
    expect((await late.get(String(a2.headers.location))).headers.location).toBe('/sign-in?error=expired');
  });

  it('reports a cancelled sign-in as access_denied', async () => {
    const b = browser();
    const start = await b.get('/auth/dev/start');
    const page = await b.get(String(start.headers.location));
    const cancelled = await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), action: 'cancel' }).toString(),
    });
    expect((await b.get(String(cancelled.headers.location))).headers.location).toBe('/sign-in?error=access_denied');
  });

  it.each([
    ['scheme-relative', '//evil.example/phish'],
    ['absolute', 'https://evil.example/phish'],
    ['backslash', '/\\evil.example/phish'],
    ['control character', '/\t/evil.example'],
  ])('sends a returnTo to another origin (%s) back to / instead', async (_what, returnTo) => {
    const { callback } = await devSignIn(browser(), person(), returnTo);
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/');
  });

  it('refuses authorization requests with an unregistered redirect URI or without PKCE, without redirecting', async () => {
    const b = browser();
    const start = new URL(String((await b.get('/auth/dev/start')).headers.location));
    const evil = new URL(start);
    evil.searchParams.set('redirect_uri', 'https://evil.example/cb');
    const res = await b.get(evil.pathname + evil.search);
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    const plain = new URL(start);
    plain.searchParams.set('code_challenge_method', 'plain');
    expect((await b.get(plain.pathname + plain.search)).statusCode).toBe(400);
  });

  it('asks again, with the problem named, when the e-mail address is not valid', async () => {
    const b = browser();
    const start = await b.get('/auth/dev/start');
    const page = await b.get(String(start.headers.location));
    const res = await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), name: 'Ada', email: 'not-an-address', action: 'approve' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('aria-invalid="true"');
  });

  describe('CSRF on cookie-authenticated changes', () => {
    let b: TestBrowser;
    let csrf: string;
    const origin = new URL(PUBLIC_URL).origin;
    beforeAll(async () => {
      b = browser();
      await devSignIn(b, person());
      csrf = (await b.get('/api/v1/me')).json().data.csrfToken;
    });

    it('refuses a POST without the token', async () => {
      const res = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { origin } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ success: false, code: 'FORBIDDEN' });
      expect(res.json().message).toContain('X-CSRF-Token');
    });

    it('refuses a POST with a wrong token', async () => {
      const res = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { origin, 'x-csrf-token': 'f'.repeat(64) } });
      expect(res.statusCode).toBe(403);
    });

    it('refuses a POST from a foreign origin, even with the token', async () => {
      const res = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { origin: 'https://evil.example', 'x-csrf-token': csrf } });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toContain('Cross-site');
      const noOrigin = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { 'x-csrf-token': csrf } });
      expect(noOrigin.statusCode).toBe(403);
    });

    it('accepts a POST with our origin and the token, or our Referer when Origin is absent', async () => {
      const res = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { origin, 'x-csrf-token': csrf } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ actor: 'user', teamId: null });
      const viaReferer = await b.request({ method: 'POST', url: '/api/v1/test-context', headers: { referer: `${PUBLIC_URL}/settings`, 'x-csrf-token': csrf } });
      expect(viaReferer.statusCode).toBe(200);
    });

    it('does not apply to reads, nor to API-key requests', async () => {
      expect((await b.get('/api/v1/test-context')).statusCode).toBe(200);
      const key = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/test-context', headers: { authorization: `Bearer ${key.secret}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json().actor).toBe('api_key');
    });

    it('protects sign-out too', async () => {
      const res = await b.request({ method: 'POST', url: '/auth/logout', headers: { origin } });
      expect(res.statusCode).toBe(403);
      expect((await b.get('/api/v1/me')).statusCode).toBe(200);
    });
  });

  it('takes the team from X-Team-Id only when the person is a member', async () => {
    const b = browser();
    await devSignIn(b, person());
    const mine = (await b.get('/api/v1/me')).json().data.teams[0].id as string;
    const other = new TestBrowser(t.app, PUBLIC_URL);
    await devSignIn(other, person('Bea Mukamana'));
    const theirs = (await other.get('/api/v1/me')).json().data.teams[0].id as string;
    expect((await b.get('/api/v1/test-context', { 'x-team-id': mine })).json().teamId).toBe(mine);
    expect((await b.get('/api/v1/test-context', { 'x-team-id': theirs })).json().teamId).toBeNull();
    expect((await b.get('/api/v1/test-context', { 'x-team-id': 'not-a-uuid' })).json().teamId).toBeNull();
  });

  it('lists my sessions with the current one flagged, and signs out everywhere else', async () => {
    const p = person();
    const laptop = browser();
    const phone = new TestBrowser(t.app, PUBLIC_URL, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' });
    await devSignIn(laptop, p);
    await devSignIn(phone, p);
    const list = await laptop.get('/api/v1/sessions');
    expect(list.statusCode).toBe(200);
    const sessions = list.json().data as { id: string; current: boolean; browser: string; os: string; ip: string }[];
    expect(list.json().meta).toMatchObject({ total: 2, page: 1 });
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.find((s) => s.current)).toMatchObject({ browser: 'Firefox 133', os: 'Ubuntu', ip: '127.0.0.1' });
    expect(sessions.find((s) => !s.current)).toMatchObject({ browser: 'Mobile Safari 17', os: 'iOS 17' });

    const res = await laptop.change('POST', '/api/v1/sessions/revoke-all');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ revoked: 1 });
    expect((await phone.get('/api/v1/me')).statusCode).toBe(401);
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('signs one session out by id, and answers 404 for another person’s session', async () => {
    const p = person();
    const a = browser();
    const c = browser();
    await devSignIn(a, p);
    await devSignIn(c, p);
    const stranger = browser();
    await devSignIn(stranger, person('Chris'));
    const strangerSession = (await stranger.get('/api/v1/me')).json().data.session.id as string;
    expect((await a.change('DELETE', `/api/v1/sessions/${strangerSession}`)).statusCode).toBe(404);
    expect((await stranger.get('/api/v1/me')).statusCode).toBe(200);

    const cSession = (await c.get('/api/v1/me')).json().data.session.id as string;
    const res = await a.change('DELETE', `/api/v1/sessions/${cSession}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ id: cSession, current: false });
    expect((await c.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('refuses session endpoints to API keys', async () => {
    const key = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    const res = await t.app.inject({ url: '/api/v1/sessions', headers: { authorization: `Bearer ${key.secret}` } });
    expect(res.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/me' })).statusCode).toBe(401);
  });

  it('ends a session after the idle time without requests', async () => {
    const b = browser();
    await devSignIn(b, person());
    clock.advance(29 * MINUTE);
    expect((await b.get('/api/v1/me')).statusCode).toBe(200);
    // That request moved the idle expiry on: another 29 minutes are fine.
    clock.advance(29 * MINUTE);
    expect((await b.get('/api/v1/me')).statusCode).toBe(200);
    clock.advance(30 * MINUTE + 1000);
    expect((await b.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('ends a session at its absolute expiry however active it is', async () => {
    const b = browser();
    await devSignIn(b, person());
    for (let elapsed = 0; elapsed < 24 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      expect((await b.get('/api/v1/me')).statusCode, `after ${elapsed / MINUTE + 20} minutes`).toBe(200);
    }
    clock.advance(20 * MINUTE);
    expect((await b.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const b = browser();
    await devSignIn(b, person());
    const token = b.cookie('sc_session')!;
    const res = await b.change('POST', '/auth/logout');
    expect(res.statusCode).toBe(204);
    expect(b.cookie('sc_session')).toBeUndefined();
    expect((await t.app.inject({ url: '/api/v1/me', headers: { cookie: `sc_session=${token}` } })).statusCode).toBe(401);
  });

  it('lets a person correct their name, language and picture, but not the verified e-mail', async () => {
    const b = browser();
    const p = person();
    await devSignIn(b, p);
    const res = await b.change('PATCH', '/api/v1/me', { name: 'Ada U. Mukamana', locale: 'rw', avatarUrl: 'https://pics.example/ada.png' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ name: 'Ada U. Mukamana', locale: 'rw', avatarUrl: 'https://pics.example/ada.png', email: p.email });
    const row = (await t.deps.database.db.execute(sql`select name_enc, avatar_url_enc from users where id = ${res.json().data.id}`)).rows[0] as Record<string, string>;
    expect(JSON.stringify(row)).not.toContain('Mukamana');
    expect(JSON.stringify(row)).not.toContain('pics.example');
    expect((await b.change('PATCH', '/api/v1/me', { avatarUrl: null })).json().data.avatarUrl).toBeNull();
    expect((await b.change('PATCH', '/api/v1/me', { avatarUrl: 'http://pics.example/a.png' })).statusCode).toBe(400);
    expect((await b.change('PATCH', '/api/v1/me', { email: 'other@example.rw' })).statusCode).toBe(400);
    expect((await b.get('/api/v1/me')).json().data.email).toBe(p.email);
  });

  it('keeps at least one sign-in provider linked', async () => {
    const b = browser();
    await devSignIn(b, person());
    const res = await b.change('DELETE', '/api/v1/me/identities/dev');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CONFLICT');
    expect((await b.get('/api/v1/me')).json().data.identities).toHaveLength(1);
  });

  describe('development seed', () => {
    it('signs up through the development provider and answers an Owner key', async () => {
      const p = person('Dev Seeder');
      const res = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: p });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({ userId: expect.any(String), teamId: expect.any(String), apiKey: expect.stringMatching(/^sc_/) });
      expect((await t.app.inject({ url: '/api/v1/regions', headers: { authorization: `Bearer ${body.apiKey}` } })).statusCode).toBe(200);
      const role = await t.deps.database.db.execute(sql`select role from team_members where team_id = ${body.teamId} and user_id = ${body.userId}`);
      expect(role.rows).toEqual([{ role: 'OWNER' }]);
      const identity = await t.deps.database.db.execute(sql`select provider from identities where user_id = ${body.userId}`);
      expect(identity.rows).toEqual([{ provider: 'dev' }]);

      // The same person through the sign-in page is the same account; seeding again too.
      const b = browser();
      await devSignIn(b, p);
      expect((await b.get('/api/v1/me')).json().data.id).toBe(body.userId);
      const again = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: p });
      expect(again.json()).toMatchObject({ userId: body.userId, teamId: body.teamId });
      expect(again.json().apiKey).not.toBe(body.apiKey);
    });

    it('makes up a person when none is given', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: {} });
      expect(res.statusCode).toBe(200);
      const other = await t.app.inject({ method: 'POST', url: '/api/dev/seed' });
      expect(other.statusCode).toBe(200);
      expect(other.json().userId).not.toBe(res.json().userId);
    });
  });

  it('deletes sessions 30 days after their end and sign-in attempts a day after theirs (data map retention)', async () => {
    const b = browser();
    await devSignIn(b, person());
    const sessionId = (await b.get('/api/v1/me')).json().data.session.id as string;
    const pending = browser();
    await pending.get('/auth/dev/start');
    const attemptId = pending.cookie('sc_signin')!;
    const db = t.deps.database.db;
    const count = async (table: 'sessions' | 'sign_in_attempts', id: string) =>
      ((await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where id = ${id}`)).rows[0] as { n: number }).n;

    clock.advance(DAY + 29 * DAY);
    await enforceFixedRetention(db, clock);
    expect(await count('sessions', sessionId)).toBe(1);
    expect(await count('sign_in_attempts', attemptId)).toBe(0);
    clock.advance(DAY + MINUTE);
    await enforceFixedRetention(db, clock);
    expect(await count('sessions', sessionId)).toBe(0);
  });
});

describe(`session cookie over https (${dbKind})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ PUBLIC_URL: 'https://cloud.example.rw' });
  });
  afterAll(() => t?.close());

  it('marks the cookies Secure when PUBLIC_URL is https', async () => {
    const b = new TestBrowser(t.app, 'https://cloud.example.rw');
    const { callback } = await devSignIn(b, person());
    expect(callback.statusCode).toBe(302);
    const names = b.received.filter((c) => c.value).map((c) => c.name);
    expect(names).toEqual(['sc_signin', 'sc_session']);
    for (const c of b.received) expect(c.attributes.secure, c.name).toBe(true);
    expect(b.received.find((c) => c.name === 'sc_session')!.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
  });
});
