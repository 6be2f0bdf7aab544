import type { z } from 'zod';
import { commonMessages, privacyPagePath, type CommonKey } from './common.ts';
import { formatDate, formatDateTime, formatMonth, formatRwf } from './format.ts';
import { renderHtml, renderText, type EmailDocument } from './layout.ts';
import { getTemplate, type TemplateName, type Templates, type TranslationCatalog } from './registry.ts';
import { fr } from './translations/fr.ts';
import { rw } from './translations/rw.ts';
import { locales, type AnyTemplate, type Channel, type ComposeTools, type Locale, type Localized, type Params } from './types.ts';

/** Every translation but English, which is the source. */
export const translations: Readonly<Record<Exclude<Locale, 'en'>, TranslationCatalog>> = { fr, rw };

export interface RenderOptions {
  /** Where our links point, e.g. `https://cloud.strettch.com`. Every link in a message is on it. */
  baseUrl: string;
}

export interface RenderedMessage {
  channel: Channel;
  /** Empty for SMS. */
  subject: string;
  /** Empty for SMS. */
  html: string;
  text: string;
  /** The language the message is actually in: English when the template has no translation at all. */
  locale: Locale;
  /**
   * Text shown in English although another language was asked for, as `scope.key`: a template
   * key (`low-balance.advice`), shared text (`common.optOut`) or a variable we write in several
   * languages (`variables.summary`). Empty when everything was translated.
   */
  fallbackKeys: string[];
}

export interface VariableIssue {
  /** Dotted path of the variable, e.g. `balanceRwf` or `summary.fr`. */
  field: string;
  /** What is wrong, in words that never repeat the value (variables are personal data). */
  problem: string;
}

/**
 * Variables a template refuses. The message names the template and the fields, never their
 * values, so it can be logged.
 */
export class TemplateVariablesError extends Error {
  constructor(
    readonly template: string,
    readonly issues: VariableIssue[],
  ) {
    super(`Invalid variables for notification template "${template}": ${issues.map((i) => `${i.field} ${i.problem}`).join('; ')}`);
    this.name = 'TemplateVariablesError';
  }
}

/** The account's language, or the closest we have: `fr-RW` → `fr`, `kin` → `rw`, unknown → `en`. */
export function resolveLocale(input: string | null | undefined): Locale {
  const tag = (input ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if (tag === 'kin') return 'rw';
  return (locales as readonly string[]).includes(tag) ? (tag as Locale) : 'en';
}

/** Validates variables with the template's schema, as `renderTemplate` does; use it when enqueuing. */
export function parseTemplateVariables<N extends TemplateName>(name: N, variables: unknown): z.output<Templates[N]['schema']> {
  return parseWith(getTemplate(name), variables) as z.output<Templates[N]['schema']>;
}

/** The same check under the name the notification service calls at enqueue time. */
export const validateTemplateVariables = parseTemplateVariables;

function parseWith(template: AnyTemplate, variables: unknown): unknown {
  const result = template.schema.safeParse(variables);
  if (result.success) return result.data;
  throw new TemplateVariablesError(template.name, result.error.issues.flatMap((issue) => describeIssue(issue, variables)));
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Our own wording for each kind of zod issue, so no message can carry the input. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): VariableIssue[] {
  const field = issue.path.map(String).join('.') || '(variables)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: [...issue.path.map(String), key].join('.'), problem: 'is not a variable of this template' }));
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return [{ field, problem: 'is required' }];
      return [{ field, problem: `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}` }];
    case 'too_small':
      if (issue.origin === 'string') return [{ field, problem: Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters long` }];
      return [{ field, problem: `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}` }];
    case 'too_big':
      if (issue.origin === 'string') return [{ field, problem: `must be at most ${String(issue.maximum)} characters long` }];
      return [{ field, problem: `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}` }];
    case 'invalid_format':
      // Regex messages are ours (see fields.ts); other formats are named.
      return [{ field, problem: issue.format === 'regex' ? issue.message : `must be a valid ${issue.format}` }];
    case 'invalid_value':
      return [{ field, problem: `must be one of: ${issue.values.map(String).join(', ')}` }];
    case 'custom':
    case 'invalid_union':
      return [{ field, problem: issue.message }];
    default:
      return [{ field, problem: 'is invalid' }];
  }
}

interface Site {
  /** `baseUrl` without its trailing slash. */
  root: string;
  origin: string;
}

function siteOf(baseUrl: string): Site {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error('renderTemplate: baseUrl must be an absolute URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw new Error('renderTemplate: baseUrl must be an http(s) URL without credentials, query or fragment');
  }
  return { root: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), origin: url.origin };
}

// French typography in e-mails: a no-break space before « : ; ! ? » and inside guillemets.
// Not in SMS: U+00A0 is not in the GSM-7 alphabet and would double the cost of the message.
function frenchSpacing(text: string): string {
  return text.replace(/ ([:;!?»])/g, '\u00a0$1').replace(/« /g, '«\u00a0');
}

function interpolate(text: string, params: Params, where: string): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!Object.hasOwn(params, name)) throw new Error(`Notification text "${where}" needs the parameter {${name}}`);
    return String(params[name]);
  });
}

interface Trace {
  /** Every `scope.key` the message used, in any language. */
  usedKeys: Set<string>;
}

/**
 * Renders a message: validates the variables, picks the language, composes the content and lays
 * it out. Text missing in the requested language is taken from English, key by key, and listed
 * in `fallbackKeys`; a template with no translation at all in that language is rendered wholly in
 * English (dates and amounts included) rather than half and half.
 */
export function renderTemplate(name: TemplateName, locale: string, variables: unknown, options: RenderOptions): RenderedMessage {
  return renderWithTrace(name, locale, variables, options).message;
}

/** `renderTemplate`, plus the keys it used (for translations.test.ts). */
export function renderWithTrace(name: string, locale: string, variables: unknown, options: RenderOptions): { message: RenderedMessage; trace: Trace } {
  const template = getTemplate(name);
  const site = siteOf(options.baseUrl);
  const parsed = parseWith(template, variables);

  const requested = resolveLocale(locale);
  const catalog = requested === 'en' ? undefined : translations[requested];
  const own = catalog?.[template.name as TemplateName] as Readonly<Record<string, string | undefined>> | undefined;
  const effective: Locale = requested === 'en' || (own && Object.keys(own).length > 0) ? requested : 'en';
  const shared = effective === 'en' ? undefined : (catalog?.common as Readonly<Record<string, string | undefined>> | undefined);
  const local = effective === 'en' ? undefined : own;

  const fallbacks = new Set<string>();
  const trace: Trace = { usedKeys: new Set() };

  const text = (scope: string, english: Readonly<Record<string, string>>, translated: Readonly<Record<string, string | undefined>> | undefined, key: string, params: Params = {}): Localized => {
    const where = `${scope}.${key}`;
    trace.usedKeys.add(where);
    if (!Object.hasOwn(english, key)) throw new Error(`Notification template "${template.name}" uses "${where}", which has no English text`);
    const translation = translated && Object.hasOwn(translated, key) ? translated[key] : undefined;
    if (requested !== 'en' && translation === undefined) fallbacks.add(where);
    const lang: Locale = translation === undefined ? 'en' : effective;
    let raw = translation ?? (english[key] as string);
    if (lang === 'fr' && template.channel === 'email') raw = frenchSpacing(raw);
    return { text: interpolate(raw, params, where), lang };
  };

  const invalidLink = (field: string): never => {
    throw new TemplateVariablesError(template.name, [{ field, problem: 'must be a link to our own site (baseUrl)' }]);
  };

  const tools: ComposeTools<string> = {
    locale: effective,
    t: (key, params) => text(template.name, template.messages, local, key, params),
    common: (key: CommonKey, params) => text('common', commonMessages, shared, key, params),
    pick: (field, value) => {
      trace.usedKeys.add(`variables.${field}`);
      const translation = effective === 'en' ? undefined : value[effective];
      if (requested !== 'en' && translation === undefined) fallbacks.add(`variables.${field}`);
      return translation === undefined ? { text: value.en, lang: 'en' } : { text: translation, lang: effective };
    },
    rwf: (amount) => formatRwf(amount, effective),
    date: (value) => formatDate(value, effective),
    dateTime: (value) => formatDateTime(value, effective),
    month: (value) => formatMonth(value, effective),
    link: (field, value) => {
      let href = value;
      if (value.startsWith('/') && !value.startsWith('//')) href = `${site.root}${value}`;
      else if (!value.startsWith(`${site.root}/`) && value !== site.root) invalidLink(field);
      try {
        if (new URL(href).origin !== site.origin) invalidLink(field);
      } catch (e) {
        if (e instanceof TemplateVariablesError) throw e;
        invalidLink(field);
      }
      return href;
    },
    page: (path) => `${site.root}${path}`,
  };

  let message: RenderedMessage;
  if (template.channel === 'sms') {
    const content = template.compose(parsed, tools);
    message = { channel: 'sms', subject: '', html: '', text: content.text.text, locale: effective, fallbackKeys: [] };
  } else {
    const content = template.compose(parsed, tools);
    const marketing = template.category === 'marketing';
    const doc: EmailDocument = {
      lang: effective,
      subject: content.subject,
      greeting: content.greeting ?? tools.common('greeting'),
      blocks: content.blocks,
      signOff: tools.common('signOff'),
      footer: {
        reason: marketing ? tools.common('reasonMarketing') : (content.reason ?? tools.common('reasonAccount')),
        ...(marketing ? { optOut: { text: tools.common('optOut'), label: tools.common('optOutLink'), href: tools.page(privacyPagePath) } } : {}),
      },
    };
    message = { channel: 'email', subject: doc.subject.text, html: renderHtml(doc), text: renderText(doc), locale: effective, fallbackKeys: [] };
  }
  message.fallbackKeys = [...fallbacks].sort();
  return { message, trace };
}
