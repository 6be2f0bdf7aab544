import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * A person with an account. Personal fields are stored encrypted with the person's own
 * data key (`*_enc`); e-mail is found through its keyed hash, never a plain hash.
 */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  nameEnc: text('name_enc').notNull(),
  emailEnc: text('email_enc').notNull(),
  emailHash: text('email_hash').notNull().unique(),
  /** Language of notices and messages: en, rw or fr. */
  locale: text('locale', { enum: ['en', 'rw', 'fr'] }).notNull().default('en'),
  /** Under 16: marketing never reaches them (Law 058/2021 on children's data). */
  isMinor: boolean('is_minor').notNull().default(false),
  /** The person objected to direct marketing (privacy notice §6, right to object). */
  marketingObjectedAt: timestamp('marketing_objected_at', { withTimezone: true }),
  /** Processing restricted while a question is settled (privacy notice §6). */
  restrictedAt: timestamp('restricted_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
