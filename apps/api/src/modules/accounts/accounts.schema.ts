import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * A person with an account. Personal fields are stored encrypted with the person's own
 * data key (`*_enc`); e-mail is found through its keyed hash, never a plain hash.
 */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  nameEnc: text('name_enc').notNull(),
  emailEnc: text('email_enc').notNull(),
  emailHash: text('email_hash').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
