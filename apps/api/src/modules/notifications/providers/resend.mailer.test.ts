import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUR, ManualClock } from '../../../shared/clock.ts';
import { ProviderError, type OutgoingEmail } from '../ports.ts';
import { startResendSandbox, type ResendSandbox, type ResendSandboxOptions } from '../sandboxes/index.ts';
import { ResendMailer } from './resend.mailer.ts';

let sandbox: ResendSandbox;
afterEach(async () => {
  await sandbox?.close();
});

async function setup(options: ResendSandboxOptions & { timeoutMs?: number } = {}) {
  sandbox = await startResendSandbox(options);
  return new ResendMailer({ apiKey: sandbox.apiKey, baseUrl: sandbox.url, timeoutMs: options.timeoutMs });
}

const email = (overrides: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  from: 'Strettch Cloud <no-reply@cloud.rw>',
  to: 'delivered@resend.dev',
  subject: 'Your wallet is low',
  html: '<p>Top up soon</p>',
  text: 'Top up soon',
  idempotencyKey: `low-balance/${crypto.randomUUID()}`,
  ...overrides,
});

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

/** A port nothing listens on (just closed), so connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('ResendMailer', () => {
  it('sends the fields Resend expects, tags included', async () => {
    const mailer = await setup();
    const message = email({ tags: { template: 'low-balance', locale: 'rw' } });
    const sent = await mailer.send(message);
    expect(sandbox.messages).toEqual([
      expect.objectContaining({
        id: sent.providerMessageId,
        from: message.from,
        to: [message.to],
        subject: message.subject,
        html: message.html,
        text: message.text,
        tags: { template: 'low-balance', locale: 'rw' },
        idempotencyKey: message.idempotencyKey,
      }),
    ]);
  });

  it('reports a 500 as transient, and the retry with the same key delivers once', async () => {
    const mailer = await setup();
    const message = email();
    sandbox.controls.failNext(1, 500);
    const err = await failure(mailer.send(message));
    expect(err).toMatchObject({ kind: 'transient', details: { status: 500, code: 'internal_server_error' } });
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(0);

    const sent = await mailer.send(message);
    expect(await mailer.send(message)).toEqual(sent);
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(1);
  });

  it('reports a 429 as transient with Retry-After in milliseconds', async () => {
    const mailer = await setup();
    sandbox.controls.rateLimit(1, 7);
    const err = await failure(mailer.send(email()));
    expect(err).toMatchObject({ kind: 'transient', details: { status: 429, code: 'rate_limit_exceeded', retryAfterMs: 7000 } });
    expect(err.retryAfterMs).toBe(7000);
    await expect(mailer.send(email())).resolves.toMatchObject({ provider: 'resend' });
  });

  it('answers a burst of 503s by the sandbox clock as transient until it ends', async () => {
    const clock = new ManualClock();
    const mailer = await setup({ clock });
    sandbox.controls.failFor(60_000, 503);
    const message = email();
    expect(await failure(mailer.send(message))).toMatchObject({ kind: 'transient', details: { status: 503, code: 'application_error' } });
    clock.advance(59_000);
    expect((await failure(mailer.send(message))).kind).toBe('transient');
    clock.advance(1_000);
    await mailer.send(message);
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(1);
  });

  it('reports a timeout as transient; retrying with the key never sends twice', async () => {
    const mailer = await setup({ timeoutMs: 150 });
    const message = email();
    sandbox.controls.delay(600);
    expect(await failure(mailer.send(message))).toMatchObject({ kind: 'transient', details: { code: 'timeout' } });
    sandbox.controls.delay(0);
    // While Resend still works on the first request, the same key is answered 409 concurrent: transient.
    expect(await failure(mailer.send(message))).toMatchObject({ kind: 'transient', details: { status: 409, code: 'concurrent_idempotent_requests' } });
    const sent = await vi.waitFor(() => mailer.send(message), { timeout: 3000, interval: 50 });
    expect(sandbox.messages.map((m) => m.id)).toEqual([sent.providerMessageId]);
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(1);
  });

  it('refuses the same key with another payload permanently', async () => {
    const mailer = await setup();
    const message = email();
    await mailer.send(message);
    const err = await failure(mailer.send({ ...message, subject: 'Something else' }));
    expect(err).toMatchObject({ kind: 'permanent', details: { status: 409, code: 'invalid_idempotent_request' } });
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(1);
  });

  it('forgets idempotency keys after 24 hours, as Resend does', async () => {
    const clock = new ManualClock();
    const mailer = await setup({ clock });
    const message = email();
    await mailer.send(message);
    clock.advance(24 * HOUR + 1000);
    await mailer.send(message);
    expect(sandbox.deliveredCount(message.idempotencyKey)).toBe(2);
  });

  it('reports refused recipients and a bad API key as permanent, without the address', async () => {
    const mailer = await setup();
    sandbox.controls.rejectAddress('ada@example.org');
    const refused = await failure(mailer.send(email({ to: 'Ada <ada@example.org>' })));
    expect(refused).toMatchObject({ kind: 'permanent', details: { status: 422, code: 'validation_error' } });
    expect(refused.message).not.toContain('ada@');

    const wrongKey = new ResendMailer({ apiKey: 're_wrong', baseUrl: sandbox.url });
    expect(await failure(wrongKey.send(email()))).toMatchObject({ kind: 'permanent', details: { status: 403, code: 'invalid_api_key' } });
    expect(sandbox.messages).toEqual([]);
  });

  it('reports an unreachable Resend as transient', async () => {
    sandbox = await startResendSandbox();
    const mailer = new ResendMailer({ apiKey: 're_x', baseUrl: `http://127.0.0.1:${await closedPort()}` });
    expect(await failure(mailer.send(email()))).toMatchObject({ kind: 'transient', details: { code: 'network' } });
  });

  describe('sendBatch', () => {
    it('sends valid messages and reports each refused one, in order', async () => {
      const mailer = await setup();
      const messages = [email(), email({ to: 'not-an-address' }), email()];
      const results = await mailer.sendBatch(messages);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      const [a, b, c] = results;
      expect(b).toMatchObject({ ok: false, error: { kind: 'permanent', details: { code: 'validation_error' } } });
      expect(sandbox.messages.map((m) => m.id)).toEqual([a, c].map((r) => (r?.ok ? r.sent.providerMessageId : undefined)));
      expect(sandbox.messages.map((m) => m.subject)).toEqual([messages[0]!.subject, messages[2]!.subject]);
    });

    it('reports a failed request against every message, and a retried batch is delivered once', async () => {
      const mailer = await setup();
      const messages = [email(), email()];
      sandbox.controls.failNext(1, 500);
      const failed = await mailer.sendBatch(messages);
      expect(failed).toEqual([
        { ok: false, error: expect.objectContaining({ kind: 'transient' }) },
        { ok: false, error: expect.objectContaining({ kind: 'transient' }) },
      ]);
      const first = await mailer.sendBatch(messages);
      const again = await mailer.sendBatch(messages);
      expect(again).toEqual(first);
      expect(sandbox.messages).toHaveLength(2);
    });

    it('holds at most 100 messages and sends nothing for none', async () => {
      const mailer = await setup();
      await expect(mailer.sendBatch([])).resolves.toEqual([]);
      await expect(mailer.sendBatch(Array.from({ length: 101 }, () => email()))).rejects.toBeInstanceOf(RangeError);
      expect(sandbox.messages).toEqual([]);
    });
  });
});
