import { describe, expect, it } from 'vitest';
import { parseTemplateVariables, renderTemplate, TemplateVariablesError } from './render.ts';
import { templateNames, templates, type TemplateName } from './registry.ts';
import { BASE_URL, samplesOf } from './test-helpers.ts';

function refusal(name: TemplateName, vars: unknown): TemplateVariablesError {
  try {
    renderTemplate(name, 'en', vars, { baseUrl: BASE_URL });
  } catch (e) {
    if (e instanceof TemplateVariablesError) return e;
    throw e;
  }
  throw new Error(`${name} accepted invalid variables`);
}

describe('template variables', () => {
  it('accepts every stored sample', () => {
    for (const name of templateNames) for (const vars of samplesOf(name)) expect(() => parseTemplateVariables(name, vars)).not.toThrow();
  });

  // Each case puts a recognisable secret in one field; the error must name the field, never the value.
  const cases: Array<[TemplateName, string, unknown, string]> = [
    ['low-balance', 'balanceRwf', 4500.5, '4500.5'],
    ['low-balance', 'balanceRwf', '4500', '4500'],
    ['payment-received', 'amountRwf', -25000, '25000'],
    ['payment-received', 'paidAt', 'yesterday-SECRET', 'SECRET'],
    ['welcome', 'name', 'Aline\nBcc: SECRET@example.com', 'SECRET'],
    ['welcome', 'name', '', '(empty)'],
    ['compute-ready', 'ipv4', '10.0.0.SECRET', 'SECRET'],
    ['compute-ready', 'sshPort', 70000, '70000'],
    ['monthly-invoice', 'period', '2026-13', '2026-13'],
    ['phone-verification-code', 'code', 'SECRET1', 'SECRET'],
    ['dsr-received', 'requestType', 'SECRET-TYPE', 'SECRET'],
    ['dsr-received', 'dueDate', '2026-02-30', '2026-02-30'],
    ['new-device-sign-in', 'sessionsUrl', 'https://SECRET.example/x', 'SECRET'],
    ['privacy-notice-change', 'summary.en', 42, '42'],
  ];

  it.each(cases)('%s refuses a bad %s and does not echo it', (name, field, value, secret) => {
    const [head, sub] = field.split('.') as [string, string | undefined];
    const base = templates[name].sampleVariables as Record<string, unknown>;
    const vars = { ...base, [head]: sub ? { ...(base[head] as object), [sub]: value } : value };
    const error = refusal(name, vars);
    expect(error.template).toBe(name);
    expect(error.issues.map((i) => i.field)).toContain(field);
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toContain(field);
    if (secret === '(empty)') return;
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.issues)).not.toContain(String(value));
  });

  it('says an empty text is empty', () => {
    expect(refusal('welcome', { name: '   ' }).message).toBe('Invalid variables for notification template "welcome": name must not be empty');
  });

  it('names a missing field as required', () => {
    const error = refusal('low-balance', { teamName: 'Inyange Labs', balanceRwf: 1, thresholdRwf: 2 });
    expect(error.issues).toEqual([{ field: 'topUpUrl', problem: 'is required' }]);
    expect(error.message).toBe('Invalid variables for notification template "low-balance": topUpUrl is required');
  });

  it('refuses fields the message does not need, naming them but not their values', () => {
    const error = refusal('welcome', { name: 'Aline', email: 'aline.SECRET@example.com', phone: '+250788000000' });
    expect(error.issues.map((i) => i.field).sort()).toEqual(['email', 'phone']);
    expect(error.message).not.toContain('SECRET');
    expect(error.message).not.toContain('+250788000000');
  });

  it('refuses something that is not an object', () => {
    expect(refusal('welcome', null).issues[0]?.field).toBe('(variables)');
    expect(refusal('welcome', 'Aline').message).not.toContain('Aline');
  });

  it('is the same check at enqueue time', () => {
    expect(() => parseTemplateVariables('welcome', {})).toThrow(TemplateVariablesError);
    expect(parseTemplateVariables('welcome', { name: '  Aline  ' })).toEqual({ name: 'Aline' });
  });
});
