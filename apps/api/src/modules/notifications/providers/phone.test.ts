import { describe, expect, it } from 'vitest';
import { parsePhoneNumber, PhoneNumberError } from './phone.ts';

const refusal = (input: string, options?: Parameters<typeof parsePhoneNumber>[1]) => {
  try {
    parsePhoneNumber(input, options);
  } catch (err) {
    return err;
  }
  throw new Error('expected the number to be refused');
};

describe('parsePhoneNumber', () => {
  it.each([
    ['+250788123456', '+250788123456'], // MTN
    ['+250 78 812 3456', '+250788123456'],
    ['0788 123 456', '+250788123456'], // national form, Rwanda assumed
    ['250788123456', '+250788123456'],
    ['(078) 812-3456', '+250788123456'],
    ['+250791234567', '+250791234567'], // MTN
    ['+250731234567', '+250731234567'], // Airtel
    ['+250721234567', '+250721234567'], // Airtel
  ])('routes the Rwandan number %s through Pindo as %s', (input, e164) => {
    expect(parsePhoneNumber(input)).toEqual({ e164, country: 'RW', route: 'pindo' });
  });

  it.each([
    ['+1 650 253 0000', '+16502530000', 'US'],
    ['+44 20 7946 0958', '+442079460958', 'GB'],
    ['+44 7400 123456', '+447400123456', 'GB'],
    ['+254 712 345 678', '+254712345678', 'KE'],
  ])('routes %s through SNS', (input, e164, country) => {
    expect(parsePhoneNumber(input)).toEqual({ e164, country, route: 'sns' });
  });

  it('refuses +250 70… (an unassigned range that the default `min` metadata would accept)', () => {
    const err = refusal('+250700000000');
    expect(err).toBeInstanceOf(PhoneNumberError);
    expect((err as PhoneNumberError).reason).toBe('invalid');
  });

  it.each([
    ['too short', '+25078812345'],
    ['too long', '+2507881234567'],
    ['letters', 'call me maybe'],
    ['empty', ''],
    ['a country code alone', '+1'],
    ['a national number of another country', '020 7946 0958'],
    ['an extension', '+250788123456 ext. 5'],
    ['a non-geographic number', '+800 1234 5678'],
    ['a number inside a sentence', 'call me at +250788123456'],
    ['trailing letters', '+250788123456abc'],
    ['two numbers', '+250788123456;+250731234567'],
    ['absurdly long input', `+250788123456${' '.repeat(100)}`],
  ])('refuses %s', (_what, input) => {
    const err = refusal(input);
    expect(err).toBeInstanceOf(PhoneNumberError);
    expect((err as PhoneNumberError).reason).toBe('invalid');
  });

  it('says what is wrong without repeating the number', () => {
    const err = refusal('+250700000000') as PhoneNumberError;
    expect(err.message).toBe('not a valid phone number');
    expect(err.message).not.toMatch(/\d/);
  });

  it('refuses countries outside the allow-list, after checking validity', () => {
    const options = { allowedCountries: ['RW', 'KE'] as const };
    expect(parsePhoneNumber('+254712345678', options).route).toBe('sns');
    const err = refusal('+16502530000', options) as PhoneNumberError;
    expect(err.reason).toBe('country_not_allowed');
    expect(err.message).not.toMatch(/\d/);
    expect((refusal('+250700000000', options) as PhoneNumberError).reason).toBe('invalid');
  });

  it('reads national input in the default country given', () => {
    expect(parsePhoneNumber('020 7946 0958', { defaultCountry: 'GB' })).toEqual({ e164: '+442079460958', country: 'GB', route: 'sns' });
  });
});
