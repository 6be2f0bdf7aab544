import { describe, expect, it } from 'vitest';
import { missingTranslations } from './catalog.ts';
import { companyLine } from './common.ts';
import { renderTemplate, renderWithTrace, resolveLocale, translations, type RenderedMessage } from './render.ts';
import { templateCategory, templateChannel, templateNames, templates, type TemplateName } from './registry.ts';
import { BASE_URL, emailTemplateNames, samplesOf } from './test-helpers.ts';
import { locales, type Locale } from './types.ts';

const render = (name: TemplateName, locale: string, vars: unknown): RenderedMessage => renderTemplate(name, locale, vars, { baseUrl: BASE_URL });

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => entities[e] ?? e);

/** The text a reader sees in the HTML body, one chunk per element. */
function visibleChunks(html: string): string[] {
  const body = html.replace(/^[\s\S]*<body[^>]*>/, '').replace(/<\/body>[\s\S]*$/, '');
  return body
    .split(/<[^>]+>/)
    .map((chunk) => decode(chunk).trim())
    .filter((chunk) => chunk.length > 0);
}

const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => decode(m[1] ?? ''));

/** The language a template is rendered in: the requested one, unless it has no translation at all. */
function expectedLocale(name: TemplateName, locale: Locale): Locale {
  if (locale === 'en') return 'en';
  const own = translations[locale][name];
  return own && Object.keys(own).length > 0 ? locale : 'en';
}

describe('the registry', () => {
  it('declares each template under its own name, with its channel and category', () => {
    expect(templateNames).toHaveLength(20);
    for (const name of templateNames) {
      expect(templates[name].name).toBe(name);
      expect(templateChannel(name)).toBe(name === 'phone-verification-code' || name === 'low-balance-sms' ? 'sms' : 'email');
      expect(templateCategory(name)).toBe(name === 'product-news' ? 'marketing' : 'transactional');
    }
  });

  it('refuses an unknown template', () => {
    expect(() => renderTemplate('no-such-template' as TemplateName, 'en', {}, { baseUrl: BASE_URL })).toThrow(/Unknown notification template "no-such-template"/);
  });

  it('refuses a base URL with credentials, a query or another scheme', () => {
    const vars = templates.welcome.sampleVariables;
    for (const baseUrl of ['ftp://cloud.strettch.com', 'https://user:pw@cloud.strettch.com', 'https://cloud.strettch.com/?x=1', 'cloud.strettch.com']) {
      expect(() => renderTemplate('welcome', 'en', vars, { baseUrl })).toThrow(/baseUrl/);
    }
  });
});

describe('every template in every language', () => {
  for (const name of templateNames) {
    for (const locale of locales) {
      it(`${name} renders in ${locale}`, () => {
        for (const vars of samplesOf(name)) {
          const m = render(name, locale, vars);
          expect(m.locale).toBe(expectedLocale(name, locale));
          expect(m.text.trim().length).toBeGreaterThan(0);
          expect(m.text).not.toMatch(/\{\w+\}/); // every placeholder filled
          if (m.channel === 'sms') continue;

          expect(m.subject.trim().length).toBeGreaterThan(0);
          expect(m.subject).not.toMatch(/[\r\n]/);
          expect(m.html.startsWith('<!DOCTYPE html>')).toBe(true);
          expect(m.html).toContain(`<html lang="${m.locale}"`);
          expect(m.html).not.toMatch(/\{\w+\}/);
          for (const body of [m.html, m.text]) {
            expect(body).toContain('Strettch Cloud');
            expect(body).toContain(companyLine);
          }
        }
      });
    }
  }
});

describe('the plain text mirrors the HTML', () => {
  for (const name of emailTemplateNames) {
    it(`${name}: every visible piece of the HTML and every link is in the text`, () => {
      for (const locale of locales) {
        for (const vars of samplesOf(name)) {
          const m = render(name, locale, vars);
          for (const chunk of visibleChunks(m.html)) expect(m.text, `${name}/${locale}`).toContain(chunk);
          for (const href of hrefs(m.html)) expect(m.text).toContain(href);
        }
      }
    });
  }
});

describe('the footer says why the person gets the message', () => {
  it('transactional: because of the account, with no opt-out', () => {
    const m = render('low-balance', 'en', templates['low-balance'].sampleVariables);
    expect(m.text).toContain('You receive this message because you have a Strettch Cloud account.');
    expect(m.text).not.toContain('object to these messages');
    expect(m.html).toContain('You receive this message because you have a Strettch Cloud account.');
  });

  it('an invitation: because a team member invited the address (the invitee may have no account)', () => {
    const m = render('team-invitation', 'en', templates['team-invitation'].sampleVariables);
    expect(m.text).toContain('because a member of a Strettch Cloud team invited this email address');
    expect(m.text).not.toContain('because you have a Strettch Cloud account');
  });

  it('marketing: also how to object, with a link to the privacy page of the account', () => {
    for (const locale of locales) {
      const m = render('product-news', locale, templates['product-news'].sampleVariables);
      expect(hrefs(m.html)).toContain(`${BASE_URL}/account`);
      expect(m.text).toContain(`${BASE_URL}/account`);
    }
    const en = render('product-news', 'en', templates['product-news'].sampleVariables);
    expect(en.text).toContain('You can object to these messages at any time, free of charge');
    expect(en.text).toContain('have not objected to product news');
    const fr = render('product-news', 'fr', templates['product-news'].sampleVariables);
    expect(fr.text).toContain('Vous pouvez vous opposer à tout moment et gratuitement à ces envois');
  });
});

describe('HTML escaping', () => {
  const attack = '<script>alert("x")</script>';

  it('escapes a variable in the body, the subject and the title', () => {
    const m = render('welcome', 'en', { name: attack });
    expect(m.html).not.toContain('<script');
    expect(m.html).toContain('Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,');
    expect(m.text).toContain(`Hello ${attack},`); // plain text is not HTML

    const invite = render('team-invitation', 'fr', { ...templates['team-invitation'].sampleVariables, teamName: `"><a href="https://evil.example">x</a>`, inviterName: attack });
    expect(invite.html).not.toContain('<script');
    expect(invite.html).not.toContain('href="https://evil.example"');
    expect(invite.html).toContain('<title>&lt;script&gt;');
    expect(invite.html).toContain('&quot;&gt;&lt;a href=&quot;https://evil.example&quot;&gt;');
  });

  it('escapes text we write in several languages too', () => {
    const m = render('product-news', 'en', { title: { en: 'A & B <b>' }, body: { en: "It's <i>new</i>" } });
    expect(m.html).toContain('A &amp; B &lt;b&gt;');
    expect(m.html).toContain('It&#39;s &lt;i&gt;new&lt;/i&gt;');
    expect(m.html).not.toMatch(/<(b|i)>/);
  });

  it('escapes the query of a link in its attribute', () => {
    const m = render('team-invitation', 'en', { ...templates['team-invitation'].sampleVariables, acceptUrl: '/invitations/accept?token=a"b&c=<d>' });
    expect(m.html).toContain(`href="${BASE_URL}/invitations/accept?token=a&quot;b&amp;c=&lt;d&gt;"`);
  });
});

describe('languages and fallback', () => {
  it('resolves account and browser tags to the languages we have', () => {
    expect(resolveLocale('fr-RW')).toBe('fr');
    expect(resolveLocale('RW')).toBe('rw');
    expect(resolveLocale('kin')).toBe('rw');
    expect(resolveLocale('en_GB')).toBe('en');
    expect(resolveLocale('de')).toBe('en');
    expect(resolveLocale(null)).toBe('en');
    expect(render('welcome', 'fr-FR', { name: 'Aline' }).locale).toBe('fr');
  });

  it('reports exactly the keys that fell back to English, and marks them lang="en" in the HTML', () => {
    const missing = new Set(missingTranslations().map((m) => `${m.locale}:${m.template}.${m.key}`));
    for (const name of templateNames) {
      for (const locale of ['rw', 'fr'] as const) {
        for (const vars of samplesOf(name)) {
          const { message, trace } = renderWithTrace(name, locale, vars, { baseUrl: BASE_URL });
          const whole = message.locale === 'en';
          const expected = [...trace.usedKeys].filter((k) => {
            if (k.startsWith('variables.')) return whole || (vars as Record<string, Record<string, string>>)[k.slice('variables.'.length)]?.[locale] === undefined;
            return whole || missing.has(`${locale}:${k}`);
          });
          expect(message.fallbackKeys, `${name}/${locale}`).toEqual(expected.sort());
          if (!whole && message.channel === 'email' && message.fallbackKeys.length > 0) expect(message.html).toContain(' lang="en"');
        }
      }
    }
  });

  it('English and complete translations report no fallback', () => {
    for (const name of templateNames) {
      for (const vars of samplesOf(name)) expect(render(name, 'en', vars).fallbackKeys).toEqual([]);
    }
  });

  it('falls back per variable for text we write in several languages', () => {
    const m = render('product-news', 'fr', { title: { en: 'Faster computes' }, body: { en: 'New hosts.', fr: 'De nouveaux hôtes.' } });
    expect(m.locale).toBe('fr');
    expect(m.subject).toBe('Faster computes');
    expect(m.fallbackKeys).toContain('variables.title');
    expect(m.fallbackKeys).not.toContain('variables.body');
    expect(m.html).toContain('<title lang="en">Faster computes</title>');
    expect(m.html).toContain('De nouveaux hôtes.');
  });

  it('puts French no-break spaces before high punctuation in e-mails only', () => {
    const m = render('low-balance', 'fr', templates['low-balance'].sampleVariables);
    expect(m.text).toContain('fonctionner\u00a0: lorsque');
    expect(m.text).toContain('Solde actuel\u00a0: ');
    const sms = render('phone-verification-code', 'fr', { code: '123456', minutes: 10 });
    expect(sms.text).not.toContain('\u00a0');
  });
});
