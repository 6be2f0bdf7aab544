import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIremboPay } from '../../src/modules/billing/irembopay/signature.ts';
import { startIremboPaySandbox, type IremboPaySandbox } from '../../src/modules/billing/irembopay/sandbox.ts';
import { MINUTE, ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';

const SECRET = 'test-irembopay-secret';

describe(`billing: top-ups through IremboPay (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let sandbox: IremboPaySandbox;
  let clock: ManualClock;
  let base: string;

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    sandbox = await startIremboPaySandbox({ secretKey: SECRET, clock, retryDelayMs: 20, maxAttempts: 2 });
    t = await startTestPlatform({ IREMBOPAY_BASE_URL: sandbox.baseUrl, IREMBOPAY_SECRET_KEY: SECRET }, { clock });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    sandbox.controls.setCallbackUrl(`${base}/webhooks/irembopay`);
  });
  afterAll(async () => {
    await sandbox?.close();
    await t?.close();
  });

  async function seed(email = `payer-${crypto.randomUUID()}@example.rw`) {
    const res = await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: { email, name: 'Payer Person' } });
    expect(res.statusCode).toBe(200);
    return res.json() as { userId: string; teamId: string; apiKey: string };
  }
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const balance = async (key: string) => (await t.app.inject({ url: '/api/v1/billing/balance', headers: auth(key) })).json().data.balance as number;
  async function topUp(key: string, amount: number, extra: Record<string, unknown> = {}) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: { ...auth(key), 'idempotency-key': crypto.randomUUID() }, payload: { amount, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; invoiceNumber: string; transactionId: string; paymentLinkUrl: string; amount: number; status: string };
  }
  function notification(inv: { invoiceNumber: string; transactionId: string }, amount: number, overrides: Record<string, unknown> = {}) {
    return JSON.stringify({
      success: true,
      data: { amount, invoiceNumber: inv.invoiceNumber, transactionId: inv.transactionId, paymentStatus: 'PAID', currency: 'RWF', paymentMethod: 'MTN_MOMO', paidAt: '2026-11-27T10:00:00.000+02', createdAt: '2026-11-27T09:59:00.000+02', updatedAt: '2026-11-27T10:00:00.000+02', ...overrides },
    });
  }
  const deliver = (body: string, signature: string) =>
    t.app.inject({ method: 'POST', url: '/webhooks/irembopay', headers: { 'content-type': 'application/json', 'irembopay-signature': signature }, payload: body });

  it('starts at zero RWF in the ACTIVE state', async () => {
    const { apiKey } = await seed();
    const res = await t.app.inject({ url: '/api/v1/billing/balance', headers: auth(apiKey) });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ balance: 0, currency: 'RWF', state: 'ACTIVE' });
  });

  it('answers a hosted checkout link, and a sandbox payment credits the wallet once with a payment-received e-mail', async () => {
    const { apiKey } = await seed();
    const inv = await topUp(apiKey, 10_000);
    expect(inv).toMatchObject({ amount: 10_000, status: 'PENDING', invoiceNumber: expect.stringMatching(/^\d{12}$/), paymentLinkUrl: expect.stringMatching(/^http/) });
    sandbox.controls.duplicates(3);
    sandbox.controls.pay(inv.invoiceNumber, 'AIRTEL_MONEY');
    await sandbox.controls.flush();
    sandbox.controls.reset();
    expect(await balance(apiKey)).toBe(10_000);
    const listed = (await t.app.inject({ url: '/api/v1/billing/top-ups', headers: auth(apiKey) })).json().data;
    expect(listed[0]).toMatchObject({ id: inv.id, status: 'PAID', paymentMethod: 'AIRTEL_MONEY' });
    const mails = (await t.app.inject({ url: '/api/dev/mail' })).json().data as { subject: string; to: string }[];
    // The delivery job has not run in this test; the outbox holds the message.
    const queued = await t.deps.database.db.execute<{ n: number }>(sql`select count(*)::int as n from notifications where template = 'payment-received'`);
    expect(Number(queued.rows[0]!.n) + mails.filter((m) => m.subject.startsWith('Payment received')).length).toBeGreaterThanOrEqual(1);
    const tx = (await t.app.inject({ url: '/api/v1/billing/transactions', headers: auth(apiKey) })).json().data;
    expect(tx).toEqual([expect.objectContaining({ kind: 'top_up', amount: 10_000 })]);
  });

  it('credits once when 1,000 copies of one signed notification arrive at the same time', async () => {
    const { apiKey } = await seed();
    const inv = await topUp(apiKey, 5_000);
    const body = notification(inv, 5_000);
    const signature = signIremboPay(SECRET, body, clock.now().getTime());
    const answers = await Promise.all(Array.from({ length: 1000 }, () => deliver(body, signature)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(answers.filter((a) => a.json().outcome === 'credited')).toHaveLength(1);
    expect(await balance(apiKey)).toBe(5_000);
  });

  it('credits nothing for a forged signature, a timestamp 6 minutes old, a modified body or a wrong amount', async () => {
    const { apiKey, teamId } = await seed();
    const inv = await topUp(apiKey, 7_000);
    const body = notification(inv, 7_000);
    const forged = await deliver(body, signIremboPay('not-our-secret', body, clock.now().getTime()));
    expect(forged.statusCode).toBe(401);
    const stale = await deliver(body, signIremboPay(SECRET, body, clock.now().getTime() - 6 * MINUTE));
    expect(stale.statusCode).toBe(401);
    const modified = await deliver(body.replace('7000', '70000'), signIremboPay(SECRET, body, clock.now().getTime()));
    expect(modified.statusCode).toBe(401);
    const wrongAmount = notification(inv, 700);
    const wrong = await deliver(wrongAmount, signIremboPay(SECRET, wrongAmount, clock.now().getTime()));
    expect(wrong.statusCode).toBe(422);
    expect(await balance(apiKey)).toBe(0);
    const flagged = await t.deps.database.db.execute<{ kind: string }>(sql`select kind from billing_review_items where team_id = ${teamId}`);
    expect(flagged.rows.map((r) => r.kind)).toEqual(['AMOUNT_MISMATCH']);
  });

  it('refuses and flags a notification for an invoice we never created', async () => {
    const body = notification({ invoiceNumber: '999999999999', transactionId: 'TOPUP-NOT-OURS' }, 1_000);
    const res = await deliver(body, signIremboPay(SECRET, body, clock.now().getTime()));
    expect(res.statusCode).toBe(404);
    const flagged = await t.deps.database.db.execute<{ kind: string }>(sql`select kind from billing_review_items where reference = '999999999999'`);
    expect(flagged.rows.map((r) => r.kind)).toEqual(['UNKNOWN_INVOICE']);
  });

  it('a payment whose notification never arrives is credited once by reconciliation', async () => {
    const { apiKey } = await seed();
    const inv = await topUp(apiKey, 12_000);
    sandbox.controls.failNext(10);
    sandbox.controls.pay(inv.invoiceNumber);
    await sandbox.controls.flush();
    sandbox.controls.reset();
    expect(await balance(apiKey)).toBe(0);
    clock.advance(2 * MINUTE);
    const first = await t.deps.billing.reconcile();
    expect(first.credited).toBe(1);
    clock.advance(2 * MINUTE);
    await t.deps.billing.reconcile();
    expect(await balance(apiKey)).toBe(12_000);
  });

  it('a crash between receiving the notification and crediting leaves nothing half-done, and reconciliation heals it', async () => {
    const { apiKey, teamId } = await seed();
    const inv = await topUp(apiKey, 9_000);
    // The transaction that credits fails half-way (after the ledger entries are written).
    const ledger = t.deps.ledger;
    const post = ledger.post.bind(ledger);
    ledger.post = async (ex, input) => {
      const result = await post(ex, input);
      throw new Error('process died');
      return result;
    };
    try {
      sandbox.controls.pay(inv.invoiceNumber);
      await sandbox.controls.flush();
    } finally {
      ledger.post = post;
      sandbox.controls.reset();
    }
    expect(await balance(apiKey)).toBe(0);
    const entries = await t.deps.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ledger_entries where team_id = ${teamId}`);
    expect(Number(entries.rows[0]!.n)).toBe(0);
    clock.advance(2 * MINUTE);
    await t.deps.billing.reconcile();
    clock.advance(2 * MINUTE);
    await t.deps.billing.reconcile();
    expect(await balance(apiKey)).toBe(9_000);
  });

  it('keeps no mobile-money number anywhere in the database after a push payment', async () => {
    const { apiKey } = await seed();
    const phone = '0788123456';
    await topUp(apiKey, 3_000, { mobileMoney: { phone } });
    await sandbox.controls.flush();
    expect(await balance(apiKey)).toBe(3_000);
    const tables = await t.deps.database.db.execute<{ table_name: string }>(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    for (const { table_name } of tables.rows) {
      const hit = await t.deps.database.db.execute(sql.raw(`select 1 from "${table_name}" t where t::text like '%788123456%' limit 1`));
      expect(hit.rows, table_name).toHaveLength(0);
    }
  });

  it('refuses amounts outside the limits or not whole francs', async () => {
    const { apiKey } = await seed();
    const headers = () => ({ ...auth(apiKey), 'idempotency-key': crypto.randomUUID() });
    const low = await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: headers(), payload: { amount: 10 } });
    expect(low.statusCode).toBe(400);
    expect(low.json().code).toBe('VALIDATION_ERROR');
    const fractional = await t.app.inject({ method: 'POST', url: '/api/v1/billing/top-ups', headers: headers(), payload: { amount: 1000.5 } });
    expect(fractional.statusCode).toBe(400);
  });
});
