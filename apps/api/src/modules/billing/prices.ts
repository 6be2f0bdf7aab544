/**
 * Prices. The product documents only its cheapest plan (3,999 RWF a month) and the public IPv4
 * fee (1,000 RWF a month); the other monthly prices are ours, roughly proportional to memory
 * (docs/decisions/0008-billing.md). Operators override them with `COMPUTE_PRICES_RWF`.
 *
 * A compute is charged per started hour at its monthly price spread over an average month
 * (365.25 × 24 / 12 = 730.5 hours), in thousandths of a franc so that no plan's rate is rounded
 * to a whole franc per hour.
 */
export const DEFAULT_MONTHLY_PRICES_RWF: Readonly<Record<string, number>> = {
  'S-1C': 3_999,
  'S-1C-1G': 6_999,
  'S-1C-2G': 11_999,
  'S-2C-4G': 23_999,
  'S-4C-8G': 47_999,
  'S-8C-16G': 95_999,
  'S-16C-32G': 191_999,
};

const HOURS_PER_YEAR = 8766;

export interface PriceList {
  /** Monthly price of each specification, RWF. */
  monthly: Readonly<Record<string, number>>;
  /** Hourly rate of each specification, milli-RWF. */
  hourlyMilli: Readonly<Record<string, number>>;
  /** Monthly fee of a public IPv4 address, RWF. */
  ipv4Monthly: number;
}

export function hourlyMilliOf(monthlyRwf: number): number {
  return Math.round((monthlyRwf * 1000 * 12) / HOURS_PER_YEAR);
}

/** Parses `S-1C=3999,S-1C-1G=6999` over the defaults; throws on anything that is not a whole, non-negative price. */
export function priceList(override: string | undefined, ipv4Monthly: number): PriceList {
  const monthly: Record<string, number> = { ...DEFAULT_MONTHLY_PRICES_RWF };
  for (const part of (override ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([A-Z0-9-]+)=(\d{1,9})$/.exec(part);
    if (!match) throw new Error(`COMPUTE_PRICES_RWF: "${part}" is not SPEC=PRICE (a whole number of RWF).`);
    monthly[match[1]!] = Number(match[2]);
  }
  const hourlyMilli = Object.fromEntries(Object.entries(monthly).map(([spec, price]) => [spec, hourlyMilliOf(price)]));
  return { monthly, hourlyMilli, ipv4Monthly };
}

/** Whole francs from milli-francs, rounded half up (for display of estimates only; debits carry the fraction). */
export function rwfFromMilli(milli: number): number {
  return Math.floor((milli + 500) / 1000);
}
