import { describe, expect, it } from 'vitest';
import {
  canPay,
  checkoutHref,
  describeDaysLeft,
  formatPeriod,
  formatSignedRwf,
  hoursLeftInMonth,
  parseAmount,
  parsePhone,
  paymentMethodLabel,
  readPaymentReturn,
  suggestAmounts,
  topUpLabel,
} from './billing-rules.ts';

const TEAM = '8d3c2f0e-4b1a-4c7e-9f2d-1a2b3c4d5e6f';
const TOP_UP = '0b7e6d5c-4a3b-4c2d-8e1f-0a9b8c7d6e5f';

describe('parseAmount', () => {
  it('reads whole francs, with or without separators or the currency', () => {
    expect(parseAmount('10000')).toEqual({ amount: 10_000 });
    expect(parseAmount('10,000')).toEqual({ amount: 10_000 });
    expect(parseAmount(' RWF 25 000 ')).toEqual({ amount: 25_000 });
  });

  it('explains what is wrong with anything else', () => {
    expect(parseAmount('')).toEqual({ problem: 'Enter an amount in RWF, e.g. 10,000.' });
    expect(parseAmount('1500.50')).toEqual({ problem: 'Top-ups are in whole francs: leave out the decimals.' });
    expect(parseAmount('ten')).toEqual({ problem: 'Enter the amount in digits, e.g. 10,000.' });
    expect(parseAmount('-5000')).toEqual({ problem: 'Enter the amount in digits, e.g. 10,000.' });
    expect(parseAmount('999')).toEqual({ problem: 'The smallest top-up is RWF 1,000.' });
    expect(parseAmount('5000001')).toEqual({ problem: 'The largest single top-up is RWF 5,000,000.' });
  });
});

describe('suggestAmounts', () => {
  // 20 Nov 2025 12:00 UTC: 10 days and 12 hours, 252 hours, left in the UTC month.
  const now = new Date(Date.UTC(2025, 10, 20, 12, 0, 0));

  it('counts the hours left in the UTC month, a started hour included', () => {
    expect(hoursLeftInMonth(now)).toBe(252);
    expect(hoursLeftInMonth(new Date(Date.UTC(2025, 10, 30, 23, 59)))).toBe(1);
  });

  it('offers only round amounts when nothing is charged and nothing is due', () => {
    expect(suggestAmounts({ balance: 4_000, projectedDailySpend: 0 }, now).map((s) => s.amount)).toEqual([5_000, 10_000, 25_000, 50_000]);
  });

  it('offers the past-due amount first, then what lasts to the end of the month on top of it', () => {
    const list = suggestAmounts({ balance: -3_450, projectedDailySpend: 600 }, now);
    expect(list[0]).toMatchObject({ id: 'past-due', amount: 3_450 });
    // 252 h × 600/24 = 6,300, plus 3,450 past due, rounded up to 100.
    expect(list[1]).toMatchObject({ id: 'until-month-end', label: 'Until 30 Nov', amount: 9_800 });
  });

  it('asks only for what the balance is missing, or plans for next month when this one is covered', () => {
    // 6,300 to the end of November; 4,000 in the wallet: 2,300 more.
    expect(suggestAmounts({ balance: 4_000, projectedDailySpend: 600 }, now)[0]).toMatchObject({ label: 'Until 30 Nov', amount: 2_300 });
    // 10,000 covers November: to the end of December is 6,300 + 31 × 600 = 24,900, so 14,900 more.
    expect(suggestAmounts({ balance: 10_000, projectedDailySpend: 600 }, now)[0]).toMatchObject({ label: 'Until 31 Dec', amount: 14_900 });
    // Named by the month's last day, whatever the time of day.
    expect(suggestAmounts({ balance: 0, projectedDailySpend: 600 }, new Date(Date.UTC(2025, 10, 27, 13, 50)))[0]).toMatchObject({ label: 'Until 30 Nov' });
    // Both months covered: nothing to estimate.
    expect(suggestAmounts({ balance: 30_000, projectedDailySpend: 600 }, now)[0]).toMatchObject({ id: 'round-5000' });
  });

  it('keeps computed amounts within the top-up limits and never repeats one', () => {
    const small = suggestAmounts({ balance: -120, projectedDailySpend: 0 }, now);
    expect(small[0]).toMatchObject({ id: 'past-due', amount: 1_000 });
    expect(small[0]!.hint).toContain('RWF 120 due');
    const even = suggestAmounts({ balance: 0, projectedDailySpend: 952 }, now);
    // 252 × 952 / 24 = 9,996 → 10,000, which the round amounts then do not repeat.
    expect(even.map((s) => s.amount)).toEqual([10_000, 5_000, 25_000, 50_000]);
  });
});

describe('parsePhone', () => {
  it('accepts the forms people write and finds the network', () => {
    expect(parsePhone('0788 123 456')).toEqual({ national: '0788123456', network: 'MTN' });
    expect(parsePhone('+250 792-123-456')).toEqual({ national: '0792123456', network: 'MTN' });
    expect(parsePhone('250731234567')).toEqual({ national: '0731234567', network: 'AIRTEL' });
  });

  it('refuses numbers that cannot get a mobile-money prompt', () => {
    expect(parsePhone('')).toHaveProperty('problem');
    expect(parsePhone('0252 123 456')).toHaveProperty('problem');
    expect(parsePhone('+254712345678')).toHaveProperty('problem');
  });
});

describe('checkoutHref', () => {
  const origin = 'https://cloud.example.rw';

  it('adds a way back to the Billing page of the same team when the checkout is on our origin', () => {
    const href = new URL(checkoutHref(`${origin}/sandbox/irembopay/checkout/123456`, origin, { teamId: TEAM, topUpId: TOP_UP }));
    expect(href.pathname).toBe('/sandbox/irembopay/checkout/123456');
    const back = new URL(href.searchParams.get('returnUrl')!);
    expect(back.origin).toBe(origin);
    expect(back.pathname).toBe('/billing');
    expect(readPaymentReturn(back.search)).toEqual({ teamId: TEAM, topUpId: TOP_UP });
  });

  it('leaves another site’s checkout link as it is', () => {
    const link = 'https://checkout.irembopay.com/pay/880012345678';
    expect(checkoutHref(link, origin, { teamId: TEAM, topUpId: TOP_UP })).toBe(link);
  });

  it('ignores a way back that is not ours', () => {
    expect(readPaymentReturn('?team=../../evil&topUp=1')).toEqual({ teamId: null, topUpId: null });
  });
});

describe('labels', () => {
  it('lets Owners and Admins pay, as billing.write does', () => {
    expect([canPay('OWNER'), canPay('ADMIN'), canPay('MEMBER')]).toEqual([true, true, false]);
  });

  it('signs ledger amounts', () => {
    expect(formatSignedRwf(10_000)).toBe('+RWF 10,000');
    expect(formatSignedRwf(-600)).toBe('-RWF 600');
  });

  it('asks to pay what is past due once the balance is below zero or the team is in dunning', () => {
    expect(topUpLabel({ balance: 5_000, state: 'ACTIVE' })).toBe('Top up');
    expect(topUpLabel({ balance: -1, state: 'ACTIVE' })).toBe('Pay past due');
    expect(topUpLabel({ balance: 0, state: 'PAST_DUE' })).toBe('Pay past due');
  });

  it('puts periods, methods and days into words', () => {
    expect(formatPeriod('2025-11')).toBe('November 2025');
    expect(paymentMethodLabel('MTN_MOMO')).toBe('MTN MoMo');
    expect(paymentMethodLabel('MOBILE_WALLET')).toBe('Mobile wallet');
    expect(paymentMethodLabel(null)).toBe('—');
    expect(describeDaysLeft(null)).toBe('Nothing is charged');
    expect(describeDaysLeft(0)).toBe('Less than a day');
    expect(describeDaysLeft(1_250)).toBe('About 1,250 days');
  });
});
