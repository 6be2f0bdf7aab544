import type { Role } from '../../api/account.ts';
import type { Balance, BillingState, TopUp, WalletTransaction } from '../../api/billing.ts';
import { formatRwf } from '../../lib/format.ts';

/**
 * What the Billing page offers and checks before a round trip. The limits mirror the API's
 * defaults (TOP_UP_MIN_RWF, TOP_UP_MAX_RWF in apps/api/src/config.ts), which the API does not
 * publish; an installation configured otherwise still has the last word, and its refusal is
 * shown as it words it.
 */

/**
 * `billing.write` (apps/api/src/modules/teams/permissions.ts): top up, change the alert threshold,
 * ask for a review. Everyone in the team reads the wallet (`billing.read`).
 */
export function canPay(role: Role): boolean {
  return role === 'OWNER' || role === 'ADMIN';
}

export const TOP_UP_MIN = 1_000;
export const TOP_UP_MAX = 5_000_000;
/** Round amounts offered beside the computed ones. */
export const ROUND_AMOUNTS = [5_000, 10_000, 25_000, 50_000] as const;

const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "10000" → "10,000": how an amount is written back into the field. */
export function groupDigits(amount: number): string {
  return plain.format(amount);
}

/** The amount typed, as whole francs, or why it cannot be topped up. Accepts "10,000", "10 000" and "RWF 10000". */
export function parseAmount(value: string): { amount: number } | { problem: string } {
  const text = value.replace(/^\s*RWF\s*/i, '').replace(/[\s,\u00a0\u202f]/g, '');
  if (text === '') return { problem: 'Enter an amount in RWF, e.g. 10,000.' };
  if (/^\d+[.]\d*$/.test(text)) return { problem: 'Top-ups are in whole francs: leave out the decimals.' };
  if (!/^\d+$/.test(text)) return { problem: 'Enter the amount in digits, e.g. 10,000.' };
  const amount = Number(text);
  if (amount < TOP_UP_MIN) return { problem: `The smallest top-up is ${formatRwf(TOP_UP_MIN)}.` };
  if (amount > TOP_UP_MAX) return { problem: `The largest single top-up is ${formatRwf(TOP_UP_MAX)}.` };
  return { amount };
}

/** Whole hours from `now` to the end of its UTC month (invoices run on UTC months); a started hour counts, as billing does. */
export function hoursLeftInMonth(now: Date): number {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.max(0, Math.ceil((end - now.getTime()) / 3_600_000));
}

const monthEnd = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

export interface Suggestion {
  /** Stable id for keys and tests. */
  id: string;
  label: string;
  amount: number;
  hint?: string;
}

/** Up to the nearest 100 francs: suggestions read as round sums. */
const roundUp = (amount: number) => Math.ceil(amount / 100) * 100;

/**
 * The amounts offered in the top-up dialog: what is past due (when the balance is below zero),
 * then what keeps everything that runs now going to the end of the month at the current rate
 * (or, when the balance already does that, to the end of next month), then a few round sums.
 * Computed amounts stay within the top-up limits, and no amount is offered twice.
 */
export function suggestAmounts(balance: Pick<Balance, 'balance' | 'projectedDailySpend'>, now: Date): Suggestion[] {
  const list: Suggestion[] = [];
  const clamp = (amount: number) => Math.min(TOP_UP_MAX, Math.max(TOP_UP_MIN, amount));
  if (balance.balance < 0) {
    const due = -balance.balance;
    list.push({
      id: 'past-due',
      label: 'Past due',
      amount: clamp(due),
      hint: due < TOP_UP_MIN ? `${formatRwf(due)} due; the smallest top-up is ${formatRwf(TOP_UP_MIN)}` : 'Brings the balance back to zero',
    });
  }
  if (balance.projectedDailySpend > 0) {
    const daily = balance.projectedDailySpend;
    const costUntil = (hours: number) => (daily * hours) / 24;
    const thisMonth = hoursLeftInMonth(now);
    const endOfMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - 1);
    const nextMonth = thisMonth + hoursLeftInMonth(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)));
    const endOfNext = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1) - 1);
    // What is missing to get there: a past-due balance adds to it, a positive one takes off.
    const [hours, until] = costUntil(thisMonth) > balance.balance ? [thisMonth, endOfMonth] : [nextMonth, endOfNext];
    const missing = costUntil(hours) - balance.balance;
    if (missing > 0) {
      list.push({
        id: 'until-month-end',
        label: `Until ${monthEnd.format(until)}`,
        amount: clamp(roundUp(missing)),
        hint: `Keeps what runs now going at ${formatRwf(daily)} a day${balance.balance < 0 ? ', after paying what is past due' : ''}`,
      });
    }
  }
  for (const amount of ROUND_AMOUNTS) list.push({ id: `round-${amount}`, label: formatRwf(amount), amount });
  const seen = new Set<number>();
  return list.filter((s) => (seen.has(s.amount) ? false : (seen.add(s.amount), true)));
}

export type Provider = 'MTN' | 'AIRTEL';

/**
 * A Rwandan mobile-money number as the API reads it (digits, optionally +250 or 250 first; spaces
 * and dashes ignored), its `07XXXXXXXX` form, and the network its prefix belongs to (078/079 MTN,
 * 072/073 Airtel).
 */
export function parsePhone(value: string): { national: string; network: Provider } | { problem: string } {
  const digits = value.replace(/[\s-]/g, '');
  if (digits === '') return { problem: 'Enter the mobile-money number that should get the prompt.' };
  const match = /^(?:\+?250|0)?(7[2389]\d{7})$/.exec(digits);
  if (!match) return { problem: 'Enter a Rwandan MTN or Airtel number, e.g. 0788 123 456.' };
  const national = `0${match[1]}`;
  return { national, network: /^07[89]/.test(national) ? 'MTN' : 'AIRTEL' };
}

export const providerLabel: Record<Provider, string> = { MTN: 'MTN MoMo', AIRTEL: 'Airtel Money' };

/**
 * Where to send the payer: the provider's checkout, with a way back to this page when the
 * checkout is on the console's own origin (the built-in sandbox accepts a same-origin `returnUrl`).
 * The way back names the team and the top-up: the console forgets its selected team on a reload.
 */
export function checkoutHref(paymentLinkUrl: string, origin: string, back: { teamId: string; topUpId: string }): string {
  let url: URL;
  try {
    url = new URL(paymentLinkUrl, origin);
  } catch {
    return paymentLinkUrl;
  }
  if (url.origin !== origin) return url.toString();
  const returnUrl = new URL('/billing', origin);
  returnUrl.searchParams.set('team', back.teamId);
  returnUrl.searchParams.set('topUp', back.topUpId);
  url.searchParams.set('returnUrl', returnUrl.toString());
  return url.toString();
}

/** The `?team=…&topUp=…` a payer comes back with from the checkout, if any. */
export function readPaymentReturn(search: string): { teamId: string | null; topUpId: string | null } {
  const params = new URLSearchParams(search);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const pick = (name: string) => {
    const value = params.get(name);
    return value && uuid.test(value) ? value : null;
  };
  return { teamId: pick('team'), topUpId: pick('topUp') };
}

/** Whether a top-up can still be paid: pending and not past its invoice's expiry. */
export function isPayable(topUp: Pick<TopUp, 'status' | 'expiresAt' | 'paymentLinkUrl'>, now: Date): boolean {
  return topUp.status === 'PENDING' && topUp.paymentLinkUrl !== null && Date.parse(topUp.expiresAt) > now.getTime();
}

/** A ledger amount with its sign: "+RWF 10,000" credits the wallet, "-RWF 600" debits it. */
export function formatSignedRwf(amount: number): string {
  return amount > 0 ? `+${formatRwf(amount)}` : formatRwf(amount);
}

/** "Top up" normally; "Pay past due" once usage has taken the balance below zero or the team is in dunning. */
export function topUpLabel(balance: Pick<Balance, 'balance' | 'state'>): string {
  return balance.balance < 0 || balance.state === 'PAST_DUE' || balance.state === 'SUSPENDED' || balance.state === 'TERMINATION_PROPOSED' ? 'Pay past due' : 'Top up';
}

export const stateLabel: Record<BillingState, string> = {
  ACTIVE: 'Active',
  PAST_DUE: 'Past due',
  SUSPENDED: 'Suspended',
  TERMINATION_PROPOSED: 'Termination proposed',
  TERMINATED: 'Terminated',
};

export const stateTone = {
  ACTIVE: 'success',
  PAST_DUE: 'warning',
  SUSPENDED: 'danger',
  TERMINATION_PROPOSED: 'danger',
  TERMINATED: 'danger',
} as const satisfies Record<BillingState, 'success' | 'warning' | 'danger'>;

export const kindLabel: Record<WalletTransaction['kind'], string> = {
  top_up: 'Top-up',
  usage: 'Usage',
  credit: 'Credit',
  referral: 'Referral reward',
  adjustment: 'Adjustment',
  refund: 'Refund',
};

export const kindTone = {
  top_up: 'success',
  usage: 'neutral',
  credit: 'accent',
  referral: 'accent',
  adjustment: 'warning',
  refund: 'neutral',
} as const satisfies Record<WalletTransaction['kind'], 'success' | 'neutral' | 'accent' | 'warning'>;

export const topUpStatusLabel: Record<TopUp['status'], string> = {
  PENDING: 'Awaiting payment',
  PAID: 'Paid',
  EXPIRED: 'Expired',
  FAILED: 'Failed',
};

export const topUpStatusTone = {
  PENDING: 'warning',
  PAID: 'success',
  EXPIRED: 'neutral',
  FAILED: 'danger',
} as const satisfies Record<TopUp['status'], 'warning' | 'success' | 'neutral' | 'danger'>;

const methodLabels: Record<string, string> = {
  MTN_MOMO: 'MTN MoMo',
  AIRTEL_MONEY: 'Airtel Money',
  ONLINE_CARD: 'Card',
  BK: 'Bank of Kigali',
  EQUITY: 'Equity Bank',
};

/** IremboPay's payment method type in words ("MTN_MOMO" → "MTN MoMo"); an unknown one is tidied up. */
export function paymentMethodLabel(method: string | null): string {
  if (!method) return '—';
  return methodLabels[method] ?? method.replace(/_/g, ' ').toLowerCase().replace(/^\w/, (c) => c.toUpperCase());
}

const periodFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** An invoice's period, "2025-11" → "November 2025". */
export function formatPeriod(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  if (!match) return period;
  return periodFormat.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
}

/** "About 12 days", "Less than a day", or nothing charged. */
export function describeDaysLeft(daysLeft: number | null): string {
  if (daysLeft === null) return 'Nothing is charged';
  if (daysLeft === 0) return 'Less than a day';
  return daysLeft === 1 ? 'About 1 day' : `About ${groupDigits(daysLeft)} days`;
}
