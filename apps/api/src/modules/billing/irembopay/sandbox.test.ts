import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.ts';
import { IremboPayClient, parseIremboPayNotification, type IremboPayInvoice } from './client.ts';
import { IREMBOPAY_SANDBOX_PREFIX, registerIremboPaySandbox, startIremboPaySandbox, type IremboPaySandbox, type IremboPaySandboxOptions } from './sandbox.ts';
import { verifyIremboPaySignature } from './signature.ts';
import { startReceiver, type NotificationReceiver } from './test-helpers.ts';

const secretKey = 'sk_test_sandbox_0001';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(options: Partial<IremboPaySandboxOptions> = {}) {
  const clock = new ManualClock('2026-11-27T08:00:00Z');
  const receiver = await startReceiver();
  closers.push(() => receiver.close());
  const sandbox = await startIremboPaySandbox({ secretKey, clock, callbackUrl: receiver.url, pushApprovalMs: 20, retryDelayMs: 10, ...options });
  closers.push(() => sandbox.close());
  const client = new IremboPayClient({ baseUrl: sandbox.baseUrl, secretKey, paymentAccountIdentifier: 'TST-RWF', productCode: 'PC-topup' });
  const invoice = (amount = 5000) =>
    client.createInvoice({
      transactionId: `TOPUP-${crypto.randomUUID()}`,
      amount,
      description: 'Prepaid balance top-up',
      expiryAt: new Date('2026-11-28T08:00:00Z'),
      language: 'EN',
      customer: { email: 'ada@example.rw', phoneNumber: '0788123456', name: 'Ada Uwase' },
    });
  return { clock, receiver, sandbox, client, invoice };
}

async function pay(sandbox: IremboPaySandbox, invoiceNumber: string, body?: unknown) {
  const res = await fetch(`${sandbox.baseUrl}/invoices/${invoiceNumber}/pay`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { success: boolean; data?: Record<string, unknown>; errors?: Array<{ code: string }> } };
}

/** Invoice numbers in the order the receiver got them. */
const arrivals = (receiver: NotificationReceiver) => receiver.received.map((r) => parseIremboPayNotification(r.body).data.invoiceNumber);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('IremboPay sandbox: control path', () => {
  it('pays and delivers exactly one signed notification with the invoice fields', async () => {
    const { sandbox, receiver, client, clock, invoice } = await setup();
    const created = await invoice(7000);
    clock.advance(60_000);

    const paid = await pay(sandbox, created.invoiceNumber, { paymentMethod: 'AIRTEL_MONEY' });
    expect(paid.status).toBe(200);
    expect(paid.body.data).toMatchObject({ invoiceNumber: created.invoiceNumber, paymentStatus: 'PAID', paymentMethod: 'AIRTEL_MONEY', paidAt: '2026-11-27T10:01:00.000+02' });

    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(1);
    const { body, signature } = receiver.received[0]!;
    expect(signature).toMatch(new RegExp(`^t=${clock.now().getTime()},s=[0-9a-f]{64}$`));
    expect(verifyIremboPaySignature(body, signature, secretKey, clock.now().getTime())).toEqual({ ok: true });
    const envelope = JSON.parse(body) as { success: boolean; data: Record<string, unknown> };
    expect(envelope).toEqual({
      success: true,
      data: expect.objectContaining({
        invoiceNumber: created.invoiceNumber,
        transactionId: created.transactionId,
        paymentStatus: 'PAID',
        amount: 7000,
        currency: 'RWF',
        paymentMethod: 'AIRTEL_MONEY',
        paymentReference: expect.stringMatching(/^SBX-/),
        createdAt: '2026-11-27T10:00:00.000+02',
        updatedAt: '2026-11-27T10:01:00.000+02',
        paidAt: '2026-11-27T10:01:00.000+02',
      }),
    });
    // The customer stays in the sandbox's memory: the notification does not carry it.
    expect(body).not.toMatch(/customer|ada@example\.rw|0788123456/);
    expect(sandbox.controls.deliveries).toEqual([expect.objectContaining({ invoiceNumber: created.invoiceNumber, copy: 1, attempt: 1, status: 200, url: receiver.url })]);

    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ paymentStatus: 'PAID', paymentReference: envelope.data.paymentReference });
  });

  it('pays with MTN MoMo by default; refuses a paid, unknown or expired invoice and a bad method', async () => {
    const { sandbox, receiver, invoice } = await setup();
    const created = await invoice();
    expect((await pay(sandbox, created.invoiceNumber, { paymentMethod: 'CASH' })).status).toBe(400);
    const first = await pay(sandbox, created.invoiceNumber);
    expect([first.status, first.body.data?.paymentMethod]).toEqual([200, 'MTN_MOMO']);
    const again = await pay(sandbox, created.invoiceNumber);
    expect([again.status, again.body.errors?.[0]?.code]).toEqual([409, 'INVOICE_ALREADY_PAID']);
    const unknown = await pay(sandbox, '999999999999');
    expect([unknown.status, unknown.body.errors?.[0]?.code]).toEqual([404, 'INVOICE_NOT_FOUND']);
    const expiring = await invoice();
    sandbox.controls.expire(expiring.invoiceNumber);
    const expired = await pay(sandbox, expiring.invoiceNumber);
    expect([expired.status, expired.body.errors?.[0]?.code]).toEqual([400, 'INVOICE_EXPIRED']);

    await sandbox.controls.flush();
    expect(arrivals(receiver)).toEqual([created.invoiceNumber]);
  });

  it('retries a refused delivery with backoff, a bounded number of times', async () => {
    const { sandbox, receiver, invoice } = await setup({ maxAttempts: 3 });
    receiver.answer(500, 503);
    const a = await invoice();
    await pay(sandbox, a.invoiceNumber);
    await sandbox.controls.flush();
    expect(sandbox.controls.deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    expect(receiver.received).toHaveLength(3);

    receiver.answer(500, 500, 500, 500);
    const b = await invoice();
    await pay(sandbox, b.invoiceNumber);
    await sandbox.controls.flush();
    expect(sandbox.controls.deliveries.filter((d) => d.invoiceNumber === b.invoiceNumber).map((d) => d.status)).toEqual([500, 500, 500]);
  });
});

describe('IremboPay sandbox: fault switches', () => {
  it('duplicates: delivers each notification n times, each signed', async () => {
    const { sandbox, receiver, invoice, clock } = await setup();
    sandbox.controls.duplicates(3);
    const created = await invoice();
    await pay(sandbox, created.invoiceNumber);
    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    for (const r of receiver.received) expect(verifyIremboPaySignature(r.body, r.signature, secretKey, clock.now().getTime())).toEqual({ ok: true });
    expect(sandbox.controls.deliveries.map((d) => d.copy).sort()).toEqual([1, 2, 3]);

    sandbox.controls.reset();
    const next = await invoice();
    await pay(sandbox, next.invoiceNumber);
    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(4);
  });

  it('delay: holds the first try back', async () => {
    const { sandbox, receiver, invoice } = await setup();
    sandbox.controls.delay(400);
    const created = await invoice();
    const started = Date.now();
    await pay(sandbox, created.invoiceNumber);
    await pause(100);
    expect(receiver.received).toHaveLength(0);
    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('reorder: holds notifications until flush, then delivers the newest first', async () => {
    const { sandbox, receiver, invoice } = await setup();
    sandbox.controls.reorder();
    const [a, b, c] = [await invoice(), await invoice(), await invoice()];
    for (const i of [a, b, c]) await pay(sandbox, i.invoiceNumber);
    await pause(50);
    expect(receiver.received).toHaveLength(0);
    await sandbox.controls.flush();
    expect(arrivals(receiver)).toEqual([c.invoiceNumber, b.invoiceNumber, a.invoiceNumber]);
  });

  it('failNext: drops tries without sending them; retries deliver, or give up when all are dropped', async () => {
    const { sandbox, receiver, invoice } = await setup({ maxAttempts: 4 });
    sandbox.controls.failNext(2);
    const a = await invoice();
    await pay(sandbox, a.invoiceNumber);
    await sandbox.controls.flush();
    expect(sandbox.controls.deliveries.map((d) => [d.attempt, d.status, d.failure])).toEqual([
      [1, null, 'dropped'],
      [2, null, 'dropped'],
      [3, 200, undefined],
    ]);
    expect(receiver.received).toHaveLength(1);

    sandbox.controls.failNext(10);
    const b = await invoice();
    await pay(sandbox, b.invoiceNumber);
    await sandbox.controls.flush();
    expect(sandbox.controls.deliveries.filter((d) => d.invoiceNumber === b.invoiceNumber)).toHaveLength(4);
    expect(arrivals(receiver)).toEqual([a.invoiceNumber]);
  });

  it('delivers to a callback URL set later', async () => {
    const { sandbox, receiver, invoice } = await setup({ callbackUrl: undefined, maxAttempts: 1 });
    const a = await invoice();
    await pay(sandbox, a.invoiceNumber);
    await sandbox.controls.flush();
    expect(sandbox.controls.deliveries).toEqual([expect.objectContaining({ failure: 'no_callback_url', status: null })]);
    sandbox.controls.setCallbackUrl(receiver.url);
    const b = await invoice();
    await pay(sandbox, b.invoiceNumber);
    await sandbox.controls.flush();
    expect(arrivals(receiver)).toEqual([b.invoiceNumber]);
  });
});

describe('IremboPay sandbox: API edges', () => {
  const call = async (sandbox: IremboPaySandbox, method: string, path: string, body?: unknown, key = secretKey) => {
    const res = await fetch(`${sandbox.baseUrl}${path}`, {
      method,
      headers: { 'irembopay-secretkey': key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { success: boolean; data?: Record<string, unknown>; errors?: Array<{ code: string; detail: string }> } };
  };

  it('refuses missing fields and bad JSON with 400, and a missing key with 401', async () => {
    const { sandbox } = await setup();
    const valid = { transactionId: 'T-1', paymentAccountIdentifier: 'TST-RWF', paymentItems: [{ code: 'PC-topup', quantity: 1, unitAmount: 5000 }] };
    for (const body of [{ ...valid, transactionId: undefined }, { ...valid, paymentItems: [] }, { ...valid, paymentItems: [{ code: 'PC-topup', quantity: 0, unitAmount: 5 }] }, { ...valid, expiryAt: 'tomorrow' }, '{']) {
      const res = await call(sandbox, 'POST', '/payments/invoices', body);
      expect([res.status, res.body.success, res.body.errors?.[0]?.code]).toEqual([400, false, 'BAD_DATA']);
    }
    const noKey = await fetch(`${sandbox.baseUrl}/payments/invoices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
    expect([noKey.status, ((await noKey.json()) as { errors: Array<{ code: string }> }).errors[0]!.code]).toEqual([401, 'AUTHENTICATION_FAILED']);
    expect((await call(sandbox, 'POST', '/payments/invoices', valid)).status).toBe(201);
  });

  it('updates the expiry and items of an unpaid invoice (PUT), not of a paid one', async () => {
    const { sandbox, client, invoice } = await setup();
    const created = await invoice(5000);
    const res = await call(sandbox, 'PUT', `/payments/invoices/${created.invoiceNumber}`, {
      expiryAt: '2026-11-29T10:00:00.000+02',
      paymentItems: [{ code: 'PC-topup', quantity: 2, unitAmount: 3000 }],
    });
    expect(res.status).toBe(200);
    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ amount: 6000, expiryAt: new Date('2026-11-29T08:00:00Z') });
    sandbox.controls.pay(created.invoiceNumber);
    const paid = await call(sandbox, 'PUT', `/payments/invoices/${created.invoiceNumber}`, { expiryAt: '2026-11-30T10:00:00+02:00' });
    expect([paid.status, paid.body.errors?.[0]?.code]).toEqual([400, 'INVOICE_ALREADY_PAID']);
    expect((await call(sandbox, 'PUT', '/payments/invoices/999999999999', {})).status).toBe(404);
  });

  it('expire moves the expiry to now', async () => {
    const { sandbox, client, clock, invoice } = await setup();
    const created = await invoice();
    sandbox.controls.expire(created.invoiceNumber);
    expect((await client.getInvoice(created.invoiceNumber))?.expiryAt).toEqual(clock.now());
    expect(() => sandbox.controls.expire('999999999999')).toThrow();
  });
});

describe('IremboPay sandbox: hosted checkout', () => {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  async function page(url: string, init?: RequestInit) {
    const res = await fetch(url, init);
    return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
  }

  it('shows the amount in RWF and the three methods, as a plain form without scripts', async () => {
    const { sandbox, invoice } = await setup();
    const created: IremboPayInvoice = await invoice(25_000);
    const res = await page(created.paymentLinkUrl);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.html).toContain('25,000 RWF');
    for (const label of ['MTN MoMo', 'Airtel Money', 'Card']) expect(res.html).toContain(`>${label}</label>`);
    expect(res.html).toContain(`<form method="post" action="/checkout/${created.invoiceNumber}/pay">`);
    expect(res.html).toMatch(/<button[^>]*value="pay"[^>]*>Pay 25,000 RWF<\/button>/);
    expect(res.html).toMatch(/<button[^>]*value="fail"[^>]*>Fail payment<\/button>/);
    expect(res.html).not.toMatch(/<script|onclick=|javascript:/i);
    expect(res.html).not.toMatch(/ada@example\.rw|0788123456|Ada Uwase/);
    expect((await page(`${sandbox.baseUrl}/checkout/999999999999`)).status).toBe(404);
  });

  it('Pay marks the invoice paid, notifies once, and links back to a same-origin returnUrl only', async () => {
    const { sandbox, receiver, client, invoice } = await setup();
    const created = await invoice();
    const returnUrl = `${sandbox.baseUrl}/console/billing?topup=1`;
    const form1 = await page(`${created.paymentLinkUrl}?returnUrl=${encodeURIComponent(returnUrl)}`);
    expect(form1.html).toContain(`<input type="hidden" name="returnUrl" value="${returnUrl.replace('&', '&amp;')}">`);

    const res = await page(`${sandbox.baseUrl}/checkout/${created.invoiceNumber}/pay`, form({ paymentMethod: 'ONLINE_CARD', action: 'pay', returnUrl }));
    expect(res.status).toBe(200);
    expect(res.html).toContain('>Paid</p>');
    expect(res.html).toContain(`<a href="${returnUrl}">Return to the merchant</a>`);
    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ paymentStatus: 'PAID', paymentMethod: 'ONLINE_CARD' });

    // Pressing Pay again shows it paid and charges nothing more.
    expect((await page(`${sandbox.baseUrl}/checkout/${created.invoiceNumber}/pay`, form({ paymentMethod: 'ONLINE_CARD', action: 'pay' }))).html).toContain('>Paid</p>');
    const after = await page(created.paymentLinkUrl);
    expect(after.html).toContain('>Paid</p>');
    expect(after.html).not.toContain('<form');
    await sandbox.controls.flush();
    expect(arrivals(receiver)).toEqual([created.invoiceNumber]);

    for (const foreign of ['https://evil.example/steal', '//evil.example/x', 'javascript:alert(1)']) {
      const other = await invoice();
      const shown = await page(`${other.paymentLinkUrl}?returnUrl=${encodeURIComponent(foreign)}`);
      expect(shown.html).not.toContain('name="returnUrl"');
      const done = await page(`${sandbox.baseUrl}/checkout/${other.invoiceNumber}/pay`, form({ paymentMethod: 'MTN_MOMO', action: 'pay', returnUrl: foreign }));
      expect(done.html).toContain('>Paid</p>');
      expect(done.html).not.toContain('Return to the merchant');
    }
  });

  it('Fail payment leaves the invoice unpaid and sends nothing; an expired invoice cannot be paid', async () => {
    const { sandbox, receiver, client, invoice } = await setup();
    const created = await invoice();
    const failed = await page(`${sandbox.baseUrl}/checkout/${created.invoiceNumber}/pay`, form({ paymentMethod: 'MTN_MOMO', action: 'fail' }));
    expect(failed.html).toContain('Payment failed');
    expect(failed.html).toContain(`<a href="/checkout/${created.invoiceNumber}">Try again</a>`);
    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ paymentStatus: 'NEW' });
    const noMethod = await page(`${sandbox.baseUrl}/checkout/${created.invoiceNumber}/pay`, form({ action: 'pay' }));
    expect([noMethod.status, noMethod.html.includes('role="alert">Choose how to pay')]).toEqual([400, true]);
    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ paymentStatus: 'NEW' });

    sandbox.controls.expire(created.invoiceNumber);
    const shown = await page(created.paymentLinkUrl);
    expect([shown.status, shown.html.includes('Invoice expired'), shown.html.includes('<form')]).toEqual([410, true, false]);
    const tried = await page(`${sandbox.baseUrl}/checkout/${created.invoiceNumber}/pay`, form({ paymentMethod: 'MTN_MOMO', action: 'pay' }));
    expect(tried.status).toBe(410);
    expect(await client.getInvoice(created.invoiceNumber)).toMatchObject({ paymentStatus: 'NEW' });
    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(0);
  });
});

describe('IremboPay sandbox mounted on an app', () => {
  it('serves under /sandbox/irembopay, stays out of the OpenAPI document and leaves the app’s JSON parsing alone', async () => {
    const receiver = await startReceiver();
    closers.push(() => receiver.close());
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
    app.post('/api/v1/echo', async (req) => ({ got: req.body }));
    const publicBaseUrl = `https://cloud.example.rw${IREMBOPAY_SANDBOX_PREFIX}`;
    const controls = registerIremboPaySandbox(app, { secretKey, publicBaseUrl, callbackUrl: receiver.url, retryDelayMs: 10 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const client = new IremboPayClient({ baseUrl: `${origin}${IREMBOPAY_SANDBOX_PREFIX}`, secretKey, paymentAccountIdentifier: 'TST-RWF', productCode: 'PC-topup' });
    const created = await client.createInvoice({ transactionId: 'TOPUP-embedded', amount: 3000, description: 'Top-up', expiryAt: new Date(Date.now() + 3_600_000), language: 'RW' });
    expect(created.paymentLinkUrl).toBe(`${publicBaseUrl}/checkout/${created.invoiceNumber}`);

    const checkout = await fetch(`${origin}${IREMBOPAY_SANDBOX_PREFIX}/checkout/${created.invoiceNumber}`);
    expect(await checkout.text()).toContain(`action="${IREMBOPAY_SANDBOX_PREFIX}/checkout/${created.invoiceNumber}/pay"`);
    const paid = await fetch(`${origin}${IREMBOPAY_SANDBOX_PREFIX}/checkout/${created.invoiceNumber}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'paymentMethod=AIRTEL_MONEY&action=pay&returnUrl=%2Fbilling',
    });
    expect(await paid.text()).toContain('<a href="https://cloud.example.rw/billing">Return to the merchant</a>');
    await controls.flush();
    expect(receiver.received).toHaveLength(1);
    expect(verifyIremboPaySignature(receiver.received[0]!.body, receiver.received[0]!.signature, secretKey, Date.now())).toEqual({ ok: true });

    const echo = await fetch(`${origin}/api/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ got: { a: 1 } });
    const paths = Object.keys((app.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
    expect(paths).toContain('/api/v1/echo');
    expect(paths.filter((p) => p.includes('sandbox') || p.includes('checkout') || p.includes('payments'))).toEqual([]);
  });
});
