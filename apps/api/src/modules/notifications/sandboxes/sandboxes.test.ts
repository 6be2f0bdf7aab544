import { afterEach, describe, expect, it } from 'vitest';
import { startPindoSandbox, startResendSandbox, startSnsSandbox } from './index.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const email = { from: 'Cloud <no-reply@cloud.rw>', to: 'delivered@resend.dev', subject: 'Hi', html: '<p>Hi</p>' };

describe('Resend sandbox', () => {
  async function resend() {
    const sandbox = await startResendSandbox({ apiKey: 're_test' });
    closers.push(() => sandbox.close());
    return sandbox;
  }
  const auth = { authorization: 'Bearer re_test' };

  it('answers Resend error bodies for a missing and a wrong API key', async () => {
    const sandbox = await resend();
    const missing = await post(`${sandbox.url}/emails`, JSON.stringify(email));
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ statusCode: 401, name: 'missing_api_key' });
    const wrong = await post(`${sandbox.url}/emails`, JSON.stringify(email), { authorization: 'Bearer re_other' });
    expect(JSON.parse(wrong.text)).toEqual({ statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid' });
  });

  it('validates fields like Resend: missing fields, malformed addresses, bad tags, non-JSON', async () => {
    const sandbox = await resend();
    const cases: Array<[unknown, number, string]> = [
      [{ ...email, from: undefined }, 422, 'missing_required_field'],
      [{ ...email, to: 'Ada <ada at example.org>' }, 422, 'validation_error'],
      [{ ...email, subject: undefined }, 422, 'missing_required_field'],
      [{ ...email, html: undefined }, 422, 'missing_required_field'],
      [{ ...email, tags: [{ name: 'template', value: 'verify.email' }] }, 422, 'validation_error'],
    ];
    for (const [body, status, name] of cases) {
      const res = await post(`${sandbox.url}/emails`, JSON.stringify(body), auth);
      expect([res.status, JSON.parse(res.text).name]).toEqual([status, name]);
    }
    expect((await post(`${sandbox.url}/emails`, '{', auth)).status).toBe(400);
    expect((await post(`${sandbox.url}/emails`, JSON.stringify(email), { ...auth, 'idempotency-key': 'k'.repeat(257) })).status).toBe(400);
    expect(sandbox.messages).toEqual([]);
  });

  it('refuses a whole strict batch for one bad e-mail, and says which', async () => {
    const sandbox = await resend();
    const res = await post(`${sandbox.url}/emails/batch`, JSON.stringify([email, { ...email, to: 'nope' }]), auth);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toMatchObject({ name: 'validation_error', message: expect.stringMatching(/^emails\[1\]/) });
    expect(sandbox.messages).toEqual([]);
    const ok = await post(`${sandbox.url}/emails/batch`, JSON.stringify([email, email]), auth);
    expect(JSON.parse(ok.text)).toEqual({ data: [{ id: expect.any(String) }, { id: expect.any(String) }] });
  });

  it('replays the first answer for the same key and body, without a second delivery', async () => {
    const sandbox = await resend();
    const headers = { ...auth, 'idempotency-key': 'welcome/u1' };
    const first = await post(`${sandbox.url}/emails`, JSON.stringify(email), headers);
    const again = await post(`${sandbox.url}/emails`, JSON.stringify(email), headers);
    expect(again.text).toBe(first.text);
    expect(sandbox.deliveredCount('welcome/u1')).toBe(1);
  });
});

describe('Pindo sandbox', () => {
  async function pindo() {
    const sandbox = await startPindoSandbox({ token: 'tok', allowedCountries: ['RW', 'UG'] });
    closers.push(() => sandbox.close());
    return sandbox;
  }
  const auth = { authorization: 'Bearer tok' };

  it('checks the bearer token, required fields and the number format', async () => {
    const sandbox = await pindo();
    const body = { to: '+250788123456', text: 'hi', sender: 'Strettch' };
    expect((await post(`${sandbox.url}/v1/sms/`, JSON.stringify(body))).status).toBe(401);
    expect((await post(`${sandbox.url}/v1/sms/`, JSON.stringify({ ...body, sender: undefined }), auth)).status).toBe(400);
    const national = await post(`${sandbox.url}/v1/sms/`, JSON.stringify({ ...body, to: '0788123456' }), auth);
    expect([national.status, JSON.parse(national.text).message]).toEqual([409, 'wrong phone number format']);
    const telco = await post(`${sandbox.url}/v1/sms/`, JSON.stringify({ ...body, to: '+250700000000' }), auth);
    expect([telco.status, JSON.parse(telco.text).message]).toEqual([409, 'unsupported telco']);
    expect((await post(`${sandbox.url}/v1/sms/`, JSON.stringify({ ...body, to: '+256712345678' }), auth)).status).toBe(201);
    expect(sandbox.messages.map((m) => m.to)).toEqual(['+256712345678']);
  });

  it('sends bulk SMS with the @contact.name merge field', async () => {
    const sandbox = await pindo();
    const res = await post(
      `${sandbox.url}/v1/sms/bulk`,
      JSON.stringify({ recipients: [{ phonenumber: '+250788123456', name: 'Remy' }, { phonenumber: '+250731234567', name: 'Aline' }], text: 'Hello @contact.name', sender: 'Strettch' }),
      auth,
    );
    expect(res.status).toBe(201);
    expect(sandbox.messages.map((m) => m.text)).toEqual(['Hello Remy', 'Hello Aline']);
  });
});

describe('SNS sandbox', () => {
  it('serves Publish only, and only to signed requests', async () => {
    const sandbox = await startSnsSandbox();
    closers.push(() => sandbox.close());
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const unsigned = await post(sandbox.url, 'Action=Publish&PhoneNumber=%2B16502530000&Message=hi', form);
    expect(unsigned.status).toBe(403);
    expect(unsigned.text).toContain('<Code>AuthorizationError</Code>');
    const signed = { ...form, authorization: 'AWS4-HMAC-SHA256 Credential=test/20261127/eu-west-1/sns/aws4_request, SignedHeaders=host, Signature=0' };
    const other = await post(sandbox.url, 'Action=CreateTopic&Name=x', signed);
    expect([other.status, other.text.includes('<Code>InvalidAction</Code>')]).toEqual([400, true]);
    const ok = await post(sandbox.url, 'Action=Publish&PhoneNumber=%2B16502530000&Message=hi', signed);
    expect(ok.text).toMatch(/<PublishResponse .*<MessageId>[0-9a-f-]{36}<\/MessageId>/);
    expect(sandbox.messages).toHaveLength(1);
  });
});
