import { z } from 'zod';
import { line, link, moment, period, rwf } from './fields.ts';
import { defineEmailTemplate } from './types.ts';

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
