import { describe, expect, it } from 'vitest';
import { ageOn, kigaliDate } from './age.service.ts';
import { renderConsentPage } from './consent.page.ts';

describe('age arithmetic', () => {
  it('counts the date in Kigali (UTC+2), not UTC', () => {
    expect(kigaliDate(new Date('2026-03-01T21:59:59Z'))).toEqual({ y: 2026, m: 3, d: 1 });
    expect(kigaliDate(new Date('2026-03-01T22:00:00Z'))).toEqual({ y: 2026, m: 3, d: 2 });
  });

  it.each([
    [{ y: 2010, m: 3, d: 2 }, { y: 2026, m: 3, d: 1 }, 15],
    [{ y: 2010, m: 3, d: 2 }, { y: 2026, m: 3, d: 2 }, 16],
    [{ y: 2010, m: 12, d: 31 }, { y: 2026, m: 12, d: 30 }, 15],
    // Born on 29 February: a year older on 1 March in common years.
    [{ y: 2008, m: 2, d: 29 }, { y: 2024, m: 2, d: 28 }, 15],
    [{ y: 2008, m: 2, d: 29 }, { y: 2024, m: 2, d: 29 }, 16],
    [{ y: 2009, m: 2, d: 28 }, { y: 2025, m: 2, d: 28 }, 16],
  ])('born %o, on %o: %i', (dob, today, age) => {
    expect(ageOn(dob, today)).toBe(age);
  });
});

describe('consent page', () => {
  it('escapes the child\'s name and carries no script', () => {
    const html = renderConsentPage({ state: 'valid', childName: '<img src=x onerror=alert(1)>', relation: 'parent', expiresAt: new Date('2026-03-09T08:00:00Z'), locale: 'en' });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script/i);
  });

  it('is in French for a French-speaking account, and English (marked so) for Kinyarwanda until translated', () => {
    const view = { state: 'valid' as const, childName: 'Keza', relation: 'guardian' as const, expiresAt: new Date('2026-03-09T08:00:00Z') };
    expect(renderConsentPage({ ...view, locale: 'fr' })).toMatch(/<html lang="fr">[\s\S]*tuteur légal de Keza/);
    expect(renderConsentPage({ ...view, locale: 'rw' })).toMatch(/<html lang="en">[\s\S]*legal guardian of Keza/);
  });
});
