import { describe, expect, it } from 'vitest';
import { GSM7_SINGLE_SEGMENT, gsm7Length } from './gsm7.ts';
import { renderTemplate } from './render.ts';
import { BASE_URL, samplesOf, smsTemplateNames } from './test-helpers.ts';
import { locales } from './types.ts';

describe('gsm7Length', () => {
  it('counts basic characters once, extension characters twice, and refuses the rest', () => {
    expect(gsm7Length('Code: 123456. Vérifiez-le à temps.')).toBe(34);
    expect(gsm7Length('[€]')).toBe(6);
    expect(gsm7Length('It’s')).toBeNull(); // curly apostrophe
    expect(gsm7Length('code\u00a0:')).toBeNull(); // no-break space
    expect(gsm7Length('Fenêtre')).toBeNull(); // ê is not GSM-7
  });
});

describe('the phone verification SMS', () => {
  // The longest code and validity the schema allows: if these fit, every real message fits.
  const worstCase = { code: '99999999', minutes: 60 };

  it('is one GSM-7 segment (≤ 160 characters) in every language', () => {
    expect(smsTemplateNames).toContain('phone-verification-code');
    for (const name of smsTemplateNames) {
      for (const locale of locales) {
        for (const vars of [...samplesOf(name), ...(name === 'phone-verification-code' ? [worstCase] : [])]) {
          const { text, html, subject, channel } = renderTemplate(name, locale, vars, { baseUrl: BASE_URL });
          expect(channel).toBe('sms');
          expect(html).toBe('');
          expect(subject).toBe('');
          const length = gsm7Length(text);
          expect(length, `${name}/${locale}: not GSM-7: ${text}`).not.toBeNull();
          expect(length, `${name}/${locale} is ${length} characters: ${text}`).toBeLessThanOrEqual(GSM7_SINGLE_SEGMENT);
        }
      }
    }
  });

  it('carries the code and its validity in every language', () => {
    for (const locale of locales) {
      const { text } = renderTemplate('phone-verification-code', locale, { code: '482913', minutes: 10 }, { baseUrl: BASE_URL });
      expect(text).toContain('482913');
      expect(text).toContain('10');
      expect(text.startsWith('Strettch Cloud')).toBe(true);
    }
  });
});
