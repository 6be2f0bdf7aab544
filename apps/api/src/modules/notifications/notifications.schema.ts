import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The transactional outbox: one row per message, written in the same transaction as the event
 * that causes it. Recipient and template variables are personal data, stored encrypted with the
 * data key of `crypto_subject_id` (the person, or the message itself for someone without an
 * account, such as an invitee).
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey(),
    subjectId: uuid('subject_id'),
    cryptoSubjectId: uuid('crypto_subject_id').notNull(),
    teamId: uuid('team_id'),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    template: text('template').notNull(),
    category: text('category', { enum: ['transactional', 'marketing'] }).notNull(),
    locale: text('locale').notNull(),
    recipientEnc: text('recipient_enc').notNull(),
    recipientHash: text('recipient_hash').notNull(),
    variablesEnc: text('variables_enc').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'delivered', 'bounced', 'complained', 'suppressed', 'dead'] }).notNull(),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('notifications_provider_message_idx').on(t.provider, t.providerMessageId), index('notifications_subject_idx').on(t.subjectId, t.createdAt)],
);

/** Every status a message went through, with the provider's word where there is one. */
export const notificationEvents = pgTable(
  'notification_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: uuid('notification_id').notNull().references(() => notifications.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    detail: text('detail'),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('notification_events_notification_idx').on(t.notificationId, t.at)],
);

/** Addresses that hard-bounced or complained: nothing is sent to them again (keyed hash only). */
export const emailSuppressions = pgTable('email_suppressions', {
  addressHash: text('address_hash').primaryKey(),
  reason: text('reason', { enum: ['bounced', 'complained'] }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** Webhook deliveries already processed, by provider and message id (providers retry). */
export const webhookReceipts = pgTable('webhook_receipts', {
  provider: text('provider').notNull(),
  messageId: text('message_id').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
}, (t) => [primaryKey({ columns: [t.provider, t.messageId] })]);

/**
 * The built-in mailbox of the embedded default: what would have gone to Resend, readable in the
 * console's development pages. Exists only while the sandboxes are on.
 */
export const devMailbox = pgTable('dev_mailbox', {
  id: uuid('id').primaryKey(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  fromAddress: text('from_address').notNull(),
  toAddress: text('to_address').notNull(),
  subject: text('subject').notNull(),
  html: text('html').notNull(),
  text: text('text').notNull(),
  tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** The built-in SMS outbox of the embedded default, with the route a real send would have taken. */
export const devSmsOutbox = pgTable('dev_sms_outbox', {
  id: uuid('id').primaryKey(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  toNumber: text('to_number').notNull(),
  text: text('text').notNull(),
  route: text('route', { enum: ['pindo', 'sns'] }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
