import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One data key per data subject, wrapped by the key-encryption key. Deleting the row
 * (crypto-shredding) makes every copy of that person's encrypted fields unreadable,
 * backups included.
 */
export const subjectKeys = pgTable('subject_keys', {
  subjectId: uuid('subject_id').primaryKey(),
  wrappedKey: text('wrapped_key').notNull(),
  kekId: text('kek_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
