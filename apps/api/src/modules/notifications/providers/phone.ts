import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Which provider an SMS to this number goes through: Pindo for Rwanda (+250), AWS SNS for the rest. */
export type SmsRoute = 'pindo' | 'sns';

export interface ParsedPhoneNumber {
  /** `+<country code><national number>`, the only form we store and send. */
  e164: string;
  /** ISO 3166-1 alpha-2 region of the number, from libphonenumber's metadata (e.g. +44 7911 → GG). */
  country: CountryCode;
  route: SmsRoute;
}

export interface PhoneNumberOptions {
  /** When given, numbers of any other country are refused (reason `country_not_allowed`). */
  allowedCountries?: readonly CountryCode[];
  /** Country assumed for national input such as `0788 123 456`. Rwanda, where most customers are. */
  defaultCountry?: CountryCode;
}

/**
 * A number we will not send to. The message is safe to show to the person who typed it and to
 * log: it never contains the input.
 */
export class PhoneNumberError extends Error {
  constructor(readonly reason: 'invalid' | 'country_not_allowed') {
    super(reason === 'invalid' ? 'not a valid phone number' : 'phone numbers from this country are not accepted');
    this.name = 'PhoneNumberError';
  }
}

// E.164 allows 15 digits; with spaces, dashes and a `tel:` prefix real input stays far below this.
const MAX_INPUT_LENGTH = 40;

/**
 * Parses and validates a phone number for SMS. Uses the `/max` metadata on purpose: the default
 * `min` build only checks the length, so unassigned ranges such as +250 70… would pass.
 * Numbers with an extension and non-geographic numbers (+800, +882…) are refused: neither can
 * receive an SMS.
 */
export function parsePhoneNumber(input: string, options: PhoneNumberOptions = {}): ParsedPhoneNumber {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) throw new PhoneNumberError('invalid');
  // `extract: false`: the whole input must be the number, not a number somewhere in a sentence.
  const parsed = parsePhoneNumberFromString(input.trim(), { defaultCountry: options.defaultCountry ?? 'RW', extract: false });
  if (!parsed || !parsed.isValid() || parsed.ext || !parsed.country) throw new PhoneNumberError('invalid');
  const country = parsed.country;
  if (options.allowedCountries && !options.allowedCountries.includes(country)) throw new PhoneNumberError('country_not_allowed');
  return { e164: parsed.number, country, route: country === 'RW' ? 'pindo' : 'sns' };
}
