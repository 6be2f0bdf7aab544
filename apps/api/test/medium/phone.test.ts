/**
 * Phone verification end to end: the service on a real database, the SMS through the outbox and
 * the job worker into the built-in SMS outbox, the limits against SMS pumping, and the routes.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, DAY, ManualClock } from '../../src/shared/clock.ts';
import { systemContext, type Context } from '../../src/shared/context.ts';
import { listSmsOutbox } from '../../src/modules/notifications/providers/index.ts';
import { dbKind } from '../db.ts';
import { buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

describe(`phone verification (${dbKind})`, () => {
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ SMS_ALLOWED_COUNTRIES: 'RW,KE', RATE_LIMIT_API_KEY: '1000' }, { clock });
  });
  afterAll(() => t?.close());

  const db = () => t.deps.database.db;
  let numbers = 0;
  /** A fresh, valid Rwandan mobile number (MTN 078x), different on every call. */
  const freshNumber = () => `+2507881${String(++numbers).padStart(5, '0')}`;
  let ips = 0;
  const freshIp = () => `198.51.${Math.floor(++ips / 250)}.${(ips % 250) + 1}`;

  /** A new account, and a context acting as that person. */
  async function person(ip: string | null = freshIp()): Promise<{ id: string; ctx: Context }> {
    const p = await t.deps.accounts.create(systemContext(db(), 'test'), { email: `${crypto.randomUUID()}@example.rw`, name: 'Test Person' });
    return { id: p.id, ctx: { actor: { type: 'user', id: p.id }, teamId: null, requestId: `test-${crypto.randomUUID()}`, ip, userAgent: null, tx: db() } };
  }

  /** Delivers queued messages and returns the code of the last SMS sent to `phone`. */
  async function codeSentTo(phone: string): Promise<string> {
    await t.platform.worker().drain();
    const sms = (await listSmsOutbox(db(), { limit: 10_000 })).find((m) => m.toNumber === phone);
    const code = sms?.text.match(/code is (\d{6})\b/)?.[1];
    if (!code) throw new Error(`no code was sent to ${phone}`);
    return code;
  }
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const smsCount = async () => (await listSmsOutbox(db(), { limit: 10_000 })).length;
  const codesQueued = async () => Number((await db().execute(sql`select count(*)::int as n from notifications where template = 'phone-verification-code'`)).rows[0]!.n);

  it('sends a 6-digit code by SMS and marks the number verified when it is confirmed', async () => {
    const { id, ctx } = await person();
    const phone = freshNumber();
    const sent = await t.deps.phone.start(ctx, { phone: ` ${phone.slice(0, 4)} ${phone.slice(4)} ` });
    expect(sent.phone).toBe(`+250******${phone.slice(-3)}`);
    expect(new Date(sent.expiresAt).getTime() - clock.now().getTime()).toBe(10 * MINUTE);

    const code = await codeSentTo(phone);
    const sms = (await listSmsOutbox(db(), { limit: 10_000 })).find((m) => m.toNumber === phone)!;
    expect(sms.route).toBe('pindo');
    expect(sms.text).toContain('expires in 10 minutes');
    expect((await t.deps.phone.status(ctx)).pending).toMatchObject({ phone: sent.phone, attemptsLeft: 5 });

    // Neither the code nor the number is stored in clear.
    const row = (await db().execute(sql`select code_hash, phone_enc, phone_hash from phone_verifications where user_id = ${id}`)).rows[0] as Record<string, string>;
    expect(row.code_hash).not.toContain(code);
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.phone_enc).toMatch(/^v1\./);
    expect(row.phone_enc).not.toContain(phone.slice(-6));

    const verified = await t.deps.phone.confirm(ctx, { code });
    expect(verified).toEqual({ phone: sent.phone, verifiedAt: clock.now().toISOString() });
    expect(await t.deps.phone.status(ctx)).toEqual({ phone: sent.phone, verified: true, verifiedAt: clock.now().toISOString(), pending: null });
    expect(await t.deps.phone.verifiedPhone(db(), id)).toBe(phone);
    // A code works once.
    await expect(t.deps.phone.confirm(ctx, { code })).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED' });
  });

  it('requireVerifiedPhone refuses an account without a verified number, and passes once it is verified', async () => {
    const { id, ctx } = await person();
    await expect(t.deps.phone.requireVerifiedPhone(db(), id)).rejects.toMatchObject({ code: 'PHONE_VERIFICATION_REQUIRED', status: 403 });
    const phone = freshNumber();
    await t.deps.phone.start(ctx, { phone });
    const code = await codeSentTo(phone);
    // A code sent but not confirmed is not a verified number.
    await expect(t.deps.phone.requireVerifiedPhone(db(), id)).rejects.toMatchObject({ code: 'PHONE_VERIFICATION_REQUIRED' });
    await t.deps.phone.confirm(ctx, { code });
    await expect(t.deps.phone.requireVerifiedPhone(db(), id)).resolves.toBeUndefined();
  });

  it('refuses the sixth try and burns the code: the right code no longer works afterwards', async () => {
    const { id, ctx } = await person();
    const phone = freshNumber();
    await t.deps.phone.start(ctx, { phone });
    const code = await codeSentTo(phone);
    for (let left = 4; left >= 0; left--) {
      await expect(t.deps.phone.confirm(ctx, { code: wrong(code) })).rejects.toMatchObject({ code: 'INVALID_VERIFICATION_CODE', details: { attemptsLeft: left } });
    }
    await expect(t.deps.phone.confirm(ctx, { code: wrong(code) })).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED', message: expect.stringMatching(/too many/i) });
    await expect(t.deps.phone.confirm(ctx, { code })).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED' });
    await expect(t.deps.phone.requireVerifiedPhone(db(), id)).rejects.toMatchObject({ code: 'PHONE_VERIFICATION_REQUIRED' });
    expect((await t.deps.phone.status(ctx)).pending).toBeNull();
  });

  it('refuses the right code on the sixth try after five wrong ones', async () => {
    const { id, ctx } = await person();
    const phone = freshNumber();
    await t.deps.phone.start(ctx, { phone });
    const code = await codeSentTo(phone);
    for (let i = 0; i < 5; i++) await expect(t.deps.phone.confirm(ctx, { code: wrong(code) })).rejects.toMatchObject({ code: 'INVALID_VERIFICATION_CODE' });
    await expect(t.deps.phone.confirm(ctx, { code })).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED' });
    await expect(t.deps.phone.requireVerifiedPhone(db(), id)).rejects.toMatchObject({ code: 'PHONE_VERIFICATION_REQUIRED' });
  });

  it('accepts a code until its tenth minute and refuses it after', async () => {
    const early = await person();
    const late = await person();
    const [a, b] = [freshNumber(), freshNumber()];
    await t.deps.phone.start(early.ctx, { phone: a });
    await t.deps.phone.start(late.ctx, { phone: b });
    const [codeA, codeB] = [await codeSentTo(a), await codeSentTo(b)];
    clock.advance(10 * MINUTE - 1000);
    await expect(t.deps.phone.confirm(early.ctx, { code: codeA })).resolves.toMatchObject({ phone: expect.any(String) });
    clock.advance(1000);
    await expect(t.deps.phone.confirm(late.ctx, { code: codeB })).rejects.toMatchObject({ code: 'VERIFICATION_CODE_EXPIRED', message: expect.stringMatching(/expired/) });
    await expect(t.deps.phone.requireVerifiedPhone(db(), late.id)).rejects.toMatchObject({ code: 'PHONE_VERIFICATION_REQUIRED' });
  });

  it('sends at most one code a minute per account, and only the newest code works', async () => {
    const { ctx } = await person();
    const phone = freshNumber();
    await t.deps.phone.start(ctx, { phone });
    const first = await codeSentTo(phone);
    await expect(t.deps.phone.start(ctx, { phone })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { retryAfterSeconds: 60 } });
    clock.advance(59_000);
    await expect(t.deps.phone.start(ctx, { phone: freshNumber() })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { retryAfterSeconds: 1 } });
    clock.advance(1000);
    await t.deps.phone.start(ctx, { phone });
    const second = await codeSentTo(phone);
    if (second !== first) await expect(t.deps.phone.confirm(ctx, { code: first })).rejects.toMatchObject({ code: 'INVALID_VERIFICATION_CODE' });
    await expect(t.deps.phone.confirm(ctx, { code: second })).resolves.toMatchObject({ phone: expect.any(String) });
  });

  it('lets only one of two simultaneous requests of one account send a code', async () => {
    const { id, ctx } = await person();
    // Two networks and two numbers: only the account is shared.
    const results = await Promise.allSettled([
      t.deps.phone.start({ ...ctx, ip: freshIp() }, { phone: freshNumber() }),
      t.deps.phone.start({ ...ctx, ip: freshIp() }, { phone: freshNumber() }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await db().execute(sql`select count(*)::int as n from phone_verifications where user_id = ${id}`)).rows[0]!.n).toBe(1);
  });

  it('caps the codes sent to one number per day, whoever asks', async () => {
    const phone = freshNumber();
    for (let i = 0; i < 5; i++) await t.deps.phone.start((await person()).ctx, { phone });
    const before = await codesQueued();
    const sixth = await person();
    await expect(t.deps.phone.start(sixth.ctx, { phone })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/this number/) });
    expect(await codesQueued()).toBe(before);
    clock.advance(DAY);
    await expect(t.deps.phone.start(sixth.ctx, { phone })).resolves.toMatchObject({ phone: expect.any(String) });
  });

  it('caps the codes one account asks for per day, all numbers together', async () => {
    const { ctx } = await person();
    for (let i = 0; i < 10; i++) {
      await t.deps.phone.start(ctx, { phone: freshNumber() });
      clock.advance(MINUTE);
    }
    await expect(t.deps.phone.start(ctx, { phone: freshNumber() })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/account/) });
    clock.advance(DAY);
    await expect(t.deps.phone.start(ctx, { phone: freshNumber() })).resolves.toMatchObject({ phone: expect.any(String) });
  });

  it('caps the codes asked for from one IP address per day, all accounts together', async () => {
    const ip = '203.0.113.77';
    for (let i = 0; i < 20; i++) await t.deps.phone.start((await person(ip)).ctx, { phone: freshNumber() });
    const before = await codesQueued();
    await expect(t.deps.phone.start((await person(ip)).ctx, { phone: freshNumber() })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/network/) });
    expect(await codesQueued()).toBe(before);
    // Another network is not affected.
    await expect(t.deps.phone.start((await person()).ctx, { phone: freshNumber() })).resolves.toMatchObject({ phone: expect.any(String) });
  });

  it('refuses +250700000000 and numbers of countries not allowed before anything is stored or sent', async () => {
    const { id, ctx } = await person();
    await t.platform.worker().drain();
    const [sms, queued] = [await smsCount(), await codesQueued()];
    await expect(t.deps.phone.start(ctx, { phone: '+250700000000' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'phone' }] });
    await expect(t.deps.phone.start(ctx, { phone: '+16502530000' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/country/) });
    await expect(t.deps.phone.start(ctx, { phone: 'call me' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await t.platform.worker().drain();
    expect(await smsCount()).toBe(sms);
    expect(await codesQueued()).toBe(queued);
    expect((await db().execute(sql`select count(*)::int as n from phone_verifications where user_id = ${id}`)).rows[0]!.n).toBe(0);
    // An allowed foreign country (Kenya) goes through SNS.
    await t.deps.phone.start(ctx, { phone: '+254712345678' });
    await codeSentTo('+254712345678');
    expect((await listSmsOutbox(db(), { limit: 10_000 })).find((m) => m.toNumber === '+254712345678')?.route).toBe('sns');
  });

  describe('routes', () => {
    /** An API key of a team the person owns: it acts for that person. */
    async function keyFor(userId: string): Promise<Record<string, string>> {
      const team = await buildTeam(db());
      await db().execute(sql`insert into team_members (team_id, user_id, role, created_at) values (${team.id}, ${userId}, 'OWNER', now())`);
      const key = await t.deps.apiKeys.create(db(), { teamId: team.id, createdBy: userId, name: 'phone test' });
      return { authorization: `Bearer ${key.secret}` };
    }

    it('starts, shows and confirms through the API for the person behind the key', async () => {
      const { id } = await person();
      const headers = await keyFor(id);
      const phone = freshNumber();
      const started = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone', headers, payload: { phone } });
      expect(started.statusCode).toBe(202);
      expect(started.json().data).toMatchObject({ phone: `+250******${phone.slice(-3)}` });

      const again = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone', headers, payload: { phone } });
      expect(again.statusCode).toBe(429);
      expect(again.headers['retry-after']).toBe('60');

      const shown = await t.app.inject({ url: '/api/v1/me/phone', headers });
      expect(shown.json().data).toMatchObject({ verified: false, phone: null, pending: { attemptsLeft: 5 } });

      const code = await codeSentTo(phone);
      const bad = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone/verify', headers, payload: { code: wrong(code) } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'INVALID_VERIFICATION_CODE', details: { attemptsLeft: 4 } });
      const good = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone/verify', headers, payload: { code } });
      expect(good.statusCode).toBe(200);
      expect((await t.app.inject({ url: '/api/v1/me/phone', headers })).json().data).toMatchObject({ verified: true, pending: null });
      await expect(t.deps.phone.requireVerifiedPhone(db(), id)).resolves.toBeUndefined();
    });

    it('refuses requests without credentials (401), an API key with no person behind it (403) and a malformed code', async () => {
      const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone', payload: { phone: freshNumber() } });
      expect(anonymous.statusCode).toBe(401);
      const orphan: Context = { ...systemContext(db(), 'test'), actor: { type: 'api_key', id: crypto.randomUUID(), userId: null } };
      await expect(t.deps.phone.start(orphan, { phone: freshNumber() })).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403, message: expect.stringMatching(/acts for a person/) });
      await expect(t.deps.phone.status({ ...orphan, actor: { type: 'system', id: 'job' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const invalid = await t.app.inject({ method: 'POST', url: '/api/v1/me/phone/verify', headers: await keyFor((await person()).id), payload: { code: '12ab56' } });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    });
  });
});
