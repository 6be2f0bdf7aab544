import crypto from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.ts';
import { startResendSandbox, type ResendSandbox } from '../sandboxes/index.ts';
import { ResendMailer } from './resend.mailer.ts';
import { verifyResendWebhook, WebhookSignatureError, type ResendWebhookEvent, type ResendWebhookHeaders } from './resend.webhook.ts';

// The self-made vector of providers.md §3.7.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  body: '{"type":"email.delivered","created_at":"2026-11-27T09:00:00.000Z","data":{"email_id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}}',
  headers: {
    'svix-id': 'msg_2ZyOrYVYdkTKNgGHBOT5wOn5NZL',
    'svix-timestamp': '1795770000',
    'svix-signature': 'v1,a+2JeozptXNg354AzykQRu9mklQ0DASUtpYPt6IxAnU=',
  },
};
const at = (seconds: number) => new Date(seconds * 1000);
const sentAt = 1_795_770_000;

function refusal(body: string, headers: ResendWebhookHeaders, now = at(sentAt), secret = vector.secret): WebhookSignatureError {
  try {
    verifyResendWebhook(body, headers, secret, now);
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookSignatureError);
    return err as WebhookSignatureError;
  }
  throw new Error('expected the webhook to be refused');
}

function signed(payload: unknown, secret = vector.secret, seconds = sentAt) {
  const body = JSON.stringify(payload);
  const id = `msg_${crypto.randomBytes(8).toString('hex')}`;
  return { body, headers: { 'svix-id': id, 'svix-timestamp': String(seconds), 'svix-signature': new Webhook(secret).sign(id, at(seconds), body) } };
}

describe('verifyResendWebhook', () => {
  it('verifies the providers.md test vector with a fixed clock', () => {
    expect(verifyResendWebhook(vector.body, vector.headers, vector.secret, at(sentAt))).toEqual({
      id: 'msg_2ZyOrYVYdkTKNgGHBOT5wOn5NZL',
      type: 'email.delivered',
      createdAt: new Date('2026-11-27T09:00:00.000Z'),
      data: { email_id: '49a3999c-0ce1-4ea6-ab68-afcd6dc2e794', to: [], tags: {} },
    });
  });

  it('reads recipients, tags and the bounce of a bounced event', () => {
    const { body, headers } = signed({
      type: 'email.bounced',
      created_at: '2026-11-27T09:00:00.000Z',
      data: { email_id: 'e-1', to: ['ada@example.org'], tags: { template: 'verify-email' }, bounce: { type: 'Permanent', subType: 'General', message: 'no such user' } },
    });
    expect(verifyResendWebhook(body, headers, vector.secret, at(sentAt)).data).toEqual({
      email_id: 'e-1',
      to: ['ada@example.org'],
      tags: { template: 'verify-email' },
      bounce: { type: 'Permanent', subType: 'General', message: 'no such user' },
    });
  });

  it('accepts any v1 entry of a rotation list and ignores other versions', () => {
    const other = `v1,${crypto.randomBytes(32).toString('base64')}`;
    const headers = { ...vector.headers, 'svix-signature': `v2,abc ${other} ${vector.headers['svix-signature']}` };
    expect(verifyResendWebhook(vector.body, headers, vector.secret, at(sentAt)).id).toBe(vector.headers['svix-id']);
  });

  it('refuses a forged signature, an altered body, another id and another secret', () => {
    const forged = `v1,${crypto.randomBytes(32).toString('base64')}`;
    expect(refusal(vector.body, { ...vector.headers, 'svix-signature': forged }).reason).toBe('no_matching_signature');
    expect(refusal(vector.body.replace('delivered', 'bounced'), vector.headers).reason).toBe('no_matching_signature');
    expect(refusal(vector.body, { ...vector.headers, 'svix-id': 'msg_other' }).reason).toBe('no_matching_signature');
    const otherSecret = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    expect(refusal(vector.body, vector.headers, at(sentAt), otherSecret).reason).toBe('no_matching_signature');
    // A signature moved to another timestamp does not verify either (the timestamp is signed).
    expect(refusal(vector.body, { ...vector.headers, 'svix-timestamp': String(sentAt + 1) }).reason).toBe('no_matching_signature');
  });

  it('holds the ±300 s window on our clock', () => {
    expect(verifyResendWebhook(vector.body, vector.headers, vector.secret, at(sentAt + 300)).type).toBe('email.delivered');
    expect(refusal(vector.body, vector.headers, at(sentAt + 301)).reason).toBe('timestamp_too_old');
    expect(verifyResendWebhook(vector.body, vector.headers, vector.secret, at(sentAt - 300)).type).toBe('email.delivered');
    expect(refusal(vector.body, vector.headers, at(sentAt - 301)).reason).toBe('timestamp_too_new');
  });

  it('refuses missing or malformed headers', () => {
    for (const name of ['svix-id', 'svix-timestamp', 'svix-signature'] as const) {
      expect(refusal(vector.body, { ...vector.headers, [name]: undefined }).reason).toBe('missing_headers');
      expect(refusal(vector.body, { ...vector.headers, [name]: '' }).reason).toBe('missing_headers');
    }
    expect(refusal(vector.body, {}).reason).toBe('missing_headers');
    expect(refusal(vector.body, { ...vector.headers, 'svix-id': ['a', 'b'] }).reason).toBe('missing_headers');
    expect(refusal(vector.body, { ...vector.headers, 'svix-timestamp': '1795770000.5' }).reason).toBe('invalid_timestamp');
  });

  it('never echoes header values or the body in its message', () => {
    const err = refusal(vector.body, { ...vector.headers, 'svix-signature': 'v1,Zm9yZ2Vk' });
    expect(err.message).toBe('Resend webhook refused: no matching signature');
  });

  it('refuses a signed body that is not a readable event, and passes other event kinds with no e-mail id', () => {
    const aString = signed('just a string');
    expect(refusal(aString.body, aString.headers).reason).toBe('invalid_payload');
    const notJson = signed({}).headers;
    const raw = 'not json';
    const headers = { ...notJson, 'svix-signature': new Webhook(vector.secret).sign(notJson['svix-id'], at(sentAt), raw) };
    expect(refusal(raw, headers).reason).toBe('invalid_payload');
    const noId = signed({ type: 'email.delivered', created_at: '2026-11-27T09:00:00.000Z', data: {} });
    expect(refusal(noId.body, noId.headers).reason).toBe('invalid_payload');
    const contact = signed({ type: 'contact.created', created_at: '2026-11-27T09:00:00.000Z', data: { id: 'c-1' } });
    expect(verifyResendWebhook(contact.body, contact.headers, vector.secret, at(sentAt)).data.email_id).toBe('');
  });

  it('explains a malformed secret without echoing it', () => {
    expect(() => verifyResendWebhook(vector.body, vector.headers, 'whsec_***not base64***', at(sentAt))).toThrow(/not a valid `whsec_<base64>` secret$/);
  });
});

describe('Resend sandbox webhooks → verifyResendWebhook', () => {
  let sandbox: ResendSandbox | undefined;
  let receiver: FastifyInstance | undefined;
  afterEach(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('delivers signed email.delivered and email.bounced events that verify on the same clock', async () => {
    const clock = new ManualClock('2026-11-27T09:00:00Z');
    const secret = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    const received: Array<ResendWebhookEvent | string> = [];
    const raw: Array<{ body: string; headers: Record<string, string> }> = [];
    receiver = Fastify();
    receiver.removeAllContentTypeParsers();
    receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    receiver.post('/webhooks/resend', async (req) => {
      raw.push({ body: req.body as string, headers: req.headers as Record<string, string> });
      try {
        received.push(verifyResendWebhook(req.body as string, req.headers, secret, clock.now()));
      } catch (err) {
        received.push((err as Error).message);
      }
      return { ok: true };
    });
    const target = `${await receiver.listen({ host: '127.0.0.1', port: 0 })}/webhooks/resend`;

    sandbox = await startResendSandbox({ clock, webhook: { url: target, secret } });
    const mailer = new ResendMailer({ apiKey: sandbox.apiKey, baseUrl: sandbox.url });
    const base = { from: 'Cloud <no-reply@cloud.rw>', subject: 'Verify', html: '<p>x</p>', text: 'x', tags: { template: 'verify-email' } };
    const delivered = await mailer.send({ ...base, to: 'delivered@resend.dev', idempotencyKey: 'verify/1' });
    const bounced = await mailer.send({ ...base, to: 'bounced+verify@resend.dev', idempotencyKey: 'verify/2' });
    await sandbox.flushWebhooks();

    expect(received).toHaveLength(2);
    const byEmail = new Map((received as ResendWebhookEvent[]).map((e) => [e.data.email_id, e]));
    expect(byEmail.get(delivered.providerMessageId)).toMatchObject({ type: 'email.delivered', data: { to: ['delivered@resend.dev'], tags: { template: 'verify-email' } } });
    expect(byEmail.get(bounced.providerMessageId)).toMatchObject({ type: 'email.bounced', data: { bounce: { type: 'Permanent' } } });

    // A captured delivery replayed ten minutes later is refused; a fresh one at that time verifies.
    clock.advance(10 * 60_000);
    const captured = raw[0]!;
    await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...pick(captured.headers) }, body: captured.body });
    expect(received.at(-1)).toBe('Resend webhook refused: timestamp too old');
    const fresh = await sandbox.sendWebhook(target, secret, { type: 'email.delivered', data: { email_id: delivered.providerMessageId } });
    expect(fresh.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ id: fresh.id, type: 'email.delivered' });
  });
});

function pick(headers: Record<string, string>) {
  return { 'svix-id': headers['svix-id']!, 'svix-timestamp': headers['svix-timestamp']!, 'svix-signature': headers['svix-signature']! };
}
