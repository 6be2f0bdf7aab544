import { describe, expect, it } from 'vitest';
import { signIremboPay, verifyIremboPaySignature } from './signature.ts';

// Our own test vector (providers.md §1.6): not from IremboPay, computed with the documented algorithm.
const secret = 'sk_test_example_secret';
const t = 1653405045000;
const body =
  '{"success":true,"data":{"amount":5000,"invoiceNumber":"880519183280","transactionId":"TOPUP-01HZX","createdAt":"2023-04-19T11:58:02.895+02","updatedAt":"2023-04-19T11:58:02.895+02","paidAt":"2023-04-19T11:59:40.120+02","paymentStatus":"PAID","currency":"RWF","paymentMethod":"MTN_MOMO","paymentReference":"MP230419.1159.A00001"}}';
const header = 't=1653405045000,s=cd7e3d74b0bc57eb5e8356be1533123cbf719ba9643725030db77ae68e820d16';

describe('IremboPay signature', () => {
  it('signs the test vector to the documented header', () => {
    expect(signIremboPay(secret, body, t)).toBe(header);
    expect(signIremboPay(secret, Buffer.from(body), t)).toBe(header);
  });

  it('accepts the test vector, as a string or as bytes, with or without a space after the comma', () => {
    expect(verifyIremboPaySignature(body, header, secret, t)).toEqual({ ok: true });
    expect(verifyIremboPaySignature(Buffer.from(body), header, secret, t)).toEqual({ ok: true });
    expect(verifyIremboPaySignature(body, header.replace(',', ', '), secret, t)).toEqual({ ok: true });
    expect(verifyIremboPaySignature(body, header.toUpperCase().replace('T=', 't=').replace('S=', 's='), secret, t)).toEqual({ ok: true });
  });

  it('refuses a body changed by one byte', () => {
    const changed = body.replace('"amount":5000', '"amount":6000');
    expect(changed).not.toBe(body);
    expect(verifyIremboPaySignature(changed, header, secret, t)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses another secret key', () => {
    expect(verifyIremboPaySignature(body, header, 'sk_test_other_secret', t)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('takes the timestamp as milliseconds: five minutes either way is fresh, 301 s is stale', () => {
    expect(verifyIremboPaySignature(body, header, secret, t + 300_000)).toEqual({ ok: true });
    expect(verifyIremboPaySignature(body, header, secret, t - 300_000)).toEqual({ ok: true });
    expect(verifyIremboPaySignature(body, header, secret, t + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyIremboPaySignature(body, header, secret, t - 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyIremboPaySignature(body, header, secret, t + 60_000, 30_000)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a missing header and headers without both parts', () => {
    expect(verifyIremboPaySignature(body, undefined, secret, t)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyIremboPaySignature(body, '  ', secret, t)).toEqual({ ok: false, reason: 'missing' });
    const s = header.split(',')[1]!;
    for (const bad of [
      't=1653405045000',
      s,
      `t=,${s}`,
      `t=1653405045000,s=`,
      `t=1653405045.5,${s}`,
      `t=1653405045000,s=${'0'.repeat(63)}`,
      `t=1653405045000,${s}00`,
      `${header},t=1653405045000`,
      'sha256=cd7e3d74b0bc57eb5e8356be1533123cbf719ba9643725030db77ae68e820d16',
    ]) {
      expect([bad, verifyIremboPaySignature(body, bad, secret, t)]).toEqual([bad, { ok: false, reason: 'malformed' }]);
    }
  });
});
