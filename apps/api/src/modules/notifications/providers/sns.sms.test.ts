import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, type OutgoingSms } from '../ports.ts';
import { startSnsSandbox, type SnsSandbox } from '../sandboxes/index.ts';
import { SnsSms, type SnsSmsOptions } from './sns.sms.ts';
import { OUTCOME_UNKNOWN, providerText } from './transport.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let sandbox: SnsSandbox | undefined;
const clients: SnsSms[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sandbox?.close();
  sandbox = undefined;
});

async function setup(options: Partial<SnsSmsOptions> = {}) {
  sandbox = await startSnsSandbox();
  const sns = new SnsSms({ region: 'eu-west-1', endpoint: sandbox.url, credentials, ...options });
  clients.push(sns);
  return { sandbox, sns };
}

const sms = (overrides: Partial<OutgoingSms> = {}): OutgoingSms => ({
  to: '+447400123456',
  text: 'Your Strettch Cloud code is 482913',
  idempotencyKey: 'verify-phone/1',
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

describe('SnsSms', () => {
  it('publishes a transactional SMS with the sender ID, and returns the MessageId', async () => {
    const { sandbox, sns } = await setup({ senderId: 'Strettch' });
    const sent = await sns.send(sms());
    expect(sandbox.messages).toEqual([
      expect.objectContaining({
        messageId: sent.providerMessageId,
        phoneNumber: '+447400123456',
        message: sms().text,
        attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional', 'AWS.SNS.SMS.SenderID': 'Strettch' },
      }),
    ]);
    expect(sent.provider).toBe('sns');
  });

  it('leaves the sender ID out where the country does not support one, or none is configured', async () => {
    const { sandbox, sns } = await setup({ senderId: 'Strettch' });
    await sns.send(sms({ to: '+16502530000' }));
    const plain = new SnsSms({ region: 'eu-west-1', endpoint: sandbox.url, credentials });
    clients.push(plain);
    await plain.send(sms());
    expect(sandbox.messages.map((m) => m.attributes)).toEqual([{ 'AWS.SNS.SMS.SMSType': 'Transactional' }, { 'AWS.SNS.SMS.SMSType': 'Transactional' }]);
  });

  it('refuses a sender ID SNS would reject', () => {
    expect(() => new SnsSms({ region: 'eu-west-1', senderId: 'Strettch Cloud' })).toThrow(/3 to 11/);
    expect(() => new SnsSms({ region: 'eu-west-1', senderId: '12345' })).toThrow(/at least one letter/);
  });

  it('maps the XML InvalidParameter error to permanent', async () => {
    const { sns } = await setup();
    const err = await failure(sns.send(sms({ to: '+447700900123' })));
    expect(err).toMatchObject({ kind: 'permanent', details: { status: 400, code: 'InvalidParameterException' } });
    expect(err.message).toContain('InvalidParameter');
  });

  it('maps OptedOut to permanent', async () => {
    const { sandbox, sns } = await setup();
    sandbox.controls.optOut('+447400123456');
    expect(await failure(sns.send(sms()))).toMatchObject({ kind: 'permanent', details: { status: 400, code: 'OptedOutException' } });
  });

  it('maps Throttled and InternalError to transient, with no SDK retry behind our back', async () => {
    const { sandbox, sns } = await setup();
    sandbox.controls.rateLimit(1);
    expect(await failure(sns.send(sms()))).toMatchObject({ kind: 'transient', details: { status: 429, code: 'ThrottledException' } });
    // One failure queued: if the SDK retried, this call would have succeeded on its second attempt.
    sandbox.controls.failNext(1, 500);
    expect(await failure(sns.send(sms()))).toMatchObject({ kind: 'transient', details: { status: 500, code: 'InternalErrorException' } });
    expect(sandbox.messages).toEqual([]);
    await sns.send(sms());
    expect(sandbox.messages).toHaveLength(1);
  });

  it('reports a timeout after SNS took the request as permanent `outcome_unknown`', async () => {
    const { sandbox, sns } = await setup({ timeoutMs: 200 });
    sandbox.controls.delay(1_000);
    expect(await failure(sns.send(sms()))).toMatchObject({ kind: 'permanent', details: { code: OUTCOME_UNKNOWN } });
    expect(sandbox.messages).toHaveLength(1);
  });

  it('reports a refused connection as transient: the request never left', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const sns = new SnsSms({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials });
    clients.push(sns);
    expect(await failure(sns.send(sms()))).toMatchObject({ kind: 'transient', details: { code: 'network' } });
  });
});

describe('providerText', () => {
  it('scrubs the numbers and addresses providers echo back', () => {
    const text = providerText('Invalid parameter: PhoneNumber Reason: +250 700 000 000 is not valid to publish to ada@example.org');
    expect(text).not.toMatch(/700|ada@/);
    expect(text).toContain('Invalid parameter: PhoneNumber');
  });
});
