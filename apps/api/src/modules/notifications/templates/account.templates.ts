import { z } from 'zod';
import { line, link, moment } from './fields.ts';
import { defineEmailTemplate, defineSmsTemplate } from './types.ts';

export const welcome = defineEmailTemplate({
  name: 'welcome',
  category: 'transactional',
  description: 'Sent once, when a person signs up.',
  schema: z.strictObject({ name: line(100) }),
  sampleVariables: { name: 'Aline Uwase' },
  messages: {
    subject: 'Welcome to Strettch Cloud',
    greeting: 'Hello {name},',
    intro: 'Your Strettch Cloud account is ready. You can now run computes and host your DNS zones in data centres located in Rwanda.',
    nextSteps: 'To get started, top up your team wallet with IremboPay, then create your first compute.',
    action: 'Open the console',
  },
  compose: (v, { t, page }) => ({
    subject: t('subject'),
    greeting: t('greeting', { name: v.name }),
    blocks: [
      { type: 'paragraph', text: t('intro') },
      { type: 'paragraph', text: t('nextSteps') },
      { type: 'action', label: t('action'), href: page('/') },
    ],
  }),
});

export const newDeviceSignIn = defineEmailTemplate({
  name: 'new-device-sign-in',
  category: 'transactional',
  description: 'Sent when an account signs in from a browser and system not seen before (ua-parser-js names them).',
  // No IP address: the approximate location is all the person needs to recognise the sign-in.
  schema: z.strictObject({
    browser: line(80),
    os: line(80),
    approximateLocation: line(120).nullable().optional(),
    at: moment(),
    sessionsUrl: link(),
  }),
  sampleVariables: { browser: 'Firefox 128', os: 'Windows 11', approximateLocation: 'Kigali, Rwanda', at: '2026-03-05T12:30:00Z', sessionsUrl: '/account' },
  sampleVariants: [{ browser: 'Safari 17', os: 'iOS 17', approximateLocation: null, at: '2026-03-05T22:30:00Z', sessionsUrl: '/account' }],
  messages: {
    subject: 'New sign-in to your Strettch Cloud account',
    intro: 'Your Strettch Cloud account was just signed in to from a device or browser we have not seen before.',
    whenLabel: 'When',
    deviceLabel: 'Device',
    deviceValue: '{browser} on {os}',
    locationLabel: 'Approximate location',
    locationNote: 'The location is estimated from the network address and may be inaccurate.',
    ifYou: 'If this was you, there is nothing to do.',
    ifNotYou: 'If it was not you, sign out of that session now, then secure the Google or GitHub account you use to sign in to Strettch Cloud.',
    action: 'Review your sessions',
  },
  compose: (v, { t, dateTime, link: resolve }) => ({
    subject: t('subject'),
    blocks: [
      { type: 'paragraph', text: t('intro') },
      {
        type: 'facts',
        rows: [
          { label: t('whenLabel'), value: dateTime(v.at) },
          { label: t('deviceLabel'), value: t('deviceValue', { browser: v.browser, os: v.os }).text },
          ...(v.approximateLocation ? [{ label: t('locationLabel'), value: v.approximateLocation }] : []),
        ],
      },
      ...(v.approximateLocation ? [{ type: 'paragraph' as const, text: t('locationNote') }] : []),
      { type: 'paragraph', text: t('ifYou') },
      { type: 'paragraph', text: t('ifNotYou') },
      { type: 'action', label: t('action'), href: resolve('sessionsUrl', v.sessionsUrl) },
    ],
  }),
});

/**
 * The only SMS. It must fit one GSM-7 segment (160 characters) in every language, so it has no
 * characters outside GSM 03.38 (no curly quotes, no no-break spaces) — see sms.test.ts.
 */
export const phoneVerificationCode = defineSmsTemplate({
  name: 'phone-verification-code',
  category: 'transactional',
  description: 'Sent when a person adds or changes the phone number on their account.',
  schema: z.strictObject({
    code: z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits'),
    minutes: z.int().min(1).max(60),
  }),
  sampleVariables: { code: '482913', minutes: 10 },
  messages: {
    text: 'Strettch Cloud: your verification code is {code}. It expires in {minutes} minutes. Never share it with anyone.',
  },
  compose: (v, { t }) => ({ text: t('text', { code: v.code, minutes: v.minutes }) }),
});

export const teamInvitation = defineEmailTemplate({
  name: 'team-invitation',
  category: 'transactional',
  description: 'Sent to an e-mail address a team member invited; the invitee may not have an account yet.',
  schema: z.strictObject({ inviterName: line(100), teamName: line(100), acceptUrl: link(), expiresAt: moment() }),
  sampleVariables: {
    inviterName: 'Jean Mugisha',
    teamName: 'Inyange Labs',
    acceptUrl: '/invitations/accept?token=5f1c0a9e',
    expiresAt: '2026-03-12T08:00:00Z',
  },
  messages: {
    subject: '{inviterName} invited you to join {teamName} on Strettch Cloud',
    intro: '{inviterName} invited you to join the team {teamName} on Strettch Cloud.',
    howTo: 'To accept, open the link below and sign in with Google or GitHub.',
    expires: 'This invitation expires on {expiresAt}.',
    action: 'Accept the invitation',
    ignore: 'If you were not expecting this invitation, you can ignore this message.',
    reason: 'You receive this message because a member of a Strettch Cloud team invited this email address.',
  },
  compose: (v, { t, dateTime, link: resolve }) => ({
    subject: t('subject', { inviterName: v.inviterName, teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { inviterName: v.inviterName, teamName: v.teamName }) },
      { type: 'paragraph', text: t('howTo') },
      { type: 'action', label: t('action'), href: resolve('acceptUrl', v.acceptUrl) },
      { type: 'paragraph', text: t('expires', { expiresAt: dateTime(v.expiresAt) }) },
      { type: 'paragraph', text: t('ignore') },
    ],
    reason: t('reason'),
  }),
});

/**
 * Privacy notice §7 and Law 058/2021 Art. 9: a person under 16 uses the service only with the
 * consent of a holder of parental responsibility. Sent to the address the child gave; the link
 * opens a confirmation page (opening it changes nothing, confirming on the page does).
 */
export const parentalConsentRequest = defineEmailTemplate({
  name: 'parental-consent-request',
  category: 'transactional',
  description: 'Sent to the parent or guardian named by an account holder under 16, asking for consent.',
  schema: z.strictObject({ childName: line(100), confirmUrl: link(), expiresAt: moment() }),
  sampleVariables: { childName: 'Keza Uwase', confirmUrl: '/consent/parental/Jd9xQ2c5', expiresAt: '2026-03-12T08:00:00Z' },
  messages: {
    subject: '{childName} asks for your consent to use Strettch Cloud',
    intro: '{childName} created an account on Strettch Cloud, a cloud service based in Rwanda, and gave this email address as that of their parent or guardian.',
    law: 'Rwandan law protects the personal data of people under 16: until a parent or guardian consents, the account cannot create cloud resources or make payments. We never send it marketing.',
    howTo: 'If you are the parent or legal guardian of {childName} and agree to their use of Strettch Cloud, open the link below and confirm.',
    action: 'Review and give consent',
    expires: 'The link works once and expires on {expiresAt}.',
    withdraw: 'You can withdraw your consent at any time by writing to us at the address given in our privacy notice.',
    ignore: 'If you do not know {childName} or do not agree, ignore this message: the account stays limited.',
    reason: 'You receive this message because a Strettch Cloud user under 16 gave this email address as that of their parent or guardian.',
  },
  compose: (v, { t, dateTime, link: resolve }) => ({
    subject: t('subject', { childName: v.childName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { childName: v.childName }) },
      { type: 'paragraph', text: t('law') },
      { type: 'paragraph', text: t('howTo', { childName: v.childName }) },
      { type: 'action', label: t('action'), href: resolve('confirmUrl', v.confirmUrl) },
      { type: 'paragraph', text: t('expires', { expiresAt: dateTime(v.expiresAt) }) },
      { type: 'paragraph', text: t('withdraw') },
      { type: 'paragraph', text: t('ignore', { childName: v.childName }) },
    ],
    reason: t('reason'),
  }),
});
