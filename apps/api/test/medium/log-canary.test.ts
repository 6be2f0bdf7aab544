/**
 * Personal data never reaches a log line. A request flow carries canary values in every place
 * personal data can enter (body, URL, query, headers, client IP, a failing query's parameters)
 * and the captured logs must contain none of them.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../platform.ts';
import { devSignIn, formFields, TestBrowser } from '../browser.ts';

const canary = {
  name: 'Zzyzx Canarybird',
  email: 'zzyzx.canary7431@example.rw',
  ip: '203.0.113.77',
  userAgent: 'CanaryBrowser/7431 (ZzyzxOS)',
  phone: '+250788123457',
};

describe('logs carry no personal data', () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform();
    // A route whose query fails and echoes its parameters, as a database error would in production.
    (t.app as FastifyInstance).get('/api/dev/canary-failure', { config: { auth: 'public' } }, async () => {
      await t.deps.database.db.execute(sql`select ${canary.email}::int, ${canary.phone}::int`);
      return {};
    });
  });
  afterAll(() => t?.close());

  it('keeps canary values out of every log line of a full flow', async () => {
    const headers = { 'user-agent': canary.userAgent, 'x-forwarded-for': canary.ip, cookie: `sid=${canary.email}` };
    const remoteAddress = canary.ip;
    const seeded = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: { email: canary.email, name: canary.name }, headers, remoteAddress });
    expect(seeded.statusCode).toBe(200);
    const auth = { ...headers, authorization: `Bearer ${seeded.json().apiKey}` };
    expect((await t.app.inject({ url: '/api/v1/regions', headers: auth, remoteAddress })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: `{"email":"${canary.email}","name":`, headers: { ...headers, 'content-type': 'application/json' }, remoteAddress });
    await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: { email: `${canary.name}`, name: canary.name }, headers, remoteAddress });
    await t.app.inject({ url: `/api/v1/people/${canary.email}?email=${encodeURIComponent(canary.email)}&phone=${encodeURIComponent(canary.phone)}`, headers: auth, remoteAddress });
    const failed = await t.app.inject({ url: '/api/dev/canary-failure', headers, remoteAddress });
    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain(canary.email);
    await t.deps.usage.flush();

    const log = t.logLines.join('\n');
    // The flow was logged (so the assertion below is not vacuous): requests and the failure.
    expect(t.logLines.length).toBeGreaterThan(5);
    expect(log).toContain('unhandled error');
    expect(log).toContain('/api/dev/seed');
    expect(log).not.toContain('flush failed');
    for (const [what, value] of Object.entries(canary)) {
      expect(log.toLowerCase(), `${what} leaked into the logs`).not.toContain(value.toLowerCase());
    }
    expect(log).not.toContain('Canarybird');
    expect(log).not.toContain('788123457');
    expect(log).not.toContain(seeded.json().apiKey);
  });

  it('keeps the name and e-mail of a sign-in out of the logs, refused sign-ins included', async () => {
    const before = t.logLines.length;
    const person = { name: 'Quixotl Signinbird', email: 'quixotl.signin5309@example.rw' };
    const b = new TestBrowser(t.app, t.deps.config.PUBLIC_URL, { 'user-agent': canary.userAgent, 'x-forwarded-for': canary.ip });
    const { callbackUrl } = await devSignIn(b, person, `/teams?email=${encodeURIComponent(person.email)}`);
    const me = await b.get('/api/v1/me');
    expect(me.json().data.email).toBe(person.email);
    await b.get('/api/v1/sessions');
    await b.change('POST', '/api/v1/sessions/revoke-all');
    // Refused on the way: a replayed callback, a bad e-mail on the form, a state that does not match, a CSRF refusal.
    await b.get(callbackUrl);
    const page = await b.get(String((await b.get('/auth/dev/start')).headers.location));
    await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), name: person.name, email: `${person.name} <${person.email}>`, action: 'approve' }).toString(),
    });
    const approved = await b.request({
      method: 'POST', url: '/dev/oidc/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...formFields(page.body), ...person, action: 'approve' }).toString(),
    });
    const forged = new URL(String(approved.headers.location));
    forged.searchParams.set('state', person.email);
    expect((await b.get(forged.pathname + forged.search)).headers.location).toBe('/sign-in?error=refused');
    await b.request({ method: 'POST', url: '/auth/logout', headers: { origin: 'https://evil.example' } });
    await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: person });
    await t.deps.usage.flush();

    const lines = t.logLines.slice(before);
    expect(lines.some((l) => l.includes('sign-in refused'))).toBe(true);
    expect(lines.some((l) => l.includes('/auth/:provider/callback'))).toBe(true);
    const log = lines.join('\n').toLowerCase();
    for (const value of [person.name, person.email, 'Signinbird', 'quixotl', canary.ip, canary.userAgent, b.cookie('sc_session') ?? 'no-session']) {
      expect(log, `${value} leaked into the logs`).not.toContain(value.toLowerCase());
    }
  });
});
