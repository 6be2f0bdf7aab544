/**
 * The age limit end to end: date of birth, the limited minor account, the parent's e-mail through
 * the outbox into the built-in mailbox, the consent page and its single-use token, and marketing
 * that never reaches a minor.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE, ManualClock } from '../../src/shared/clock.ts';
import { systemContext, type Context } from '../../src/shared/context.ts';
import { listMailbox } from '../../src/modules/notifications/providers/index.ts';
import { dbKind } from '../db.ts';
import { grantCredit } from '../../src/modules/billing/referrals.ts';
import { buildApiKey, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl kid@test';

describe(`age limit and parental consent (${dbKind})`, () => {
  // 22:30 UTC on 1 March is already 00:30 on 2 March in Kigali (UTC+2).
  const clock = new ManualClock('2026-03-01T22:30:00Z');
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '1000', RATE_LIMIT_IP: '1000' }, { clock });
  });
  afterAll(() => t?.close());

  const db = () => t.deps.database.db;
  const sys = () => systemContext(db(), 'test');

  async function person(name = 'Keza Uwase'): Promise<{ id: string; email: string; ctx: Context }> {
    const email = `${crypto.randomUUID()}@example.rw`;
    const p = await t.deps.accounts.create(sys(), { email, name });
    return { id: p.id, email, ctx: { actor: { type: 'user', id: p.id }, teamId: null, requestId: `test-${crypto.randomUUID()}`, ip: '198.51.100.20', userAgent: null, tx: db() } };
  }
  async function minor(name = 'Keza Uwase') {
    const p = await person(name);
    await t.deps.age.confirmDateOfBirth(p.ctx, { dateOfBirth: '2012-06-01' });
    return p;
  }
  /** Delivers queued messages and returns the consent token e-mailed to `guardian`. */
  async function tokenSentTo(guardian: string): Promise<string> {
    await t.platform.worker().drain();
    const mail = (await listMailbox(db(), { limit: 10_000 })).find((m) => m.toAddress === guardian && m.tags.template === 'parental-consent-request');
    const token = mail?.text.match(/\/consent\/parental\/([A-Za-z0-9_-]+)/)?.[1];
    if (!token) throw new Error(`no consent link was sent to ${guardian}`);
    return token;
  }
  const page = (token: string) => t.app.inject({ url: `/consent/parental/${token}`, headers: { accept: 'text/html' } });
  const consent = (token: string, body = 'consent=yes') =>
    t.app.inject({ method: 'POST', url: `/consent/parental/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body, remoteAddress: '203.0.113.9' });
  const isMinorInDb = async (id: string) => (await db().execute(sql`select is_minor from users where id = ${id}`)).rows[0]!.is_minor;

  it('limits an account until the date of birth is confirmed', async () => {
    const { id } = await person();
    await expect(t.deps.age.requireFullAccount(db(), id)).rejects.toMatchObject({ code: 'DATE_OF_BIRTH_REQUIRED', status: 403 });
  });

  it('gives an adult a full account, counting the birthday in Kigali time', async () => {
    // 16 on 2 March: already the case in Kigali, not yet in UTC.
    const adult = await person();
    const status = await t.deps.age.confirmDateOfBirth(adult.ctx, { dateOfBirth: '2010-03-02' });
    expect(status).toMatchObject({ dateOfBirth: '2010-03-02', minor: false, limited: false, parentalConsent: 'not-needed' });
    await expect(t.deps.age.requireFullAccount(db(), adult.id)).resolves.toBeUndefined();
    expect(await isMinorInDb(adult.id)).toBe(false);

    const child = await person();
    expect(await t.deps.age.confirmDateOfBirth(child.ctx, { dateOfBirth: '2010-03-03' })).toMatchObject({ minor: true, limited: true, parentalConsent: 'required' });
    expect(await isMinorInDb(child.id)).toBe(true);
  });

  it('refuses future dates, dates more than 120 years ago, impossible dates and a second confirmation', async () => {
    const p = await person();
    for (const dateOfBirth of ['2026-03-03', '1906-03-01', '2010-02-29', '2010-13-01']) {
      await expect(t.deps.age.confirmDateOfBirth(p.ctx, { dateOfBirth })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'dateOfBirth' }] });
    }
    await t.deps.age.confirmDateOfBirth(p.ctx, { dateOfBirth: '1990-01-15' });
    await expect(t.deps.age.confirmDateOfBirth(p.ctx, { dateOfBirth: '2015-01-15' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await isMinorInDb(p.id)).toBe(false);
    // Stored encrypted.
    const row = (await db().execute(sql`select date_of_birth_enc from age_confirmations where user_id = ${p.id}`)).rows[0] as { date_of_birth_enc: string };
    expect(row.date_of_birth_enc).toMatch(/^v1\./);
    expect(row.date_of_birth_enc).not.toContain('1990');
  });

  it('lets an under-16 account create no compute and make no payment until the parent consents', async () => {
    const child = await minor('Ineza Mugabo');
    await t.deps.phone.verifyForDevelopment(sys(), child.id, '+250788111222');
    const { secret, teamId } = await buildApiKey(db(), t.deps.apiKeys, undefined, { userId: child.id });
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 50_000, reason: 'test funds', staff: 'test', kind: 'credit' });
    const headers = () => ({ authorization: `Bearer ${secret}`, 'idempotency-key': crypto.randomUUID() });
    const compute = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/computes', headers: headers(), payload: { hostName: 'kid-vm', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C', publicKeys: [KEY] } });
    const topUp = () => t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: headers(), payload: { amount: 5000 } });
    for (const res of [await compute(), await topUp()]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('PARENTAL_CONSENT_REQUIRED');
    }
    expect((await db().execute(sql`select 1 from computes where team_id = ${teamId}`)).rows).toHaveLength(0);
    const guardian = `parent-${crypto.randomUUID()}@example.rw`;
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: guardian, relation: 'guardian' });
    expect((await consent(await tokenSentTo(guardian))).statusCode).toBe(200);
    const created = await compute();
    expect(created.statusCode, created.body).toBe(202);
  });

  it('keeps a minor limited until the guardian confirms through the e-mailed link, which works once', async () => {
    const child = await minor('Keza Uwase');
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED', status: 403 });

    const guardian = `parent-${crypto.randomUUID()}@example.rw`;
    const requested = await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: guardian, relation: 'parent' });
    expect(new Date(requested.expiresAt).getTime() - clock.now().getTime()).toBe(7 * DAY);
    expect(await t.deps.age.status(child.ctx)).toMatchObject({ limited: true, parentalConsent: 'requested', consentRequestExpiresAt: requested.expiresAt });
    const token = await tokenSentTo(guardian);
    const mail = (await listMailbox(db(), { limit: 10_000 })).find((m) => m.toAddress === guardian && m.tags.template === 'parental-consent-request')!;
    expect(mail.subject).toContain('Keza Uwase');
    // Only a hash of the token is stored.
    const stored = (await db().execute(sql`select token_hash, guardian_email_enc from parental_consent_requests where user_id = ${child.id}`)).rows[0] as Record<string, string>;
    expect(stored.token_hash).not.toContain(token);
    expect(stored.guardian_email_enc).not.toContain('@');

    // The page: accessible HTML, no script, and opening it changes nothing.
    const shown = await page(token);
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['content-type']).toMatch(/^text\/html/);
    expect(shown.headers['content-security-policy']).toContain("script-src 'self'");
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.body).not.toMatch(/<script|\son\w+=/i);
    expect(shown.body).toContain('<html lang="en">');
    expect(shown.body).toContain('Keza Uwase');
    expect(shown.body).toMatch(/<label for="consent">/);
    expect(shown.body).toMatch(/<form method="post">/);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED' });

    // Submitting without ticking the box records nothing.
    const unticked = await consent(token, '');
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain('role="alert"');
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED' });

    const given = await consent(token);
    expect(given.statusCode).toBe(200);
    expect(given.body).toMatch(/consent for Keza Uwase is recorded/);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).resolves.toBeUndefined();
    expect(await t.deps.age.status(child.ctx)).toMatchObject({ minor: true, limited: false, parentalConsent: 'given', consentGivenAt: clock.now().toISOString() });
    expect(await isMinorInDb(child.id)).toBe(true);
    const record = (await db().execute(sql`select guardian_email_enc, relation, consented_at, ip, locale from parental_consents where user_id = ${child.id}`)).rows as Record<string, unknown>[];
    expect(record).toHaveLength(1);
    expect(record[0]).toMatchObject({ relation: 'parent', ip: '203.0.113.9', locale: 'en' });
    expect(record[0]!.guardian_email_enc).toMatch(/^v1\./);

    // Single use: the link is spent, nothing is recorded twice.
    clock.advance(MINUTE);
    const replay = await consent(token);
    expect(replay.statusCode).toBe(410);
    expect(replay.body).toMatch(/already been used/);
    expect((await page(token)).statusCode).toBe(410);
    const after = (await db().execute(sql`select consented_at from parental_consents where user_id = ${child.id}`)).rows;
    expect(after).toEqual([{ consented_at: record[0]!.consented_at }]);
    // And an unknown token is just unknown.
    expect((await consent(crypto.randomBytes(32).toString('base64url'))).statusCode).toBe(404);
  });

  it('refuses a link after seven days, and an older link once a newer one was sent', async () => {
    const child = await minor();
    const guardian = `parent-${crypto.randomUUID()}@example.rw`;
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: guardian, relation: 'guardian' });
    const first = await tokenSentTo(guardian);
    clock.advance(7 * DAY + MINUTE);
    expect((await consent(first)).statusCode).toBe(410);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED' });
    expect((await t.deps.age.status(child.ctx)).parentalConsent).toBe('required');

    const other = `other-${crypto.randomUUID()}@example.rw`;
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: guardian, relation: 'guardian' });
    const second = await tokenSentTo(guardian);
    clock.advance(MINUTE);
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: other, relation: 'parent' });
    const third = await tokenSentTo(other);
    expect((await consent(second)).statusCode).toBe(410);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED' });
    expect((await consent(third)).statusCode).toBe(200);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).resolves.toBeUndefined();
  });

  it('refuses the minor\'s own e-mail address as the guardian\'s, and another minor\'s address', async () => {
    const child = await minor();
    const queued = async () => Number((await db().execute(sql`select count(*)::int as n from notifications where template = 'parental-consent-request'`)).rows[0]!.n);
    const before = await queued();
    await expect(
      t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: `  ${child.email.toUpperCase()} `, relation: 'parent' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'guardianEmail' }] });
    expect(await queued()).toBe(before);

    // A friend who is also under 16 cannot consent either: the page refuses and records nothing.
    const friend = await minor('Friend Minor');
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: friend.email, relation: 'parent' });
    const token = await tokenSentTo(friend.email);
    const refused = await consent(token);
    expect(refused.statusCode).toBe(403);
    await expect(t.deps.age.requireFullAccount(db(), child.id)).rejects.toMatchObject({ code: 'PARENTAL_CONSENT_REQUIRED' });
  });

  it('still never sends marketing to a minor after the parent consented, and still sends transactional mail', async () => {
    const child = await minor('Mina Minor');
    const guardian = `parent-${crypto.randomUUID()}@example.rw`;
    await t.deps.age.requestParentalConsent(child.ctx, { guardianEmail: guardian, relation: 'parent' });
    expect((await consent(await tokenSentTo(guardian))).statusCode).toBe(200);
    const adult = await person('Ada Adult');
    await t.deps.age.confirmDateOfBirth(adult.ctx, { dateOfBirth: '1990-01-01' });

    const news = { title: { en: 'New region' }, body: { en: 'Something new.' }, url: '/computes' };
    const toChild = await t.deps.notifications.notify(sys(), { template: 'product-news', variables: news, to: { userId: child.id } });
    const toAdult = await t.deps.notifications.notify(sys(), { template: 'product-news', variables: news, to: { userId: adult.id } });
    const receipt = await t.deps.notifications.notify(sys(), { template: 'welcome', variables: { name: 'Mina' }, to: { userId: child.id } });
    await t.platform.worker().drain();
    const status = async (id: string) => (await db().execute(sql`select status from notifications where id = ${id}`)).rows[0]!.status;
    expect(await status(toChild)).toBe('suppressed');
    expect(await status(toAdult)).toBe('sent');
    expect(await status(receipt)).toBe('sent');
  });

  describe('routes', () => {
    /** An API key of a team the person owns: it acts for that person. */
    async function keyFor(userId: string): Promise<Record<string, string>> {
      const team = await buildTeam(db());
      await db().execute(sql`insert into team_members (team_id, user_id, role, created_at) values (${team.id}, ${userId}, 'OWNER', now())`);
      const key = await t.deps.apiKeys.create(db(), { teamId: team.id, createdBy: userId, name: 'age test' });
      return { authorization: `Bearer ${key.secret}` };
    }

    it('confirms the date of birth, shows the status and asks for consent through the API', async () => {
      const p = await person();
      const headers = await keyFor(p.id);
      expect((await t.app.inject({ url: '/api/v1/me/date-of-birth', headers })).json().data).toMatchObject({ dateOfBirth: null, limited: true });
      const future = await t.app.inject({ method: 'POST', url: '/api/v1/me/date-of-birth', headers, payload: { dateOfBirth: '2030-01-01' } });
      expect(future.statusCode).toBe(400);
      const confirmed = await t.app.inject({ method: 'POST', url: '/api/v1/me/date-of-birth', headers, payload: { dateOfBirth: '2013-09-09' } });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json().data).toMatchObject({ dateOfBirth: '2013-09-09', minor: true, limited: true, parentalConsent: 'required' });
      const guardian = `parent-${crypto.randomUUID()}@example.rw`;
      const asked = await t.app.inject({ method: 'POST', url: '/api/v1/me/parental-consent', headers, payload: { guardianEmail: guardian, relation: 'parent' } });
      expect(asked.statusCode).toBe(202);
      expect((await t.app.inject({ url: '/api/v1/me/date-of-birth', headers })).json().data).toMatchObject({ parentalConsent: 'requested' });
      expect((await consent(await tokenSentTo(guardian))).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/api/v1/me/date-of-birth', headers })).json().data).toMatchObject({ limited: false, parentalConsent: 'given' });
    });

    it('refuses anonymous requests (401) and an API key with no person behind it (403)', async () => {
      const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/me/date-of-birth', payload: { dateOfBirth: '1990-01-01' } });
      expect(anonymous.statusCode).toBe(401);
      const orphan: Context = { ...sys(), actor: { type: 'api_key', id: crypto.randomUUID(), userId: null } };
      await expect(t.deps.age.confirmDateOfBirth(orphan, { dateOfBirth: '1990-01-01' })).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
      await expect(t.deps.age.status({ ...orphan, actor: { type: 'anonymous' } })).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    });
  });
});
