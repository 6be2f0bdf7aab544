/**
 * Display formatters. Everything the console shows as money, size or time goes through here,
 * so the rules (RWF without decimals, binary memory units, no absurd relative times) hold
 * on every page.
 */

const LOCALE = 'en-GB';

const rwf = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'RWF',
  currencyDisplay: 'code',
  minimumFractionDigits: 0,
  maximumFractionDigits: 0,
});

/**
 * Money is an integer number of Rwandan francs (RWF has no minor unit in use).
 * `formatRwf(12500)` → `"RWF 12,500"`; `formatRwf(-300)` → `"-RWF 300"`.
 */
export function formatRwf(amount: number): string {
  if (!Number.isFinite(amount)) return '—';
  // Intl puts a no-break space after the code; use a plain one so text compares predictably
  // (money cells set `white-space: nowrap` instead).
  return rwf.format(amount).replace(/\u00a0/g, ' ');
}

const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Memory in MiB as the product shows it: 512 → "512 MB", 1024 → "1 GB", 1536 → "1.5 GB". */
export function formatMemory(megabytes: number): string {
  if (!Number.isFinite(megabytes) || megabytes < 0) return '—';
  if (megabytes < 1024) return `${oneDecimal.format(megabytes)} MB`;
  const gigabytes = megabytes / 1024;
  if (gigabytes < 1024) return `${oneDecimal.format(gigabytes)} GB`;
  return `${oneDecimal.format(gigabytes / 1024)} TB`;
}

/** Disk size in GiB: 10 → "10 GB", 2048 → "2 TB". */
export function formatStorage(gigabytes: number): string {
  if (!Number.isFinite(gigabytes) || gigabytes < 0) return '—';
  if (gigabytes < 1024) return `${oneDecimal.format(gigabytes)} GB`;
  return `${oneDecimal.format(gigabytes / 1024)} TB`;
}

type DateInput = Date | string | number | null | undefined;

/**
 * Earliest moment the platform can have recorded anything. Older values are placeholders
 * (an epoch 0, a year-1 "zero" date) and must never be shown as "55 years ago" or
 * "2025 years ago".
 */
const EARLIEST_PLAUSIBLE = Date.UTC(2000, 0, 1);

function toDate(value: DateInput): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time) || time < EARLIEST_PLAUSIBLE) return null;
  return date;
}

const dateFormat = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "24 Jul 2025"; `fallback` for a missing or implausible date. */
export function formatDate(value: DateInput, fallback = '—'): string {
  const date = toDate(value);
  return date ? dateFormat.format(date) : fallback;
}

/** "24 Jul 2025, 14:05" in the viewer's time zone. */
export function formatDateTime(value: DateInput, fallback = '—'): string {
  const date = toDate(value);
  return date ? dateTimeFormat.format(date) : fallback;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "5 minutes ago", "yesterday", "in 3 hours". Beyond 30 days it gives the date
 * ("on 24 Jul 2025"), which is more useful than "4 months ago". A missing or implausible
 * date gives `fallback`, never "2025 years ago".
 */
export function formatRelativeTime(value: DateInput, now: Date = new Date(), fallback = '—'): string {
  const date = toDate(value);
  if (!date) return fallback;
  const diff = date.getTime() - now.getTime();
  const distance = Math.abs(diff);
  // Small clock skew between browser and server must not read as "in 3 seconds".
  if (distance < 45 * SECOND) return 'just now';
  if (distance < 45 * MINUTE) return relative.format(Math.round(diff / MINUTE) || Math.sign(diff), 'minute');
  if (distance < 22 * HOUR) return relative.format(Math.round(diff / HOUR) || Math.sign(diff), 'hour');
  if (distance < 30 * DAY) return relative.format(Math.round(diff / DAY) || Math.sign(diff), 'day');
  return `on ${dateFormat.format(date)}`;
}
