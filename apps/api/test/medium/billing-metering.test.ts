/**
 * Metering and dunning with a fake clock, on the fake hypervisor: per started hour billing,
 * the daily debit, and the dunning clocks from past due to a staff decision, with a top-up that
 * lifts a suspension and brings the computes back.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIremboPaySandbox, type IremboPaySandbox } from '../../src/modules/billing/irembopay/sandbox.ts';
import { grantCredit } from '../../src/modules/billing/referrals.ts';
import { hourlyMilliOf, DEFAULT_MONTHLY_PRICES_RWF } from '../../src/modules/billing/prices.ts';
import { DAY, MINUTE, ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';

const SECRET = 'metering-secret';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';

describe(`billing: metering and dunning (${dbKind})`, { timeout: 120_000 }, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let sandbox: IremboPaySandbox;
  const clock = new ManualClock('2026-03-02T10:59:00Z');

  beforeAll(async () => {
    sandbox = await startIremboPaySandbox({ secretKey: SECRET, clock, retryDelayMs: 20 });
    t = await startTestPlatform(
      {
        IREMBOPAY_BASE_URL: sandbox.baseUrl, IREMBOPAY_SECRET_KEY: SECRET, HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0',
        DUNNING_SUSPEND_AFTER_DAYS: '2', DUNNING_PROPOSE_TERMINATION_AFTER_DAYS: '3', RATE_LIMIT_API_KEY: '100000',
      },
      { clock },
    );
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    sandbox.controls.setCallbackUrl(`${base}/webhooks/irembopay`);
  });
  afterAll(async () => {
    await sandbox?.close();
    await t?.close();
  });

  const db = () => t.deps.database.db;
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  async function seed() {
    const res = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: { email: `m-${crypto.randomUUID()}@example.rw`, name: 'Meter Person' } });
    return res.json() as { userId: string; teamId: string; apiKey: string };
  }
  const drain = () => t.platform.worker().drain();
  async function create(key: string, spec = 'S-1C-1G') {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/computes', headers: { ...auth(key), 'idempotency-key': crypto.randomUUID() }, payload: { hostName: `m-${crypto.randomBytes(3).toString('hex')}`, image: 'UBUNTU-24.04', region: 'KGL-1', specification: spec, publicKeys: [KEY] } });
    return res;
  }
  const state = async (key: string, id: string) => (await t.app.inject({ url: `/api/v1/computes/${id}`, headers: auth(key) })).json().data.state as string;
  const wallet = async (key: string) => (await t.app.inject({ url: '/api/v1/billing/balance', headers: auth(key) })).json().data as { balance: number; state: string };

  it('bills a compute created at 10:59 and destroyed at 12:01 for 3 hours, and debits it the next day', async () => {
    clock.set('2026-03-02T10:59:00Z');
    const { apiKey, teamId } = await seed();
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 50_000, reason: 'test funds', staff: 'test', kind: 'credit' });
    const res = await create(apiKey);
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().data.id as string;
    await drain();
    expect(await state(apiKey, id)).toBe('RUNNING');
    // The person who asked hears that it is ready (issue 6, item 8).
    const ready = await db().execute(sql`select 1 from notifications where team_id = ${teamId} and template = 'compute-ready'`);
    expect(ready.rows).toHaveLength(1);
    clock.set('2026-03-02T12:01:00Z');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/computes/${id}`, headers: auth(apiKey) })).statusCode).toBe(202);
    await drain();
    clock.set('2026-03-02T15:10:00Z');
    await t.deps.metering.meterDue();
    const hours = await db().execute<{ period_start: Date }>(sql`select period_start from usage_records where resource_id = ${id} order by period_start`);
    expect(hours.rows.map((r) => new Date(r.period_start).toISOString())).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z', '2026-03-02T12:00:00.000Z']);
    // Metering again changes nothing.
    await t.deps.metering.meterHour(db(), new Date('2026-03-02T11:00:00Z'));
    expect((await db().execute(sql`select 1 from usage_records where resource_id = ${id}`)).rows).toHaveLength(3);

    expect((await wallet(apiKey)).balance).toBe(50_000);
    clock.set('2026-03-03T00:05:00Z');
    await t.deps.metering.run();
    const expected = Math.floor((3 * hourlyMilliOf(DEFAULT_MONTHLY_PRICES_RWF['S-1C-1G']!)) / 1000);
    expect((await wallet(apiKey)).balance).toBe(50_000 - expected);
    await t.deps.metering.run();
    expect((await wallet(apiKey)).balance).toBe(50_000 - expected);
  });

  it('refuses a create the balance cannot fund for its first day', async () => {
    const { apiKey, teamId } = await seed();
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 50, reason: 'test funds', staff: 'test', kind: 'credit' });
    const res = await create(apiKey, 'S-2C-4G');
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('INSUFFICIENT_BALANCE');
  });

  it('moves an unpaid team through past due, suspension and a staff-decided termination proposal; a top-up lifts it and restarts its computes', async () => {
    clock.set('2026-04-01T08:00:00Z');
    const { apiKey, teamId } = await seed();
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 300, reason: 'test funds', staff: 'test', kind: 'credit' });
    const res = await create(apiKey);
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().data.id as string;
    await drain();
    expect(await state(apiKey, id)).toBe('RUNNING');

    // Two days of usage (~460 RWF) against 300 RWF: the daily debit takes the balance below zero.
    for (const day of ['2026-04-02T00:10:00Z', '2026-04-03T00:10:00Z']) {
      clock.set(day);
      await t.deps.metering.run();
    }
    expect(await wallet(apiKey)).toMatchObject({ state: 'PAST_DUE' });
    expect((await wallet(apiKey)).balance).toBeLessThan(0);
    const refused = await create(apiKey);
    expect(refused.json().code).toBe('TEAM_PAST_DUE');
    const mails = async (template: string) => Number((await db().execute<{ n: number }>(sql`select count(*)::int as n from notifications where team_id = ${teamId} and template = ${template}`)).rows[0]!.n);
    expect(await mails('billing-past-due')).toBe(1);

    clock.advance(2 * DAY + MINUTE);
    expect((await t.deps.dunning.run()).suspended).toBeGreaterThanOrEqual(1);
    await drain();
    expect(await wallet(apiKey)).toMatchObject({ state: 'SUSPENDED' });
    expect(await state(apiKey, id)).toBe('STOPPED');
    expect((await create(apiKey)).json().code).toBe('TEAM_SUSPENDED');
    expect(await mails('billing-suspended')).toBe(1);

    clock.advance(3 * DAY + MINUTE);
    await t.deps.dunning.run();
    expect(await wallet(apiKey)).toMatchObject({ state: 'TERMINATION_PROPOSED' });
    const proposal = (await t.app.inject({ url: '/api/v1/billing/termination-proposal', headers: auth(apiKey) })).json().data;
    expect(proposal).toMatchObject({ status: 'PROPOSED' });
    // Nothing more happens on its own, however long it waits: a person must decide.
    clock.advance(30 * DAY);
    await t.deps.dunning.run();
    expect(await wallet(apiKey)).toMatchObject({ state: 'TERMINATION_PROPOSED' });
    const review = await t.app.inject({ method: 'POST', url: '/api/v1/billing/termination-proposal/review', headers: auth(apiKey), payload: { note: 'Our payment is on its way.' } });
    expect(review.statusCode, review.body).toBe(200);

    // A top-up lifts everything and brings the compute back.
    const topUp = (await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: { ...auth(apiKey), 'idempotency-key': crypto.randomUUID() }, payload: { amount: 20_000 } })).json().data;
    sandbox.controls.pay(topUp.invoiceNumber);
    await sandbox.controls.flush();
    expect(await wallet(apiKey)).toMatchObject({ state: 'ACTIVE' });
    await drain();
    expect(await state(apiKey, id)).toBe('RUNNING');
    expect((await t.app.inject({ url: '/api/v1/billing/termination-proposal', headers: auth(apiKey) })).json().data).toMatchObject({ status: 'WITHDRAWN' });
  });

  it('terminates only when a staff member approves the proposal', async () => {
    clock.set('2026-06-01T08:00:00Z');
    const { apiKey, teamId } = await seed();
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 300, reason: 'test funds', staff: 'test', kind: 'credit' });
    const id = (await create(apiKey)).json().data.id as string;
    await drain();
    for (const day of ['2026-06-02T00:10:00Z', '2026-06-03T00:10:00Z']) {
      clock.set(day);
      await t.deps.metering.run();
    }
    clock.advance(2 * DAY + MINUTE);
    await t.deps.dunning.run();
    await drain();
    clock.advance(3 * DAY + MINUTE);
    await t.deps.dunning.run();
    const [open] = (await t.deps.dunning.openProposals()).filter((p) => p.teamId === teamId);
    expect(open).toBeDefined();
    await expect(t.deps.dunning.decide(open!.id, { approve: true, staff: '', note: 'x' })).rejects.toThrow(/staff member/);
    await t.deps.dunning.decide(open!.id, { approve: true, staff: 'Aline (billing)', note: 'No answer for 35 days.' });
    expect(await wallet(apiKey)).toMatchObject({ state: 'TERMINATED' });
    expect((await create(apiKey)).json().code).toBe('TEAM_TERMINATED');
    await drain();
    expect(await state(apiKey, id)).toBe('DESTROYED');
  });
  it('alerts once per crossing of the low-balance threshold, by e-mail and SMS, and again after a top-up and a new crossing', async () => {
    clock.set('2026-07-01T08:00:00Z');
    const { apiKey, teamId } = await seed();
    await grantCredit(db(), t.deps.ledger, { teamId, amount: 2_400, reason: 'test funds', staff: 'test', kind: 'credit' });
    const settings = await t.app.inject({ method: 'PATCH', url: '/api/v1/billing/settings', headers: auth(apiKey), payload: { lowBalanceThreshold: 2_350 } });
    expect(settings.statusCode, settings.body).toBe(200);
    const res = await create(apiKey, 'S-1C');
    expect(res.statusCode, res.body).toBe(202);
    await drain();
    const alerts = async () =>
      (await db().execute<{ template: string }>(sql`select template from notifications where team_id = ${teamId} and template in ('low-balance', 'low-balance-sms') order by created_at`)).rows.map((r) => r.template);
    // Day 1: 16 hours (~88 RWF) take 2,400 below 2,350: one e-mail and one SMS.
    clock.set('2026-07-02T00:10:00Z');
    await t.deps.metering.run();
    expect(await alerts()).toEqual(['low-balance', 'low-balance-sms']);
    // Day 2: still below: nothing more.
    clock.set('2026-07-03T00:10:00Z');
    await t.deps.metering.run();
    expect(await alerts()).toHaveLength(2);
    // A top-up lifts it above the threshold and clears the mark; the next crossing alerts again.
    const topUp = (await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: { ...auth(apiKey), 'idempotency-key': crypto.randomUUID() }, payload: { amount: 1_000 } })).json().data;
    sandbox.controls.pay(topUp.invoiceNumber);
    await sandbox.controls.flush();
    expect((await wallet(apiKey)).balance).toBeGreaterThan(2_350);
    expect(await alerts()).toHaveLength(2);
    for (const day of ['2026-07-04T00:10:00Z', '2026-07-05T00:10:00Z', '2026-07-06T00:10:00Z', '2026-07-07T00:10:00Z', '2026-07-08T00:10:00Z', '2026-07-09T00:10:00Z', '2026-07-10T00:10:00Z', '2026-07-11T00:10:00Z']) {
      clock.set(day);
      await t.deps.metering.run();
      if ((await wallet(apiKey)).balance < 2_350) break;
    }
    expect(await alerts()).toEqual(['low-balance', 'low-balance-sms', 'low-balance', 'low-balance-sms']);
  });

  it('rewards a referral once, on both sides, when the newcomer\'s top-ups reach the threshold', async () => {
    clock.set('2026-08-01T08:00:00Z');
    const referrer = await seed();
    const code = (await t.app.inject({ url: '/api/v1/me/referral', headers: auth(referrer.apiKey) })).json().data.code as string;
    const newcomer = await seed();
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/me/referral/claim', headers: auth(referrer.apiKey), payload: { code } })).json().code).toBe('CONFLICT');
    const claimed = await t.app.inject({ method: 'POST', url: '/api/v1/me/referral/claim', headers: auth(newcomer.apiKey), payload: { code } });
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/me/referral/claim', headers: auth(newcomer.apiKey), payload: { code } })).statusCode).toBe(409);
    const pay = async (amount: number) => {
      const topUp = (await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: { ...auth(newcomer.apiKey), 'idempotency-key': crypto.randomUUID() }, payload: { amount } })).json().data;
      sandbox.controls.pay(topUp.invoiceNumber);
      await sandbox.controls.flush();
    };
    await pay(20_000);
    expect((await wallet(newcomer.apiKey)).balance).toBe(20_000);
    expect((await wallet(referrer.apiKey)).balance).toBe(0);
    await pay(5_000); // 25,000 in all: both get 25,000, once
    expect((await wallet(newcomer.apiKey)).balance).toBe(25_000 + 25_000);
    expect((await wallet(referrer.apiKey)).balance).toBe(25_000);
    await pay(5_000);
    expect((await wallet(newcomer.apiKey)).balance).toBe(30_000 + 25_000);
    expect((await wallet(referrer.apiKey)).balance).toBe(25_000);
    expect((await t.app.inject({ url: '/api/v1/me/referral', headers: auth(referrer.apiKey) })).json().data).toMatchObject({ referred: 1, rewarded: 1 });
    expect(await t.deps.ledger.check(db())).toEqual({ unbalanced: [], mismatched: [] });
  });
});
