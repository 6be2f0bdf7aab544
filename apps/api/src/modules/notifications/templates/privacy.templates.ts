import { z } from 'zod';
import { privacyPagePath } from './common.ts';
import { day, dsrRequestTypes, line, link, localizedText, moment } from './fields.ts';
import { defineEmailTemplate } from './types.ts';

const requestType = z.enum(dsrRequestTypes);

export const dsrReceived = defineEmailTemplate({
  name: 'dsr-received',
  category: 'transactional',
  description: 'Acknowledges a data-subject request (privacy notice §6) with the date by which we must answer.',
  schema: z.strictObject({
    requestType,
    reference: line(64),
    receivedAt: moment(),
    /** 30 days after receipt; computed by the privacy service, shown here as given. */
    dueDate: day(),
  }),
  sampleVariables: { requestType: 'access', reference: 'DSR-2026-0042', receivedAt: '2026-03-05T12:30:00Z', dueDate: '2026-04-04' },
  messages: {
    subject: 'We received your privacy request {reference}',
    intro: 'We have received your request about your personal data and are now handling it.',
    typeLabel: 'Request',
    referenceLabel: 'Reference',
    receivedLabel: 'Received on',
    dueLabel: 'Answer due by',
    deadline: 'We must answer within 30 days, so by {dueDate} at the latest.',
    status: 'You can follow its progress on the privacy page of your account.',
    notYou: 'If you did not make this request, tell us right away from that page.',
    action: 'Open your privacy page',
  },
  compose: (v, { t, common, date, dateTime, page }) => ({
    subject: t('subject', { reference: v.reference }),
    blocks: [
      { type: 'paragraph', text: t('intro') },
      {
        type: 'facts',
        rows: [
          { label: t('typeLabel'), value: common(`requestType.${v.requestType}`).text },
          { label: t('referenceLabel'), value: v.reference },
          { label: t('receivedLabel'), value: dateTime(v.receivedAt) },
          { label: t('dueLabel'), value: date(v.dueDate) },
        ],
      },
      { type: 'paragraph', text: t('deadline', { dueDate: date(v.dueDate) }) },
      { type: 'paragraph', text: t('status') },
      { type: 'paragraph', text: t('notYou') },
      { type: 'action', label: t('action'), href: page(privacyPagePath) },
    ],
  }),
});

export const dsrCompleted = defineEmailTemplate({
  name: 'dsr-completed',
  category: 'transactional',
  description: 'Sent when a data-subject request is answered; access and portability answers come with a download.',
  schema: z.strictObject({
    requestType,
    reference: line(64),
    completedAt: moment(),
    downloadUrl: link().nullable().optional(),
    downloadExpiresAt: moment().nullable().optional(),
  }),
  sampleVariables: {
    requestType: 'access',
    reference: 'DSR-2026-0042',
    completedAt: '2026-03-20T09:15:00Z',
    downloadUrl: '/account/exports/0f3a9c',
    downloadExpiresAt: '2026-03-27T09:15:00Z',
  },
  sampleVariants: [{ requestType: 'rectification', reference: 'DSR-2026-0043', completedAt: '2026-03-21T09:15:00Z' }],
  messages: {
    subject: 'Your privacy request {reference} is complete',
    intro: 'We have completed your request about your personal data.',
    typeLabel: 'Request',
    referenceLabel: 'Reference',
    completedLabel: 'Completed on',
    download: 'Your data is ready to download from your account.',
    downloadExpires: 'The download link works until {downloadExpiresAt}.',
    downloadAction: 'Download your data',
    action: 'Open your privacy page',
    // Privacy notice §6: the appeal to the supervisory authority, within 30 days of our answer.
    appeal:
      'If you are not satisfied with our answer, you may appeal to the supervisory authority, the National Cyber Security Authority (NCSA), within 30 days of receiving it.',
  },
  compose: (v, { t, common, dateTime, link: resolve, page }) => ({
    subject: t('subject', { reference: v.reference }),
    blocks: [
      { type: 'paragraph', text: t('intro') },
      {
        type: 'facts',
        rows: [
          { label: t('typeLabel'), value: common(`requestType.${v.requestType}`).text },
          { label: t('referenceLabel'), value: v.reference },
          { label: t('completedLabel'), value: dateTime(v.completedAt) },
        ],
      },
      ...(v.downloadUrl
        ? [
            { type: 'paragraph' as const, text: t('download') },
            ...(v.downloadExpiresAt ? [{ type: 'paragraph' as const, text: t('downloadExpires', { downloadExpiresAt: dateTime(v.downloadExpiresAt) }) }] : []),
            { type: 'action' as const, label: t('downloadAction'), href: resolve('downloadUrl', v.downloadUrl) },
          ]
        : [{ type: 'action' as const, label: t('action'), href: page(privacyPagePath) }]),
      { type: 'paragraph', text: t('appeal') },
    ],
  }),
});

/**
 * Privacy notice §9: material changes are announced by e-mail before they take effect. The
 * summary is written by us in each language; the sending service checks the date is ahead.
 */
export const privacyNoticeChange = defineEmailTemplate({
  name: 'privacy-notice-change',
  category: 'transactional',
  description: 'Announces a material change of the privacy notice before it takes effect.',
  schema: z.strictObject({ effectiveDate: day(), summary: localizedText(2000), noticeUrl: link() }),
  sampleVariables: {
    effectiveDate: '2026-05-01',
    summary: {
      en: 'We now name every company that helps us deliver e-mail and SMS.\nWe explain how long we keep usage logs.',
      fr: 'Nous nommons désormais chaque entreprise qui nous aide à envoyer les e-mails et les SMS.\nNous précisons combien de temps nous conservons les journaux d’utilisation.',
    },
    noticeUrl: '/privacy',
  },
  messages: {
    subject: 'We are updating our privacy notice',
    intro: 'We are updating the Strettch Cloud privacy notice. The new version takes effect on {effectiveDate}.',
    summaryHeading: 'What changes:',
    readIt: 'Please take a moment to read the full notice before that date.',
    rights:
      'You can exercise your rights over your personal data, including access, correction, erasure and objection, at any time from the privacy page of your account.',
    action: 'Read the privacy notice',
  },
  compose: (v, { t, pick, date, link: resolve }) => {
    const summary = pick('summary', v.summary);
    return {
      subject: t('subject'),
      blocks: [
        { type: 'paragraph', text: t('intro', { effectiveDate: date(v.effectiveDate) }) },
        { type: 'paragraph', text: t('summaryHeading') },
        ...splitParagraphs(summary.text).map((text) => ({ type: 'paragraph' as const, text: { text, lang: summary.lang } })),
        { type: 'paragraph', text: t('readIt') },
        { type: 'action', label: t('action'), href: resolve('noticeUrl', v.noticeUrl) },
        { type: 'paragraph', text: t('rights') },
      ],
    };
  },
});

/** One paragraph per non-empty line. */
export function splitParagraphs(text: string): string[] {
  return text
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}
