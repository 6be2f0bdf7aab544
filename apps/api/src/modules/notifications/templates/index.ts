/**
 * Message templates of the notification module: what each message says, in English,
 * Kinyarwanda and French, and how it is rendered (one plain HTML layout and its text twin).
 */
export { templates, templateCategory, templateChannel, templateNames, isTemplateName, type TemplateName, type TemplateVariables, type MessageKey, type TranslationCatalog } from './registry.ts';
export {
  renderTemplate,
  parseTemplateVariables,
  validateTemplateVariables,
  resolveLocale,
  TemplateVariablesError,
  type RenderOptions,
  type RenderedMessage,
  type VariableIssue,
} from './render.ts';
export { missingTranslations, checkCatalogs, type MissingTranslation, type CatalogProblem } from './catalog.ts';
export { formatRwf, formatDate, formatDateTime, formatMonth } from './format.ts';
export { gsm7Length, GSM7_SINGLE_SEGMENT } from './gsm7.ts';
export { dsrRequestTypes, type DsrRequestType, type LocalizedText } from './fields.ts';
export { locales, type Locale, type Channel, type Category } from './types.ts';
