import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema.ts';

/** Holders of parental responsibility who may consent for a child (Law 058/2021 Art. 9). */
export const guardianRelations = ['parent', 'guardian'] as const;

/**
 * The date of birth a person confirmed at their first sign-in, encrypted with their data key.
 * Whether they are under 16 is `users.is_minor`; the date itself is kept so the age can be
 * shown back to them and recomputed, never used for anything else.
 */
export const ageConfirmations = pgTable('age_confirmations', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  dateOfBirthEnc: text('date_of_birth_enc').notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }).notNull(),
});

/**
 * A request e-mailed to a parent or guardian: a random single-use token of which only the keyed
 * hash is stored, valid seven days. A newer request replaces the older ones.
 */
export const parentalConsentRequests = pgTable(
  'parental_consent_requests',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    guardianEmailEnc: text('guardian_email_enc').notNull(),
    guardianEmailHash: text('guardian_email_hash').notNull(),
    relation: text('relation', { enum: guardianRelations }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    /** Where the child asked from. */
    ip: text('ip'),
  },
  (t) => [index('parental_consent_requests_user_idx').on(t.userId, t.createdAt)],
);

/**
 * The consent itself, the evidence Art. 6 asks a controller to be able to show: who gave it
 * (the guardian's address, encrypted with the child's data key), as what, when, from which
 * address, and in which language the confirmation page was shown (Art. 7).
 */
export const parentalConsents = pgTable('parental_consents', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  guardianEmailEnc: text('guardian_email_enc').notNull(),
  relation: text('relation', { enum: guardianRelations }).notNull(),
  consentedAt: timestamp('consented_at', { withTimezone: true }).notNull(),
  ip: text('ip'),
  locale: text('locale').notNull(),
});
