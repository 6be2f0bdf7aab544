import { z } from 'zod';

/**
 * Building blocks of the template schemas. Variables are stored (encrypted) in the outbox and
 * rendered later, so they are plain JSON: amounts are integers of RWF, moments are ISO 8601
 * strings with an offset, links are paths on our own site.
 */

// Control characters (CR, LF, NUL…) have no place in a name or a subject line.
const noControlCharacters = /^[^\p{Cc}]*$/u;
// Paragraph text may contain line breaks, and nothing else from the control range.
const noControlExceptNewline = /^[^\p{Cc}]*(?:\n[^\p{Cc}]*)*$/u;

/** A short single line of text: a name, a team, a host, a reference. */
export const line = (max: number) =>
  z.string().trim().min(1).max(max).regex(noControlCharacters, 'must be a single line without control characters');

/** Longer text we write ourselves; blank lines separate paragraphs. */
export const paragraphs = (max: number) =>
  z.string().trim().min(1).max(max).regex(noControlExceptNewline, 'must not contain control characters other than line breaks');

/** An amount of Rwandan francs: RWF has no minor unit in use, so money is never a float. */
export const rwf = () => z.int();

/** A moment, e.g. `2026-03-05T14:30:00Z`; shown in Kigali time. */
export const moment = () => z.iso.datetime({ offset: true });

/** A calendar day (`2026-04-04`) or a moment whose Kigali date is meant. */
export const day = () => z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO 8601 date or date-time' });

/** A billing period, `YYYY-MM`. */
export const period = () => z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');

/**
 * A link to one of our pages: a path (`/billing`) or an absolute URL under `baseUrl`. The renderer resolves
 * it against `baseUrl` and refuses any other site, so a message never points elsewhere.
 */
export const link = () =>
  z
    .string()
    .max(2048)
    .refine((v) => (v.startsWith('/') && !v.startsWith('//')) || /^https?:\/\//.test(v), 'must be a path or an http(s) URL on our site')
    .refine((v) => noControlCharacters.test(v) && !/\s/.test(v), 'must not contain spaces or control characters');

/**
 * Text we write in several languages (a privacy-notice summary, product news). English is
 * required; the others fall back to English, visibly, in `fallbackKeys`.
 */
export const localizedText = (max: number) =>
  z.strictObject({ en: paragraphs(max), rw: paragraphs(max).optional(), fr: paragraphs(max).optional() });

export type LocalizedText = z.output<ReturnType<typeof localizedText>>;

/** The rights of a data subject, as listed in privacy notice §6. */
export const dsrRequestTypes = [
  'access',
  'rectification',
  'erasure',
  'objection',
  'portability',
  'restriction',
  'automated-decision',
  'heir',
] as const;
export type DsrRequestType = (typeof dsrRequestTypes)[number];
