import type { z } from 'zod';
import { newDeviceSignIn, parentalConsentRequest, phoneVerificationCode, teamInvitation, welcome } from './account.templates.ts';
import {
  billingPastDue,
  billingSuspended,
  billingTerminationDecided,
  billingTerminationProposed,
  lowBalance,
  lowBalanceSms,
  monthlyInvoice,
  paymentReceived,
} from './billing.templates.ts';
import type { CommonKey } from './common.ts';
import { computeFailed, computeReady, computeStoppedNonPayment } from './compute.templates.ts';
import { productNews } from './marketing.templates.ts';
import { dsrCompleted, dsrReceived, privacyNoticeChange } from './privacy.templates.ts';
import type { AnyTemplate, Category, Channel } from './types.ts';

/** Every message the platform sends, by name. The name is what the outbox stores. */
export const templates = {
  welcome,
  'new-device-sign-in': newDeviceSignIn,
  'phone-verification-code': phoneVerificationCode,
  'team-invitation': teamInvitation,
  'parental-consent-request': parentalConsentRequest,
  'low-balance': lowBalance,
  'low-balance-sms': lowBalanceSms,
  'payment-received': paymentReceived,
  'billing-past-due': billingPastDue,
  'billing-suspended': billingSuspended,
  'billing-termination-proposed': billingTerminationProposed,
  'billing-termination-decided': billingTerminationDecided,
  'compute-ready': computeReady,
  'compute-failed': computeFailed,
  'compute-stopped-non-payment': computeStoppedNonPayment,
  'monthly-invoice': monthlyInvoice,
  'dsr-received': dsrReceived,
  'dsr-completed': dsrCompleted,
  'privacy-notice-change': privacyNoticeChange,
  'product-news': productNews,
} as const;

export type Templates = typeof templates;
export type TemplateName = keyof Templates;

// Each entry's `name` is its key: the outbox stores one, the registry looks up the other.
const _namesAreKeys: { readonly [N in TemplateName]: { readonly name: N } } = templates;

export const templateNames = Object.keys(templates) as TemplateName[];

/** The variables a caller passes when it enqueues a message (before parsing). */
export type TemplateVariables<N extends TemplateName> = z.input<Templates[N]['schema']>;

/** The keys of a template's text; English has them all. */
export type MessageKey<N extends TemplateName> = keyof Templates[N]['messages'] & string;

/**
 * A translation: any subset of the English keys, per template, plus the shared text. A key that
 * English lacks is a type error here and a failing test in translations.test.ts.
 */
export type TranslationCatalog = {
  readonly [N in TemplateName]?: { readonly [K in MessageKey<N>]?: string };
} & { readonly common?: { readonly [K in CommonKey]?: string } };

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(templates, name);
}

export function getTemplate(name: string): AnyTemplate {
  if (!isTemplateName(name)) throw new Error(`Unknown notification template "${name}"`);
  return templates[name] as AnyTemplate;
}

export function templateCategory(name: TemplateName): Category {
  return templates[name].category;
}

export function templateChannel(name: TemplateName): Channel {
  return templates[name].channel;
}
