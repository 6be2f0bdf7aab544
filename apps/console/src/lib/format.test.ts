import { describe, expect, it } from 'vitest';
import { formatDate, formatMemory, formatRelativeTime, formatRwf, formatStorage } from './format.ts';

describe('formatRwf', () => {
  it('shows whole francs with the currency code and thousands separators', () => {
    expect(formatRwf(12500)).toBe('RWF 12,500');
    expect(formatRwf(0)).toBe('RWF 0');
    expect(formatRwf(1_000_000)).toBe('RWF 1,000,000');
  });

  it('never shows decimals and keeps the sign', () => {
    expect(formatRwf(99.6)).toBe('RWF 100');
    expect(formatRwf(-300)).toBe('-RWF 300');
  });

  it('does not print NaN', () => {
    expect(formatRwf(Number.NaN)).toBe('—');
  });
});

describe('formatMemory', () => {
  it('uses MB below 1 GB and GB above, like the product', () => {
    expect(formatMemory(512)).toBe('512 MB');
    expect(formatMemory(1024)).toBe('1 GB');
    expect(formatMemory(1536)).toBe('1.5 GB');
    expect(formatMemory(16384)).toBe('16 GB');
    expect(formatMemory(1024 * 1024)).toBe('1 TB');
  });
});

describe('formatStorage', () => {
  it('keeps small plans small (no "500TB STORAGE" for a 10 GB disk)', () => {
    expect(formatStorage(10)).toBe('10 GB');
    expect(formatStorage(2048)).toBe('2 TB');
  });
});

describe('formatRelativeTime', () => {
  const now = new Date('2025-07-24T12:00:00Z');

  it('says how long ago for recent moments', () => {
    expect(formatRelativeTime('2025-07-24T11:59:50Z', now)).toBe('just now');
    expect(formatRelativeTime('2025-07-24T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelativeTime('2025-07-24T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatRelativeTime('2025-07-23T12:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime('2025-07-24T15:00:00Z', now)).toBe('in 3 hours');
  });

  it('switches to a date after a month', () => {
    expect(formatRelativeTime('2025-03-02T12:00:00Z', now)).toBe('on 2 Mar 2025');
  });

  it('never says "2025 years ago" for zero or missing dates', () => {
    for (const value of ['0001-01-01T00:00:00Z', 0, '1970-01-01T00:00:00Z', null, undefined, '', 'not a date']) {
      expect(formatRelativeTime(value, now)).toBe('—');
    }
  });
});

describe('formatDate', () => {
  it('formats a day without the time', () => {
    expect(formatDate('2025-07-24T12:00:00Z')).toBe('24 Jul 2025');
    expect(formatDate(null, 'never')).toBe('never');
  });
});
