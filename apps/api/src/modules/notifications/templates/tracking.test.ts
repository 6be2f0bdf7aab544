import { describe, expect, it } from 'vitest';
import { renderTemplate, TemplateVariablesError } from './render.ts';
import { templateNames, templates } from './registry.ts';
import { BASE_URL, samplesOf } from './test-helpers.ts';
import { locales } from './types.ts';

/** Anything that makes a mail client fetch from a server, or a link that reports clicks. */
const forbidden: Array<[string, RegExp]> = [
  ['an image', /<img\b/i],
  ['a script', /<script\b/i],
  ['a style sheet or preload', /<link\b/i],
  ['a style block (inline CSS only)', /<style\b/i],
  ['a frame or object', /<(iframe|object|embed|video|audio|source)\b/i],
  ['a CSS URL', /url\s*\(/i],
  ['a CSS import', /@import/i],
  ['a src attribute', /\bsrc\s*=/i],
  ['a background attribute', /\bbackground\s*=/i],
  ['a srcset', /srcset/i],
  ['campaign parameters', /utm_[a-z]+=/i],
  ['a tracking pixel', /pixel|beacon|open\.gif|\/track|\/click|\/o\//i],
];

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => entities[e] ?? e);

/** Link variables of the samples, resolved as our own URLs, plus our fixed pages. */
function expectedLinks(vars: unknown): Set<string> {
  const fixed = ['/', '/account', '/billing', '/computes'].map((p) => `${BASE_URL}${p}`);
  const own = Object.values(vars as Record<string, unknown>)
    .filter((v): v is string => typeof v === 'string' && v.startsWith('/'))
    .map((v) => `${BASE_URL}${v}`);
  return new Set([...fixed, ...own]);
}

describe('no tracking, no remote content', () => {
  for (const name of templateNames) {
    it(`${name}: nothing remote, and every link is one of our URLs, unchanged`, () => {
      for (const locale of locales) {
        for (const vars of samplesOf(name)) {
          const m = renderTemplate(name, locale, vars, { baseUrl: BASE_URL });
          for (const body of [m.html, m.text]) {
            for (const [what, pattern] of forbidden) expect(body, `${name}/${locale} contains ${what}`).not.toMatch(pattern);
          }
          const allowed = expectedLinks(vars);
          const links = [...m.html.matchAll(/href="([^"]*)"/g)].map((x) => decode(x[1] ?? ''));
          for (const href of links) expect(allowed, `${name}/${locale}: unexpected link ${href}`).toContain(href);
          for (const url of m.text.match(/\bhttps?:\/\/\S+/g) ?? []) expect(allowed).toContain(url.replace(/[.,;]$/, ''));
          // Every anchor is a plain link: no JavaScript, no mailto tricks, nothing but href and style.
          for (const anchor of m.html.match(/<a\b[^>]*>/g) ?? []) expect(anchor).toMatch(/^<a href="[^"]*"( lang="\w+")? style="[^"]*">$/);
        }
      }
    });
  }
});

describe('links stay on our site', () => {
  const sample = templates['low-balance'].sampleVariables;

  it('resolves paths against baseUrl, keeping its path prefix', () => {
    const m = renderTemplate('low-balance', 'en', sample, { baseUrl: 'http://localhost:8080/console/' });
    expect(m.html).toContain('href="http://localhost:8080/console/billing"');
  });

  it('refuses a page of the same host outside the path of baseUrl', () => {
    const baseUrl = 'http://localhost:8080/console';
    expect(() => renderTemplate('low-balance', 'en', { ...sample, topUpUrl: 'http://localhost:8080/other/billing' }, { baseUrl })).toThrow(TemplateVariablesError);
    expect(renderTemplate('low-balance', 'en', { ...sample, topUpUrl: 'http://localhost:8080/console/billing' }, { baseUrl }).html).toContain(
      'href="http://localhost:8080/console/billing"',
    );
  });

  it('accepts an absolute URL on baseUrl as given', () => {
    const m = renderTemplate('low-balance', 'en', { ...sample, topUpUrl: `${BASE_URL}/billing?team=t1` }, { baseUrl: BASE_URL });
    expect(m.html).toContain(`href="${BASE_URL}/billing?team=t1"`);
  });

  it.each([
    'https://evil.example/pay',
    'https://cloud.strettch.com.evil.example/pay',
    'https://cloud.strettch.com@evil.example/pay',
    '//evil.example/pay',
    'javascript:alert(1)',
    'http://cloud.strettch.com/billing',
  ])('refuses %s, naming the field but not the link', (topUpUrl) => {
    let error: unknown;
    try {
      renderTemplate('low-balance', 'en', { ...sample, topUpUrl }, { baseUrl: BASE_URL });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateVariablesError);
    const message = (error as Error).message;
    expect(message).toContain('low-balance');
    expect(message).toContain('topUpUrl');
    expect(message).not.toContain(topUpUrl);
    expect(message).not.toContain('evil');
  });
});
