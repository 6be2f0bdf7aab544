import { describe, expect, it } from 'vitest';
import { checkCatalogs, englishCatalog, missingTranslations } from './catalog.ts';
import { renderWithTrace } from './render.ts';
import { templateNames } from './registry.ts';
import { BASE_URL, samplesOf } from './test-helpers.ts';
import { locales } from './types.ts';

describe('translations', () => {
  it('lists every (template, locale, key) still sent in English, for translators', () => {
    const missing = missingTranslations();
    if (missing.length > 0) {
      const lines = missing.map((m) => `  ${m.locale}  ${m.template}  ${m.key}`);
      console.warn(`${missing.length} texts fall back to English:\n${lines.join('\n')}`);
    }
    const english = englishCatalog();
    for (const m of missing) {
      expect(['rw', 'fr']).toContain(m.locale);
      expect(Object.hasOwn(english[m.template] ?? {}, m.key)).toBe(true);
    }
  });

  it('has no key English lacks, and no translation with other placeholders than English', () => {
    const { problems } = checkCatalogs();
    expect(problems).toEqual([]);
  });

  it('English has every key the templates use', () => {
    const english = englishCatalog();
    for (const name of templateNames) {
      for (const locale of locales) {
        for (const vars of samplesOf(name)) {
          // A key without English text throws here; the trace also shows what was used.
          const { trace } = renderWithTrace(name, locale, vars, { baseUrl: BASE_URL });
          for (const used of trace.usedKeys) {
            if (used.startsWith('variables.')) continue;
            const dot = used.indexOf('.', used.startsWith('common.') ? 0 : name.length);
            const [scope, key] = [used.slice(0, dot), used.slice(dot + 1)];
            expect(Object.hasOwn(english[scope] ?? {}, key), `${used} has no English text`).toBe(true);
          }
        }
      }
    }
  });

  it('every English key of a template is used by one of its samples (no dead text for translators)', () => {
    for (const name of templateNames) {
      const used = new Set<string>();
      for (const vars of samplesOf(name)) for (const k of renderWithTrace(name, 'en', vars, { baseUrl: BASE_URL }).trace.usedKeys) used.add(k);
      const unused = Object.keys(englishCatalog()[name] ?? {}).filter((k) => !used.has(`${name}.${k}`));
      expect(unused, `${name}: add a sample variant that uses these keys, or remove them`).toEqual([]);
    }
  });

  it('the check catches a missing key, an extra key, a changed placeholder and empty English', () => {
    const english = { welcome: { subject: 'Welcome', greeting: 'Hello {name},', intro: '' } };
    const { missing, problems } = checkCatalogs(english, {
      fr: { welcome: { subject: 'Bienvenue', greeting: 'Bonjour {nom},', outro: 'Au revoir' } },
      rw: { welcome: { subject: 'Murakaza neza', greeting: 'Muraho {name},', intro: 'x' }, 'no-such-template': { subject: 'x' } },
    });
    expect(missing).toEqual([{ template: 'welcome', locale: 'fr', key: 'intro' }]);
    expect(problems.map((p) => `${p.locale} ${p.template}.${p.key}: ${p.problem}`)).toEqual([
      'en welcome.intro: English text is empty',
      'fr welcome.greeting: placeholders {nom} differ from English {name}',
      'fr welcome.outro: English has no such key',
      'rw no-such-template.*: no such template in English',
    ]);
  });
});
