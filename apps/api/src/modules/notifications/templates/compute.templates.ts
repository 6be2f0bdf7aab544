import { z } from 'zod';
import { day, line, link, moment } from './fields.ts';
import { defineEmailTemplate } from './types.ts';

export const computeReady = defineEmailTemplate({
  name: 'compute-ready',
  category: 'transactional',
  description: 'Sent when a compute the person created has booted and can be reached.',
  schema: z.strictObject({
    hostName: line(253),
    ipv4: z.ipv4().nullable().optional(),
    region: line(64),
    sshPort: z.int().min(1).max(65535),
    computeUrl: link().optional(),
  }),
  sampleVariables: { hostName: 'web-1', ipv4: '196.12.160.24', region: 'kigali-1', sshPort: 222, computeUrl: '/computes/9b2e4c1a' },
  sampleVariants: [{ hostName: 'db-internal', ipv4: null, region: 'kigali-1', sshPort: 222 }],
  messages: {
    subject: 'Your compute {hostName} is ready',
    intro: 'Your compute {hostName} is running and ready to use.',
    hostLabel: 'Host name',
    regionLabel: 'Region',
    ipv4Label: 'IPv4 address',
    sshPortLabel: 'SSH port',
    ssh: 'Connect over SSH on port {sshPort} with the key you chose when you created it.',
    noIpv4: 'It has no public IPv4 address; the console shows how to reach it.',
    action: 'View the compute',
  },
  compose: (v, { t, link: resolve, page }) => ({
    subject: t('subject', { hostName: v.hostName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { hostName: v.hostName }) },
      {
        type: 'facts',
        rows: [
          { label: t('hostLabel'), value: v.hostName },
          { label: t('regionLabel'), value: v.region },
          ...(v.ipv4 ? [{ label: t('ipv4Label'), value: v.ipv4 }] : []),
          { label: t('sshPortLabel'), value: String(v.sshPort) },
        ],
      },
      { type: 'paragraph', text: v.ipv4 ? t('ssh', { sshPort: v.sshPort }) : t('noIpv4') },
      { type: 'action', label: t('action'), href: v.computeUrl ? resolve('computeUrl', v.computeUrl) : page('/computes') },
    ],
  }),
});

export const computeFailed = defineEmailTemplate({
  name: 'compute-failed',
  category: 'transactional',
  description: 'Sent when a compute could not be created. The cause stays in our logs: it means nothing to the reader.',
  schema: z.strictObject({ hostName: line(253), region: line(64), computeUrl: link().optional() }),
  sampleVariables: { hostName: 'web-2', region: 'kigali-1', computeUrl: '/computes' },
  messages: {
    subject: 'Your compute {hostName} could not be created',
    intro: 'We could not create your compute {hostName} in the {region} region.',
    retry: 'You can try again from the console. If it fails again, contact our support team and mention the name of the compute.',
    action: 'Open your computes',
  },
  compose: (v, { t, link: resolve, page }) => ({
    subject: t('subject', { hostName: v.hostName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { hostName: v.hostName, region: v.region }) },
      { type: 'paragraph', text: t('retry') },
      { type: 'action', label: t('action'), href: v.computeUrl ? resolve('computeUrl', v.computeUrl) : page('/computes') },
    ],
  }),
});

export const computeStoppedNonPayment = defineEmailTemplate({
  name: 'compute-stopped-non-payment',
  category: 'transactional',
  description: 'Sent when a running compute is stopped because its team wallet ran out.',
  schema: z.strictObject({
    teamName: line(100),
    hostName: line(253),
    stoppedAt: moment(),
    topUpUrl: link(),
    /** When the stopped compute and its data will be deleted, if that is scheduled. */
    deletionDate: day().nullable().optional(),
  }),
  sampleVariables: { teamName: 'Inyange Labs', hostName: 'web-1', stoppedAt: '2026-03-05T12:30:00Z', topUpUrl: '/billing', deletionDate: '2026-04-04' },
  sampleVariants: [{ teamName: 'Inyange Labs', hostName: 'web-1', stoppedAt: '2026-03-01T06:00:00Z', topUpUrl: '/billing', deletionDate: null }],
  messages: {
    subject: 'Your compute {hostName} was stopped: the wallet is empty',
    intro: 'We stopped your compute {hostName} on {stoppedAt} because the wallet of the {teamName} team has run out of funds.',
    deletion: 'Its data is kept until {deletionDate}. After that date, if the wallet has not been topped up, the compute and its data will be deleted.',
    restart: 'Top up the wallet with IremboPay, then start the compute again from the console.',
    action: 'Top up the wallet',
  },
  compose: (v, { t, dateTime, date, link: resolve }) => ({
    subject: t('subject', { hostName: v.hostName }),
    blocks: [
      { type: 'paragraph', text: t('intro', { hostName: v.hostName, stoppedAt: dateTime(v.stoppedAt), teamName: v.teamName }) },
      ...(v.deletionDate ? [{ type: 'paragraph' as const, text: t('deletion', { deletionDate: date(v.deletionDate) }) }] : []),
      { type: 'paragraph', text: t('restart') },
      { type: 'action', label: t('action'), href: resolve('topUpUrl', v.topUpUrl) },
    ],
  }),
});
