import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.ts';
import {
  IremboPayClient,
  IremboPayError,
  IremboPayNotificationError,
  parseIremboPayDate,
  parseIremboPayNotification,
  type IremboPayCreateInvoiceInput,
} from './client.ts';
import { startIremboPaySandbox, type IremboPaySandbox } from './sandbox.ts';
import { verifyIremboPaySignature } from './signature.ts';
import { startReceiver, type NotificationReceiver } from './test-helpers.ts';

const secretKey = 'sk_test_client_contract_0001';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Setup {
  sandbox: IremboPaySandbox;
  receiver: NotificationReceiver;
  client: IremboPayClient;
  clock: ManualClock;
  requests: Array<{ url: string; method: string; headers: Headers; body: string | undefined }>;
}

async function setup(): Promise<Setup> {
  const clock = new ManualClock('2026-11-27T08:00:00Z');
  const receiver = await startReceiver();
  closers.push(() => receiver.close());
  const sandbox = await startIremboPaySandbox({ secretKey, clock, callbackUrl: receiver.url, pushApprovalMs: 20, retryDelayMs: 10 });
  closers.push(() => sandbox.close());
  const requests: Setup['requests'] = [];
  const spy: typeof fetch = async (input, init) => {
    requests.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : undefined });
    return fetch(input, init);
  };
  const client = new IremboPayClient({ baseUrl: `${sandbox.baseUrl}/`, secretKey, paymentAccountIdentifier: 'TST-RWF', productCode: 'PC-topup', timeoutMs: 2_000, fetch: spy });
  return { sandbox, receiver, client, clock, requests };
}

const input = (overrides: Partial<IremboPayCreateInvoiceInput> = {}): IremboPayCreateInvoiceInput => ({
  transactionId: `TOPUP-${crypto.randomUUID()}`,
  amount: 5000,
  description: 'Prepaid balance top-up',
  expiryAt: new Date('2026-11-28T08:00:00Z'),
  language: 'EN',
  customer: { email: 'ada@example.rw', phoneNumber: '0788123456', name: 'Ada Uwase' },
  ...overrides,
});

async function failure(p: Promise<unknown>): Promise<IremboPayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IremboPayError);
  const e = err as IremboPayError;
  // Never the key or the customer in a message that may be logged.
  for (const secret of [secretKey, 'ada@example.rw', '0788123456', 'Ada Uwase']) expect(e.message).not.toContain(secret);
  return e;
}

describe('IremboPayClient against the sandbox', () => {
  it('creates an invoice with the configured account and product, and reads it back', async () => {
    const { client, sandbox, clock, requests } = await setup();
    const sent = input();
    const invoice = await client.createInvoice(sent);
    expect(invoice).toEqual({
      invoiceNumber: expect.stringMatching(/^\d{12}$/),
      transactionId: sent.transactionId,
      amount: 5000,
      currency: 'RWF',
      paymentStatus: 'NEW',
      createdAt: clock.now(),
      expiryAt: sent.expiryAt,
      paymentLinkUrl: `${sandbox.baseUrl}/checkout/${invoice.invoiceNumber}`,
    });

    const [create] = requests;
    expect(create!.url).toBe(`${sandbox.baseUrl}/payments/invoices`);
    expect(create!.method).toBe('POST');
    expect([create!.headers.get('irembopay-secretkey'), create!.headers.get('x-api-version'), create!.headers.get('content-type')]).toEqual([
      secretKey,
      '2',
      'application/json',
    ]);
    expect(JSON.parse(create!.body!)).toEqual({
      transactionId: sent.transactionId,
      paymentAccountIdentifier: 'TST-RWF',
      paymentItems: [{ code: 'PC-topup', quantity: 1, unitAmount: 5000 }],
      description: 'Prepaid balance top-up',
      expiryAt: '2026-11-28T10:00:00.000+02:00',
      language: 'EN',
      customer: sent.customer,
    });

    expect(await client.getInvoice(invoice.invoiceNumber)).toEqual(invoice);
    expect(await client.getInvoice(sent.transactionId)).toEqual(invoice);
    expect(await client.getInvoice('000000000000')).toBeNull();
    expect(await client.getInvoice('TOPUP-unknown/../x')).toBeNull();
  });

  it('refuses a wrong secret key with AUTHENTICATION_FAILED, not retryable', async () => {
    const { sandbox } = await setup();
    const wrong = new IremboPayClient({ baseUrl: sandbox.baseUrl, secretKey: 'sk_test_wrong_key_9999', paymentAccountIdentifier: 'TST-RWF', productCode: 'PC-topup' });
    const err = await failure(wrong.createInvoice(input()));
    expect(err).toMatchObject({ status: 401, code: 'AUTHENTICATION_FAILED', retryable: false });
    expect(err.message).not.toContain('sk_test_wrong_key_9999');
    expect((await failure(wrong.getInvoice('123456789012'))).code).toBe('AUTHENTICATION_FAILED');
  });

  it('refuses a second invoice for the same transactionId, and keeps the first', async () => {
    const { client } = await setup();
    const sent = input();
    const first = await client.createInvoice(sent);
    const err = await failure(client.createInvoice({ ...sent, amount: 9000 }));
    expect(err).toMatchObject({ status: 400, code: 'DUPLICATE_TRANSACTION_ID', retryable: false });
    expect(await client.getInvoice(sent.transactionId)).toEqual(first);
  });

  it('refuses an unknown payment account and amounts that are not whole and positive', async () => {
    const { client, sandbox } = await setup();
    const other = new IremboPayClient({ baseUrl: sandbox.baseUrl, secretKey, paymentAccountIdentifier: 'TST-USD', productCode: 'PC-topup' });
    expect(await failure(other.createInvoice(input()))).toMatchObject({ status: 400, code: 'PAYMENT_ACCOUNT_NOT_FOUND' });
    await expect(client.createInvoice(input({ amount: 12.5 }))).rejects.toBeInstanceOf(RangeError);
    await expect(client.createInvoice(input({ amount: 0 }))).rejects.toBeInstanceOf(RangeError);
  });

  it('answers the documented push errors', async () => {
    const { client, sandbox } = await setup();
    const invoice = await client.createInvoice(input());
    const push = (accountIdentifier: string, paymentProvider: 'MTN' | 'AIRTEL', invoiceNumber = invoice.invoiceNumber) =>
      failure(client.initiatePush({ accountIdentifier, paymentProvider, invoiceNumber }));

    expect(await push('', 'MTN')).toMatchObject({ status: 400, code: 'PHONE_NUMBER_MISSING' });
    expect(await push('0788123456', 'ORANGE' as 'MTN')).toMatchObject({ status: 400, code: 'BAD_PAYMENT_PROVIDER' });
    expect(await push('078812345', 'MTN')).toMatchObject({ status: 400, code: 'BAD_PHONE_NUMBER' });
    expect(await push('0788123456', 'AIRTEL')).toMatchObject({ status: 400, code: 'PAYMENT_PROVIDER_ERROR' });
    expect(await push('0731234567', 'MTN')).toMatchObject({ status: 400, code: 'PAYMENT_PROVIDER_ERROR' });
    expect(await push('0788123456', 'MTN', '999999999999')).toMatchObject({ status: 404, code: 'INVOICE_NOT_FOUND' });

    const expiring = await client.createInvoice(input());
    sandbox.controls.expire(expiring.invoiceNumber);
    expect(await push('0788123456', 'MTN', expiring.invoiceNumber)).toMatchObject({ status: 400, code: 'INVOICE_EXPIRED' });

    sandbox.controls.pay(invoice.invoiceNumber);
    expect(await push('0788123456', 'MTN')).toMatchObject({ status: 400, code: 'INVOICE_ALREADY_PAID' });
  });

  it('pays after a push, and the notification is signed with the secret key', async () => {
    const { client, sandbox, receiver, clock } = await setup();
    const sent = input({ amount: 12_000 });
    const invoice = await client.createInvoice(sent);
    const push = await client.initiatePush({ accountIdentifier: '0731234567', paymentProvider: 'AIRTEL', invoiceNumber: invoice.invoiceNumber });
    expect(push).toEqual({ invoiceNumber: invoice.invoiceNumber, paymentProvider: 'AIRTEL', amount: 12_000, referenceId: expect.any(String) });
    expect(push).not.toHaveProperty('accountIdentifier');

    await sandbox.controls.flush();
    expect(receiver.received).toHaveLength(1);
    const [notification] = receiver.received;
    expect(verifyIremboPaySignature(notification!.body, notification!.signature, secretKey, clock.now().getTime())).toEqual({ ok: true });
    expect(verifyIremboPaySignature(notification!.body, notification!.signature, 'sk_test_other', clock.now().getTime())).toEqual({ ok: false, reason: 'mismatch' });
    expect(parseIremboPayNotification(notification!.body)).toEqual({
      success: true,
      data: {
        invoiceNumber: invoice.invoiceNumber,
        transactionId: sent.transactionId,
        amount: 12_000,
        currency: 'RWF',
        paymentStatus: 'PAID',
        paymentMethod: 'AIRTEL_MONEY',
        paymentReference: expect.any(String),
        paidAt: clock.now(),
        createdAt: clock.now(),
        updatedAt: clock.now(),
      },
    });
    expect(await client.getInvoice(invoice.invoiceNumber)).toMatchObject({ paymentStatus: 'PAID', paymentMethod: 'AIRTEL_MONEY', paidAt: clock.now() });
  });
});

describe('IremboPayClient failures', () => {
  const client = (answer: typeof fetch, timeoutMs = 2_000) =>
    new IremboPayClient({ baseUrl: 'http://127.0.0.1:9', secretKey, paymentAccountIdentifier: 'TST-RWF', productCode: 'PC-topup', timeoutMs, fetch: answer });
  const json = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const refusal = (code: string) => ({ success: false, message: `Refused, customer 0788123456 ada@example.rw`, errors: [{ code, detail: 'Customer Ada Uwase 0788123456' }] });

  it('reports 429 and 5xx as retryable, with IremboPay code or the status', async () => {
    expect(await failure(client(json(429, refusal('TOO_MANY_REQUESTS'))).getInvoice('1'))).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS', retryable: true });
    expect(await failure(client(json(503, refusal('SERVICE_UNAVAILABLE'))).getInvoice('1'))).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryable: true });
    const html = async () => new Response('<html>Bad gateway</html>', { status: 502 });
    expect(await failure(client(html).getInvoice('1'))).toMatchObject({ status: 502, code: 'HTTP_502', retryable: true });
    expect(await failure(client(json(400, refusal('BAD_CUSTOMER_CONTACT'))).createInvoice(input()))).toMatchObject({ status: 400, code: 'BAD_CUSTOMER_CONTACT', retryable: false });
    // A "code" that is not an identifier is not repeated.
    expect(await failure(client(json(400, refusal('call 0788123456'))).createInvoice(input()))).toMatchObject({ code: 'HTTP_400', retryable: false });
  });

  it('reports network failures and timeouts as retryable', async () => {
    const refused = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    expect(await failure(client(refused).createInvoice(input()))).toMatchObject({ status: undefined, code: 'NETWORK', retryable: true });
    const hang: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true }));
    expect(await failure(client(hang, 50).getInvoice('1'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('refuses answers that are not the documented invoice', async () => {
    const invoice = { invoiceNumber: '880519183280', transactionId: 'T1', amount: 5000, currency: 'RWF', paymentStatus: 'NEW', createdAt: '2026-11-27T10:00:00.000+02', paymentLinkUrl: 'https://checkout.sandbox.irembopay.com/880519183280' };
    const ok = await client(json(200, { success: true, data: invoice })).getInvoice('1');
    expect(ok).toEqual({ ...invoice, createdAt: new Date('2026-11-27T08:00:00Z') });
    for (const data of [{ ...invoice, amount: 50.5 }, { ...invoice, createdAt: 'yesterday' }, { ...invoice, paymentLinkUrl: undefined }, null]) {
      expect(await failure(client(json(200, { success: true, data })).getInvoice('1'))).toMatchObject({ status: undefined, code: 'INVALID_RESPONSE', retryable: false });
    }
    expect((await failure(client(async () => new Response('not json', { status: 200 })).getInvoice('1'))).code).toBe('INVALID_RESPONSE');
  });
});

describe('parseIremboPayDate', () => {
  it("completes IremboPay's hour-only offsets and reads Kigali time when there is none", () => {
    const instant = new Date('2023-04-19T09:58:02.895Z');
    expect(parseIremboPayDate('2023-04-19T11:58:02.895+02')).toEqual(instant);
    expect(parseIremboPayDate('2023-04-19T11:58:02.895+02:00')).toEqual(instant);
    expect(parseIremboPayDate('2023-04-19T11:58:02.895+0200')).toEqual(instant);
    expect(parseIremboPayDate('2023-04-19T09:58:02.895Z')).toEqual(instant);
    expect(parseIremboPayDate('2023-04-19T11:58:02.895')).toEqual(instant);
    expect(parseIremboPayDate('2023-04-19T05:58:02.895-04')).toEqual(instant);
    for (const bad of ['', 'yesterday', '2023-04-19', '2023-13-40T11:58:02+02', '2023-04-19T11:58:02+2']) expect(parseIremboPayDate(bad)).toBeUndefined();
  });
});

describe('parseIremboPayNotification', () => {
  const vector =
    '{"success":true,"data":{"amount":5000,"invoiceNumber":"880519183280","transactionId":"TOPUP-01HZX","createdAt":"2023-04-19T11:58:02.895+02","updatedAt":"2023-04-19T11:58:02.895+02","paidAt":"2023-04-19T11:59:40.120+02","paymentStatus":"PAID","currency":"RWF","paymentMethod":"MTN_MOMO","paymentReference":"MP230419.1159.A00001"}}';

  it('reads the documented envelope, from a string or bytes', () => {
    const expected = {
      success: true,
      data: {
        invoiceNumber: '880519183280',
        transactionId: 'TOPUP-01HZX',
        amount: 5000,
        currency: 'RWF',
        paymentStatus: 'PAID',
        paymentMethod: 'MTN_MOMO',
        paymentReference: 'MP230419.1159.A00001',
        paidAt: new Date('2023-04-19T09:59:40.120Z'),
        createdAt: new Date('2023-04-19T09:58:02.895Z'),
        updatedAt: new Date('2023-04-19T09:58:02.895Z'),
      },
    };
    expect(parseIremboPayNotification(vector)).toEqual(expected);
    expect(parseIremboPayNotification(Buffer.from(vector))).toEqual(expected);
    // The docs' own sample carries only a few fields.
    expect(parseIremboPayNotification('{"success":true,"data":{"amount":100,"invoiceNumber":"880519183280","transactionId":"B221024053141FNNX","paidAt":null}}').data).toEqual({
      invoiceNumber: '880519183280',
      transactionId: 'B221024053141FNNX',
      amount: 100,
    });
  });

  it('refuses bodies that are not the envelope, naming the field but not the value', () => {
    const body = JSON.parse(vector) as { data: Record<string, unknown> };
    const cases: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      [JSON.stringify(body.data), /success|data/],
      [JSON.stringify({ ...body, data: { ...body.data, invoiceNumber: undefined } }), /data\.invoiceNumber/],
      [JSON.stringify({ ...body, data: { ...body.data, amount: 50.5 } }), /data\.amount/],
      [JSON.stringify({ ...body, data: { ...body.data, paidAt: 'on 0788123456' } }), /data\.paidAt/],
    ];
    for (const [raw, reason] of cases) {
      let err: unknown;
      try {
        parseIremboPayNotification(raw);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IremboPayNotificationError);
      expect((err as Error).message).toMatch(reason);
      expect((err as Error).message).not.toContain('0788123456');
    }
  });
});
