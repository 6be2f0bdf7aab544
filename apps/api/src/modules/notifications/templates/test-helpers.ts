import { templateNames, templates, type TemplateName } from './registry.ts';

/** Shared by the template tests: where our links point in every render. */
export const BASE_URL = 'https://cloud.strettch.com';

/** The sample variables of a template, then its variants (which take the other branches). */
export function samplesOf(name: TemplateName): unknown[] {
  const t = templates[name];
  return [t.sampleVariables, ...(t.sampleVariants ?? [])];
}

export const emailTemplateNames = templateNames.filter((n) => templates[n].channel === 'email');
export const smsTemplateNames = templateNames.filter((n) => templates[n].channel === 'sms');
