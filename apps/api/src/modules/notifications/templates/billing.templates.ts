import { z } from 'zod';
import { day, line, link, moment, period, rwf } from './fields.ts';
import { defineEmailTemplate, defineSmsTemplate } from './types.ts';

export const lowBalance = defineEmailTemplate({
  name: 'low-balance',
  category: 'transactional',
  description: "Sent when a team wallet falls below the team's alert threshold.",
  schema: z.strictObject({ teamName: line(100), balanceRwf: rwf(), thresholdRwf: rwf().nonnegative(), topUpUrl: link() }),
  sampleVariables: { teamName: 'Inyange Labs', balanceRwf: 4500, thresholdRwf: 5000, topUpUrl: '/billing' },
  messages: {
    subject: 'Low balance for the {teamName} team',
    intro: 'The wallet of the {teamName} team has fallen below the alert threshold.',
    balanceLabel: 'Current balance',
    thresholdLabel: 'Alert threshold',
    advice: 'Top up the wallet with IremboPay to keep your computes running: when the balance runs out, running computes are stopped.',
    action: 'Top up the wallet',
  },
  compose: (v, { t, rwf: money, link: resolve }) => ({
    subject: t('subject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName }) },
      {
        type: 'facts',
        rows: [
          { label: t('balanceLabel'), value: money(v.balanceRwf) },
          { label: t('thresholdLabel'), value: money(v.thresholdRwf) },
        ],
      },
      { type: 'paragraph', text: t('advice') },
      { type: 'action', label: t('action'), href: resolve('topUpUrl', v.topUpUrl) },
    ],
  }),
});

export const paymentReceived = defineEmailTemplate({
  name: 'payment-received',
  category: 'transactional',
  description: 'Sent when IremboPay confirms a top-up and the wallet is credited.',
  schema: z.strictObject({
    teamName: line(100),
    amountRwf: rwf().positive(),
    balanceRwf: rwf(),
    invoiceNumber: line(64),
    paidAt: moment(),
  }),
  sampleVariables: { teamName: 'Inyange Labs', amountRwf: 25000, balanceRwf: 29500, invoiceNumber: 'INV-2026-000123', paidAt: '2026-03-05T12:30:00Z' },
  messages: {
    subject: 'Payment received for the {teamName} team',
    intro: 'We have received your IremboPay payment and added it to the wallet of the {teamName} team. Thank you!',
    amountLabel: 'Amount paid',
    balanceLabel: 'New balance',
    invoiceLabel: 'Invoice number',
    dateLabel: 'Paid on',
    action: 'View billing',
  },
  compose: (v, { t, rwf: money, dateTime, page }) => ({
    subject: t('subject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName }) },
      {
        type: 'facts',
        rows: [
          { label: t('amountLabel'), value: money(v.amountRwf) },
          { label: t('balanceLabel'), value: money(v.balanceRwf) },
          { label: t('invoiceLabel'), value: v.invoiceNumber },
          { label: t('dateLabel'), value: dateTime(v.paidAt) },
        ],
      },
      { type: 'action', label: t('action'), href: page('/billing') },
    ],
  }),
});

export const monthlyInvoice = defineEmailTemplate({
  name: 'monthly-invoice',
  category: 'transactional',
  description: "Sent at the start of a month with the previous month's invoice of a team.",
  schema: z.strictObject({
    teamName: line(100),
    period: period(),
    totalRwf: rwf().nonnegative(),
    invoiceUrl: link(),
    invoiceNumber: line(64).optional(),
  }),
  sampleVariables: { teamName: 'Inyange Labs', period: '2026-02', totalRwf: 187350, invoiceUrl: '/billing/invoices/INV-2026-000124', invoiceNumber: 'INV-2026-000124' },
  sampleVariants: [{ teamName: 'Inyange Labs', period: '2026-12', totalRwf: 0, invoiceUrl: '/billing' }],
  messages: {
    subject: 'Your Strettch Cloud invoice for {period}',
    intro: 'The invoice of the {teamName} team for {period} is ready.',
    prepaid: 'It summarises the usage charged to your prepaid wallet during the month.',
    periodLabel: 'Period',
    numberLabel: 'Invoice number',
    totalLabel: 'Total',
    action: 'View the invoice',
  },
  compose: (v, { t, rwf: money, month, link: resolve }) => ({
    subject: t('subject', { period: month(v.period) }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName, period: month(v.period) }) },
      {
        type: 'facts',
        rows: [
          { label: t('periodLabel'), value: month(v.period) },
          ...(v.invoiceNumber ? [{ label: t('numberLabel'), value: v.invoiceNumber }] : []),
          { label: t('totalLabel'), value: money(v.totalRwf) },
        ],
      },
      { type: 'paragraph', text: t('prepaid') },
      { type: 'action', label: t('action'), href: resolve('invoiceUrl', v.invoiceUrl) },
    ],
  }),
});

/** The SMS twin of `low-balance`: one GSM-7 segment. */
export const lowBalanceSms = defineSmsTemplate({
  name: 'low-balance-sms',
  category: 'transactional',
  description: "Sent by SMS with the low-balance e-mail, to Owners and Admins with a verified phone.",
  schema: z.strictObject({ teamName: line(40), balanceRwf: rwf() }),
  sampleVariables: { teamName: 'Inyange Labs', balanceRwf: 4500 },
  messages: {
    text: 'Strettch Cloud: the {teamName} team balance is low ({balance}). Top up with IremboPay to keep your computes running.',
  },
  // Plain digits and commas: the e-mail formatter's no-break space is not in GSM-7.
  compose: (v, { t }) => ({ text: t('text', { teamName: v.teamName, balance: `RWF ${String(v.balanceRwf).replace(/\B(?=(\d{3})+$)/g, ',')}` }) }),
});

/** Dunning, step 1: the balance reached zero. */
export const billingPastDue = defineEmailTemplate({
  name: 'billing-past-due',
  category: 'transactional',
  description: 'Sent when a team wallet reaches zero or less: new resources are refused until it is topped up.',
  schema: z.strictObject({ teamName: line(100), balanceRwf: rwf(), suspendOn: day(), topUpUrl: link() }),
  sampleVariables: { teamName: 'Inyange Labs', balanceRwf: -1200, suspendOn: '2026-03-12', topUpUrl: '/billing' },
  messages: {
    subject: 'The {teamName} team wallet is empty',
    intro: 'The wallet of the {teamName} team is at {balance}. Creating and starting computes is paused until it is topped up; running computes keep running for now.',
    suspension: 'If the wallet is still empty on {suspendOn}, the team is suspended: its computes are stopped (their data is kept).',
    action: 'Top up the wallet',
  },
  compose: (v, { t, rwf: money, date, link: resolve }) => ({
    subject: t('subject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName, balance: money(v.balanceRwf) }) },
      { type: 'paragraph', text: t('suspension', { suspendOn: date(v.suspendOn) }) },
      { type: 'action', label: t('action'), href: resolve('topUpUrl', v.topUpUrl) },
    ],
  }),
});

/** Dunning, step 2: suspension. */
export const billingSuspended = defineEmailTemplate({
  name: 'billing-suspended',
  category: 'transactional',
  description: 'Sent when a team stayed past due long enough to be suspended: its computes are stopped, data kept.',
  schema: z.strictObject({ teamName: line(100), balanceRwf: rwf(), stoppedComputes: z.int().nonnegative(), topUpUrl: link() }),
  sampleVariables: { teamName: 'Inyange Labs', balanceRwf: -3400, stoppedComputes: 2, topUpUrl: '/billing' },
  messages: {
    subject: 'The {teamName} team is suspended for non-payment',
    intro: 'The wallet of the {teamName} team has stayed empty ({balance}), so the team is suspended and its running computes were stopped ({count}). Their disks and addresses are kept.',
    lift: 'A top-up that brings the balance above zero lifts the suspension at once and starts the stopped computes again.',
    action: 'Top up the wallet',
  },
  compose: (v, { t, rwf: money, link: resolve }) => ({
    subject: t('subject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName, balance: money(v.balanceRwf), count: String(v.stoppedComputes) }) },
      { type: 'paragraph', text: t('lift') },
      { type: 'action', label: t('action'), href: resolve('topUpUrl', v.topUpUrl) },
    ],
  }),
});

/** Dunning, step 3: a termination proposed to staff. No decision is automatic (privacy notice §6). */
export const billingTerminationProposed = defineEmailTemplate({
  name: 'billing-termination-proposed',
  category: 'transactional',
  description: 'Sent when a long-suspended team is proposed for termination; a staff member decides, and the team may ask for a review.',
  schema: z.strictObject({ teamName: line(100), balanceRwf: rwf(), billingUrl: link() }),
  sampleVariables: { teamName: 'Inyange Labs', balanceRwf: -3400, billingUrl: '/billing' },
  messages: {
    subject: 'The {teamName} team may be terminated',
    intro: 'The {teamName} team has been suspended for a long time with a balance of {balance}. We have proposed to terminate it, which would delete its computes and their data.',
    human: 'This is not decided by a machine: a member of our staff reviews the proposal before anything happens. You can ask for a review and tell us about your situation from the billing page, or top up to lift the suspension.',
    action: 'Open billing',
  },
  compose: (v, { t, rwf: money, link: resolve }) => ({
    subject: t('subject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { teamName: v.teamName, balance: money(v.balanceRwf) }) },
      { type: 'paragraph', text: t('human') },
      { type: 'action', label: t('action'), href: resolve('billingUrl', v.billingUrl) },
    ],
  }),
});

/** A staff member's decision on a termination proposal. */
export const billingTerminationDecided = defineEmailTemplate({
  name: 'billing-termination-decided',
  category: 'transactional',
  description: 'Sent when a staff member approves or rejects the termination of a team.',
  schema: z.strictObject({ teamName: line(100), approved: z.boolean(), billingUrl: link() }),
  sampleVariables: { teamName: 'Inyange Labs', approved: true, billingUrl: '/billing' },
  sampleVariants: [{ teamName: 'Inyange Labs', approved: false, billingUrl: '/billing' }],
  messages: {
    approvedSubject: 'The {teamName} team was terminated',
    approved: 'After review, a member of our staff terminated the {teamName} team for non-payment. Its computes are being deleted. Contact support if you believe this is wrong.',
    rejectedSubject: 'The {teamName} team will not be terminated',
    rejected: 'After review, a member of our staff decided not to terminate the {teamName} team. It stays suspended until the wallet is topped up.',
    action: 'Open billing',
  },
  compose: (v, { t, link: resolve }) => ({
    subject: t(v.approved ? 'approvedSubject' : 'rejectedSubject', { teamName: v.teamName }),
    blocks: [
      { type: 'paragraph', text: t(v.approved ? 'approved' : 'rejected', { teamName: v.teamName }) },
      { type: 'action', label: t('action'), href: resolve('billingUrl', v.billingUrl) },
    ],
  }),
});
