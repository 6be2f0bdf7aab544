import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatMonth, formatRwf } from './format.ts';
import { renderTemplate } from './render.ts';
import { BASE_URL } from './test-helpers.ts';

const NBSP = '\u00a0';

describe('formatRwf', () => {
  it('groups thousands per locale, with the code where readers expect it', () => {
    expect(formatRwf(12500, 'en')).toBe(`RWF${NBSP}12,500`);
    expect(formatRwf(12500, 'rw')).toBe(`RWF${NBSP}12,500`);
    expect(formatRwf(12500, 'fr')).toBe(`12${NBSP}500${NBSP}RWF`);
    expect(formatRwf(1234567, 'fr')).toBe(`1${NBSP}234${NBSP}567${NBSP}RWF`);
    expect(formatRwf(1234567, 'en')).toBe(`RWF${NBSP}1,234,567`);
    expect(formatRwf(0, 'en')).toBe(`RWF${NBSP}0`);
    expect(formatRwf(950, 'fr')).toBe(`950${NBSP}RWF`);
  });

  it('shows a negative balance with a leading minus', () => {
    expect(formatRwf(-300, 'en')).toBe(`-RWF${NBSP}300`);
    expect(formatRwf(-1200, 'fr')).toBe(`-1${NBSP}200${NBSP}RWF`);
  });

  it('refuses anything but a safe integer: money is never a float', () => {
    expect(() => formatRwf(12.5, 'en')).toThrow(RangeError);
    expect(() => formatRwf(Number.NaN, 'fr')).toThrow(RangeError);
    expect(() => formatRwf(2 ** 53, 'rw')).toThrow(RangeError);
  });
});

describe('dates in Africa/Kigali', () => {
  it('gives the Kigali calendar day of a moment (22:30 UTC is already the next day in Kigali)', () => {
    expect(formatDate('2026-03-05T22:30:00Z', 'en')).toBe('6 March 2026');
    expect(formatDate('2026-03-05T22:30:00Z', 'fr')).toBe('6 mars 2026');
    expect(formatDate('2026-03-05T22:30:00Z', 'rw')).toBe('6 Werurwe 2026');
    expect(formatDate('2026-03-05T21:59:00Z', 'en')).toBe('5 March 2026');
  });

  it('keeps a calendar date as written and uses the French ordinal for the first', () => {
    expect(formatDate('2026-04-01', 'en')).toBe('1 April 2026');
    expect(formatDate('2026-04-01', 'fr')).toBe('1er avril 2026');
    expect(formatDate('2026-04-01', 'rw')).toBe('1 Mata 2026');
    expect(formatDate('2026-12-31', 'rw')).toBe('31 Ukuboza 2026');
  });

  it('shows a moment on the 24-hour Kigali clock and says so', () => {
    expect(formatDateTime('2026-03-05T12:30:00Z', 'en')).toBe('5 March 2026 at 14:30 (Kigali time)');
    expect(formatDateTime('2026-03-05T12:30:00Z', 'fr')).toBe('5 mars 2026 à 14:30 (heure de Kigali)');
    expect(formatDateTime('2026-03-05T12:30:00Z', 'rw')).toBe("5 Werurwe 2026, saa 14:30 (isaha y'i Kigali)");
    expect(formatDateTime('2026-03-05T14:30:00+02:00', 'en')).toBe('5 March 2026 at 14:30 (Kigali time)');
    expect(formatDateTime('2026-03-05T23:05:00+01:00', 'en')).toBe('6 March 2026 at 00:05 (Kigali time)');
  });

  it('names billing months per locale', () => {
    expect(formatMonth('2026-02', 'en')).toBe('February 2026');
    expect(formatMonth('2026-02', 'fr')).toBe('février 2026');
    expect(formatMonth('2026-02', 'rw')).toBe('Gashyantare 2026');
    expect(() => formatMonth('2026-13', 'en')).toThrow(RangeError);
  });
});

describe('formatting inside messages', () => {
  const vars = { teamName: 'Inyange Labs', amountRwf: 25000, balanceRwf: 29500, invoiceNumber: 'INV-1', paidAt: '2026-03-05T12:30:00Z' };

  it.each([
    ['en', `RWF${NBSP}25,000`, `RWF${NBSP}29,500`, '5 March 2026 at 14:30 (Kigali time)'],
    ['fr', `25${NBSP}000${NBSP}RWF`, `29${NBSP}500${NBSP}RWF`, '5 mars 2026 à 14:30 (heure de Kigali)'],
    ['rw', `RWF${NBSP}25,000`, `RWF${NBSP}29,500`, "5 Werurwe 2026, saa 14:30 (isaha y'i Kigali)"],
  ])('payment-received in %s shows amounts and the payment time its way', (locale, amount, balance, paidAt) => {
    const m = renderTemplate('payment-received', locale, vars, { baseUrl: BASE_URL });
    for (const body of [m.text, m.html]) {
      expect(body).toContain(amount);
      expect(body).toContain(balance);
      expect(body).toContain(paidAt.replace(/'/g, body === m.html ? '&#39;' : "'"));
    }
  });

  it('names the invoice month in the subject', () => {
    const vars2 = { teamName: 'Inyange Labs', period: '2026-02', totalRwf: 187350, invoiceUrl: '/billing' };
    expect(renderTemplate('monthly-invoice', 'en', vars2, { baseUrl: BASE_URL }).subject).toBe('Your Strettch Cloud invoice for February 2026');
    expect(renderTemplate('monthly-invoice', 'fr', vars2, { baseUrl: BASE_URL }).subject).toBe('Votre facture Strettch Cloud de février 2026');
    expect(renderTemplate('monthly-invoice', 'rw', vars2, { baseUrl: BASE_URL }).subject).toContain('Gashyantare 2026');
  });
});
