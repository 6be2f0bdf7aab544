import { commonMessages } from './common.ts';
import { templateNames, templates, type TemplateName, type TranslationCatalog } from './registry.ts';
import { translations } from './render.ts';
import type { Locale } from './types.ts';

export type TranslationScope = TemplateName | 'common';

/** A key English has and a translation lacks: that text is sent in English. */
export interface MissingTranslation {
  template: TranslationScope;
  locale: Exclude<Locale, 'en'>;
  key: string;
}

/** Something wrong with a translation: a key English lacks, or different `{placeholders}`. */
export interface CatalogProblem {
  template: string;
  locale: Locale;
  key: string;
  problem: string;
}

type English = Readonly<Record<string, Readonly<Record<string, string>>>>;
type Catalogs = Readonly<Partial<Record<Exclude<Locale, 'en'>, TranslationCatalog | Readonly<Record<string, Readonly<Record<string, string | undefined>>>>>>>;

/** The English text of every template and of the shared text: the keys every translation may have. */
export function englishCatalog(): English {
  const english: Record<string, Readonly<Record<string, string>>> = { common: commonMessages };
  for (const name of templateNames) english[name] = templates[name].messages;
  return english;
}

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ''))].sort();

/**
 * Compares translations with English. `missing` is for translators (each gap falls back to
 * English, visibly); `problems` are defects: an empty English text, a key English lacks, or a
 * translation whose placeholders differ from the English ones.
 */
export function checkCatalogs(english: English = englishCatalog(), catalogs: Catalogs = translations): { missing: MissingTranslation[]; problems: CatalogProblem[] } {
  const missing: MissingTranslation[] = [];
  const problems: CatalogProblem[] = [];
  for (const [scope, keys] of Object.entries(english)) {
    for (const [key, text] of Object.entries(keys)) {
      if (text.trim() === '') problems.push({ template: scope, locale: 'en', key, problem: 'English text is empty' });
    }
  }
  for (const [locale, catalog] of Object.entries(catalogs) as Array<[Exclude<Locale, 'en'>, Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>>]>) {
    for (const [scope, keys] of Object.entries(english)) {
      const translated = catalog[scope] ?? {};
      for (const [key, source] of Object.entries(keys)) {
        const text = Object.hasOwn(translated, key) ? translated[key] : undefined;
        if (text === undefined) {
          missing.push({ template: scope as TranslationScope, locale, key });
        } else if (placeholders(text).join() !== placeholders(source).join()) {
          problems.push({ template: scope, locale, key, problem: `placeholders {${placeholders(text).join('}, {')}} differ from English {${placeholders(source).join('}, {')}}` });
        } else if (text.trim() === '') {
          problems.push({ template: scope, locale, key, problem: 'translation is empty (leave the key out to fall back to English)' });
        }
      }
    }
    for (const [scope, keys] of Object.entries(catalog)) {
      const source = english[scope];
      if (source === undefined) {
        problems.push({ template: scope, locale, key: '*', problem: 'no such template in English' });
        continue;
      }
      for (const key of Object.keys(keys ?? {})) {
        if (!Object.hasOwn(source, key)) problems.push({ template: scope, locale, key, problem: 'English has no such key' });
      }
    }
  }
  return { missing, problems };
}

/** Every (template, locale, key) still sent in English, for translators. */
export function missingTranslations(): MissingTranslation[] {
  return checkCatalogs().missing;
}
