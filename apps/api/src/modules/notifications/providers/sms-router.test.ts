import { describe, expect, it } from 'vitest';
import type { OutgoingSms, SmsSender } from '../ports.ts';
import { PhoneNumberError } from './phone.ts';
import { SmsRouter } from './sms-router.ts';

function recording(provider: 'pindo' | 'sns') {
  const calls: OutgoingSms[] = [];
  const sender: SmsSender = {
    provider,
    send: async (message) => {
      calls.push(message);
      return { provider, providerMessageId: `${provider}-${calls.length}` };
    },
  };
  return { sender, calls };
}

function setup(options?: ConstructorParameters<typeof SmsRouter>[1]) {
  const pindo = recording('pindo');
  const sns = recording('sns');
  return { pindo, sns, router: new SmsRouter({ pindo: pindo.sender, sns: sns.sender }, options) };
}

describe('SmsRouter', () => {
  it('sends Rwandan numbers through Pindo, in E.164', async () => {
    const { router, pindo, sns } = setup();
    expect(await router.send({ to: '0788 123 456', text: 'code 1', idempotencyKey: 'k1' })).toEqual({ provider: 'pindo', providerMessageId: 'pindo-1' });
    await router.send({ to: '+250731234567', text: 'code 2', idempotencyKey: 'k2' });
    expect(pindo.calls).toEqual([
      { to: '+250788123456', text: 'code 1', idempotencyKey: 'k1' },
      { to: '+250731234567', text: 'code 2', idempotencyKey: 'k2' },
    ]);
    expect(sns.calls).toEqual([]);
  });

  it('sends every other country through SNS', async () => {
    const { router, pindo, sns } = setup();
    await router.send({ to: '+1 650 253 0000', text: 'code', idempotencyKey: 'k' });
    await router.send({ to: '+44 7400 123456', text: 'code', idempotencyKey: 'k' });
    expect(sns.calls.map((c) => c.to)).toEqual(['+16502530000', '+447400123456']);
    expect(pindo.calls).toEqual([]);
    expect(router.routeOf('+254712345678')).toBe('sns');
  });

  it('refuses invalid numbers before any provider is called', async () => {
    const { router, pindo, sns } = setup();
    await expect(router.send({ to: '+250700000000', text: 'code', idempotencyKey: 'k' })).rejects.toBeInstanceOf(PhoneNumberError);
    await expect(router.send({ to: 'not a number', text: 'code', idempotencyKey: 'k' })).rejects.toThrow('not a valid phone number');
    expect(pindo.calls).toEqual([]);
    expect(sns.calls).toEqual([]);
  });

  it('refuses countries outside the allow-list before any provider is called', async () => {
    const { router, sns } = setup({ allowedCountries: ['RW'] });
    await expect(router.send({ to: '+16502530000', text: 'code', idempotencyKey: 'k' })).rejects.toMatchObject({ reason: 'country_not_allowed' });
    expect(sns.calls).toEqual([]);
  });
});
