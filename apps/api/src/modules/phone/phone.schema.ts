import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema.ts';

/**
 * A person's verified phone number (one per account). The number is encrypted with the person's
 * data key; the keyed hash finds accounts that share a number. A row exists only once a code sent
 * to the number was confirmed, so a change of number keeps the old one until the new one is proven.
 */
export const phoneNumbers = pgTable(
  'phone_numbers',
  {
    userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
    phoneEnc: text('phone_enc').notNull(),
    phoneHash: text('phone_hash').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('phone_numbers_phone_hash_idx').on(t.phoneHash)],
);

/**
 * One SMS code sent for verification. Only an HMAC of the code is kept, bound to the row id, so
 * neither a database dump nor a copied row reveals or replays a code. The rows also feed the
 * sending limits (per account, per number, per IP), which is why the number and IP are kept.
 */
export const phoneVerifications = pgTable(
  'phone_verifications',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** The number being verified, encrypted: it becomes `phone_numbers.phone_enc` once confirmed. */
    phoneEnc: text('phone_enc').notNull(),
    phoneHash: text('phone_hash').notNull(),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    ip: text('ip'),
  },
  (t) => [
    index('phone_verifications_user_idx').on(t.userId, t.createdAt),
    index('phone_verifications_phone_idx').on(t.phoneHash, t.createdAt),
    index('phone_verifications_ip_idx').on(t.ip, t.createdAt),
  ],
);
