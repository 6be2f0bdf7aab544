import type { Locale } from './types.ts';

/**
 * How messages show money and time.
 *
 * Money: an integer number of Rwandan francs, never a float (RWF has no minor unit in use).
 * - en: `RWF 12,500`, as the console shows it (`apps/console/src/lib/format.ts`).
 * - fr: `12 500 RWF`, French grouping with the code after the amount.
 * - rw: `RWF 12,500`. CLDR's Kinyarwanda data groups with a full stop (`12.500`), but Rwandan
 *   banks, mobile money, IremboPay receipts and RRA documents write amounts with commas, so we
 *   follow the practice readers in Rwanda see every day.
 * Spaces inside an amount are no-break spaces (U+00A0) so a mail client never wraps "RWF" away
 * from its number; U+00A0 rather than CLDR's narrow U+202F for French because every mail font has it.
 *
 * Time: always Africa/Kigali (CAT, UTC+2), day-month-year in every language (CLDR orders
 * Kinyarwanda as "2026 Werurwe 6", but documents and media in Rwanda write "6 Werurwe 2026"),
 * 24-hour clock, and the time zone said in words so a reader abroad is not misled.
 */

const NBSP = '\u00a0';
const TIME_ZONE = 'Africa/Kigali';

const grouping: Record<Locale, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }),
  rw: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }),
  fr: new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 }),
};

export function formatRwf(amount: number, locale: Locale): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError('formatRwf: an amount of RWF must be a safe integer');
  const digits = grouping[locale].format(Math.abs(amount)).replace(/[\s\u202f]/g, NBSP);
  const sign = amount < 0 ? '-' : '';
  return locale === 'fr' ? `${sign}${digits}${NBSP}RWF` : `${sign}RWF${NBSP}${digits}`;
}

// Month names come from CLDR through Intl (fr: "mars", rw: "Werurwe"); only the order is ours.
const intlTag: Record<Locale, string> = { en: 'en-GB', fr: 'fr-FR', rw: 'rw-RW' };
const monthNames: Record<Locale, string[]> = {
  en: monthNamesOf('en'),
  fr: monthNamesOf('fr'),
  rw: monthNamesOf('rw'),
};

function monthNamesOf(locale: Locale): string[] {
  const format = new Intl.DateTimeFormat(intlTag[locale], { month: 'long', timeZone: 'UTC' });
  return Array.from({ length: 12 }, (_, m) => format.format(Date.UTC(2000, m, 15)));
}

const kigaliParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function toKigali(value: string): WallClock {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError('format: not an ISO 8601 date-time');
  const parts = Object.fromEntries(kigaliParts.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

function dayText(year: number, month: number, dayOfMonth: number, locale: Locale): string {
  const name = monthNames[locale][month - 1];
  if (name === undefined) throw new RangeError('format: month out of range');
  // French writes the first day of a month as an ordinal: "1er mars".
  const d = locale === 'fr' && dayOfMonth === 1 ? '1er' : String(dayOfMonth);
  return `${d} ${name} ${year}`;
}

/**
 * A calendar date. `2026-04-04` is that day as written; a date-time is the day it is in Kigali
 * (`2026-03-05T22:30:00Z` is already 6 March there).
 */
export function formatDate(value: string, locale: Locale): string {
  const m = DATE_ONLY.exec(value);
  if (m) return dayText(Number(m[1]), Number(m[2]), Number(m[3]), locale);
  const k = toKigali(value);
  return dayText(k.year, k.month, k.day, locale);
}

const moment: Record<Locale, (date: string, time: string) => string> = {
  en: (date, time) => `${date} at ${time} (Kigali time)`,
  fr: (date, time) => `${date} à ${time} (heure de Kigali)`,
  rw: (date, time) => `${date}, saa ${time} (isaha y'i Kigali)`,
};

/** A moment in Kigali time, e.g. "6 March 2026 at 00:30 (Kigali time)". */
export function formatDateTime(value: string, locale: Locale): string {
  const k = toKigali(value);
  const time = `${String(k.hour).padStart(2, '0')}:${String(k.minute).padStart(2, '0')}`;
  return moment[locale](dayText(k.year, k.month, k.day, locale), time);
}

/** A billing period `YYYY-MM`: "March 2026", "mars 2026", "Werurwe 2026". */
export function formatMonth(period: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  const name = m ? monthNames[locale][Number(m[2]) - 1] : undefined;
  if (!m || name === undefined) throw new RangeError('formatMonth: a period must be YYYY-MM');
  return `${name} ${m[1]}`;
}
