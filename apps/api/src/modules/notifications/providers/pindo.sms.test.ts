import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.ts';
import { ProviderError, type OutgoingSms } from '../ports.ts';
import { startPindoSandbox, type PindoSandbox, type PindoSandboxOptions } from '../sandboxes/index.ts';
import { PindoSms, readSmsId } from './pindo.sms.ts';
import { OUTCOME_UNKNOWN } from './transport.ts';

let sandbox: PindoSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function setup(options: PindoSandboxOptions & { timeoutMs?: number } = {}) {
  sandbox = await startPindoSandbox(options);
  return { sandbox, pindo: new PindoSms({ token: sandbox.token, sender: 'Strettch', baseUrl: sandbox.url, timeoutMs: options.timeoutMs }) };
}

const sms = (overrides: Partial<OutgoingSms> = {}): OutgoingSms => ({
  to: '+250788123456',
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

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('PindoSms', () => {
  it('posts to, text and sender with the bearer token, and reads the id of the 201 answer', async () => {
    const { sandbox, pindo } = await setup();
    const sent = await pindo.send(sms());
    expect(sent).toEqual({ provider: 'pindo', providerMessageId: expect.stringMatching(/^out_sms_/) });
    expect(sandbox.messages).toEqual([expect.objectContaining({ id: sent.providerMessageId, to: '+250788123456', text: sms().text, sender: 'Strettch' })]);
  });

  it('reads the id of the older 200 `sms_items` answer too', async () => {
    const { sandbox, pindo } = await setup();
    sandbox.controls.legacyResponses(true);
    const sent = await pindo.send(sms());
    expect(sent.providerMessageId).toMatch(/^\d+$/);
    expect(sent.providerMessageId).toBe(sandbox.messages[0]!.id);
  });

  it('reports 409 (a number Pindo cannot serve) as permanent, without the number', async () => {
    const { sandbox, pindo } = await setup();
    const err = await failure(pindo.send(sms({ to: '+254712345678' })));
    expect(err).toMatchObject({ kind: 'permanent', details: { status: 409 } });
    expect(err.message).toContain('unsupported country');
    expect(err.message).not.toContain('254712345678');
    expect(sandbox.messages).toEqual([]);
  });

  it('reports a wrong token as permanent', async () => {
    const { sandbox } = await setup();
    const wrong = new PindoSms({ token: 'wrong', sender: 'Strettch', baseUrl: sandbox.url });
    expect(await failure(wrong.send(sms()))).toMatchObject({ kind: 'permanent', details: { status: 401 } });
  });

  it('reports 429 with Retry-After and 500/503 as transient, and nothing was sent', async () => {
    const { sandbox, pindo } = await setup();
    sandbox.controls.rateLimit(1, 30);
    expect(await failure(pindo.send(sms()))).toMatchObject({ kind: 'transient', details: { status: 429, retryAfterMs: 30_000 } });
    sandbox.controls.failNext(1, 500);
    sandbox.controls.failNext(1, 503);
    expect(await failure(pindo.send(sms()))).toMatchObject({ kind: 'transient', details: { status: 500 } });
    expect(await failure(pindo.send(sms()))).toMatchObject({ kind: 'transient', details: { status: 503 } });
    expect(sandbox.messages).toEqual([]);
    await pindo.send(sms());
    expect(sandbox.messages).toHaveLength(1);
  });

  it('answers failures by the sandbox clock during failFor', async () => {
    const clock = new ManualClock();
    const { sandbox, pindo } = await setup({ clock });
    sandbox.controls.failFor(5_000, 502);
    expect((await failure(pindo.send(sms()))).kind).toBe('transient');
    clock.advance(5_000);
    await expect(pindo.send(sms())).resolves.toMatchObject({ provider: 'pindo' });
  });

  describe('when the outcome is unknown (no idempotency key at Pindo)', () => {
    it('reports a timeout after Pindo took the request as permanent `outcome_unknown`: the SMS was in fact sent', async () => {
      const { sandbox, pindo } = await setup({ timeoutMs: 150 });
      sandbox.controls.delay(1_000);
      const err = await failure(pindo.send(sms()));
      expect(err).toMatchObject({ kind: 'permanent', details: { code: OUTCOME_UNKNOWN } });
      expect(err.message).toMatch(/may have been sent/);
      // Pindo sent and charged it: a retry would have been a second SMS.
      expect(sandbox.messages).toHaveLength(1);
    });

    it('reports a 504 from a gateway as `outcome_unknown` too', async () => {
      const { sandbox, pindo } = await setup();
      sandbox.controls.failNext(1, 504);
      expect(await failure(pindo.send(sms()))).toMatchObject({ kind: 'permanent', details: { status: 504, code: OUTCOME_UNKNOWN } });
    });

    it('reports a refused connection as transient: the request never left', async () => {
      const pindo = new PindoSms({ token: 't', sender: 'Strettch', baseUrl: `http://127.0.0.1:${await closedPort()}` });
      expect(await failure(pindo.send(sms()))).toMatchObject({ kind: 'transient', details: { code: 'network' } });
    });
  });

  it('refuses a sender ID Pindo would not accept', () => {
    expect(() => new PindoSms({ token: 't', sender: 'StrettchCloud' })).toThrow(/1 to 11/);
    expect(() => new PindoSms({ token: '', sender: 'Strettch' })).toThrow(/token/);
  });
});

describe('readSmsId', () => {
  it.each([
    ['{"sms_id":"out_sms_01H7DJEJ1YZKTNT8EDXY2C7YG9","status":"sent"}', 'out_sms_01H7DJEJ1YZKTNT8EDXY2C7YG9'],
    ['{"count":1,"sms_items":[{"id":1062502,"status":"sent"}]}', '1062502'],
    ['{"self_url":"http://api.pindo.io/v1/sms/1058918"}', '1058918'],
    ['{"status":"sent"}', ''],
    ['not json', ''],
    ['null', ''],
  ])('reads %s', (body, id) => {
    expect(readSmsId(body)).toBe(id);
  });
});
