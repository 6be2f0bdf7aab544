import type { z } from 'zod';
import type { CommonKey } from './common.ts';
import type { LocalizedText } from './fields.ts';

/** The languages of notices and messages, as stored on the account (`users.locale`). */
export const locales = ['en', 'rw', 'fr'] as const;
export type Locale = (typeof locales)[number];

export type Channel = 'email' | 'sms';

/**
 * `transactional` messages are part of the service the person signed up for and are always sent;
 * `marketing` ones are direct marketing, which the person may object to at any time (privacy
 * notice §6, right to object) and which never reach a minor.
 */
export type Category = 'transactional' | 'marketing';

/** A piece of text and the language it is actually in (English when a translation is missing). */
export interface Localized {
  readonly text: string;
  readonly lang: Locale;
}

/**
 * The content of an e-mail, as blocks. One list of blocks renders both the HTML and the plain-text
 * body, so the two always say the same thing.
 */
export type Block =
  | { readonly type: 'paragraph'; readonly text: Localized }
  /** Label/value pairs (amounts, dates, references). Values are already formatted. */
  | { readonly type: 'facts'; readonly rows: ReadonlyArray<{ readonly label: Localized; readonly value: string }> }
  /** The call to action: a plain link to one of our own pages. */
  | { readonly type: 'action'; readonly label: Localized; readonly href: string };

export interface EmailContent {
  readonly subject: Localized;
  /** Defaults to the common "Hello,". */
  readonly greeting?: Localized;
  readonly blocks: ReadonlyArray<Block>;
  /** Why this person gets this message; defaults to "you have a Strettch Cloud account". */
  readonly reason?: Localized;
}

export interface SmsContent {
  readonly text: Localized;
}

export type Params = Readonly<Record<string, string | number>>;

/** What a template's `compose` receives besides its variables: text, formatting and links. */
export interface ComposeTools<K extends string> {
  readonly locale: Locale;
  /** The template's own text in the message locale, English when the key is not translated. */
  t(key: K, params?: Params): Localized;
  /** Text shared by every template (greeting, footer, request types). */
  common(key: CommonKey, params?: Params): Localized;
  /** A variable written by us in several languages (a notice summary, product news). */
  pick(field: string, value: LocalizedText): Localized;
  /** An integer amount of Rwandan francs, e.g. "RWF 12,500" or "12 500 RWF". */
  rwf(amount: number): string;
  /** A calendar date in Kigali: "6 March 2026". */
  date(value: string): string;
  /** A moment in Kigali time: "6 March 2026 at 14:30 (Kigali time)". */
  dateTime(value: string): string;
  /** A billing period `YYYY-MM`: "March 2026". */
  month(period: string): string;
  /** A link variable (path or absolute URL), resolved against `baseUrl` and refused if off-site. */
  link(field: string, value: string): string;
  /** One of our fixed pages, e.g. `/account`. */
  page(path: `/${string}`): string;
}

interface TemplateDefinition<N extends string, S extends z.ZodType, K extends string, C> {
  readonly name: N;
  readonly category: Category;
  /** One line for developers: when the message is sent. */
  readonly description: string;
  /** Strict: a field the message does not need is refused rather than stored. */
  readonly schema: S;
  /** The English text, which defines the keys every translation may have. */
  readonly messages: Readonly<Record<K, string>>;
  /** Valid variables for tests, previews and the development mailbox. */
  readonly sampleVariables: z.input<S>;
  /** More valid variables that take the other branches of `compose` (optional fields absent…). */
  readonly sampleVariants?: ReadonlyArray<z.input<S>>;
  compose(variables: z.output<S>, tools: ComposeTools<K>): C;
}

export interface EmailTemplate<N extends string = string, S extends z.ZodType = z.ZodType, K extends string = string>
  extends TemplateDefinition<N, S, K, EmailContent> {
  readonly channel: 'email';
}

export interface SmsTemplate<N extends string = string, S extends z.ZodType = z.ZodType, K extends string = string>
  extends TemplateDefinition<N, S, K, SmsContent> {
  readonly channel: 'sms';
}

export type AnyTemplate = EmailTemplate | SmsTemplate;

/** Identity helpers that let TypeScript infer the keys of `messages` for `compose`. */
export function defineEmailTemplate<const N extends string, S extends z.ZodType, K extends string>(
  definition: TemplateDefinition<N, S, K, EmailContent>,
): EmailTemplate<N, S, K> {
  return { ...definition, channel: 'email' };
}

export function defineSmsTemplate<const N extends string, S extends z.ZodType, K extends string>(
  definition: TemplateDefinition<N, S, K, SmsContent>,
): SmsTemplate<N, S, K> {
  return { ...definition, channel: 'sms' };
}
