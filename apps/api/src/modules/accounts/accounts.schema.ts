import { boolean, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

/**
 * A person with an account. Personal fields are stored encrypted with the person's own
 * data key (`*_enc`); e-mail is found through its keyed hash, never a plain hash.
 */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  nameEnc: text('name_enc').notNull(),
  emailEnc: text('email_enc').notNull(),
  emailHash: text('email_hash').notNull().unique(),
  /** Profile picture URL from Google or GitHub (privacy notice 1A, "avatar"). */
  avatarUrlEnc: text('avatar_url_enc'),
  /** Language of notices and messages: en, rw or fr. */
  locale: text('locale', { enum: ['en', 'rw', 'fr'] }).notNull().default('en'),
  /** Under 16: marketing never reaches them (Law 058/2021 on children's data). */
  isMinor: boolean('is_minor').notNull().default(false),
  /** The person objected to direct marketing (privacy notice §6, right to object). */
  marketingObjectedAt: timestamp('marketing_objected_at', { withTimezone: true }),
  /** Processing restricted while a question is settled (privacy notice §6). */
  restrictedAt: timestamp('restricted_at', { withTimezone: true }),
  /**
   * When the person closed the account (privacy notice §5), or null while it is open. Starts the
   * six-month retention clock: signing in again before its end offers reactivation.
   */
  closedAt: timestamp('closed_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const signInProviders = ['google', 'github', 'dev'] as const;
export type SignInProviderId = (typeof signInProviders)[number];

/**
 * The sign-in providers linked to an account (privacy notice 1B, "a unique authentication
 * provider ID"). The provider's subject (Google `sub`, GitHub's numeric `id`) is stored
 * encrypted with the person's data key and found through a keyed hash: in clear it would
 * re-identify a crypto-shredded person, since a GitHub id is public.
 */
export const identities = pgTable(
  'identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: signInProviders }).notNull(),
    subjectHash: text('subject_hash').notNull(),
    subjectEnc: text('subject_enc').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [unique('identities_provider_subject_unique').on(t.provider, t.subjectHash), unique('identities_user_provider_unique').on(t.userId, t.provider)],
);

/**
 * Console sessions. The browser holds an opaque 256-bit token; only its SHA-256 is stored, so a
 * copy of the table signs nobody in. A session ends at `expires_at` (absolute), at
 * `idle_expires_at` (no request for SESSION_IDLE_MINUTES) or when revoked.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    idleExpiresAt: timestamp('idle_expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    browser: text('browser'),
    os: text('os'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * A sign-in in progress, between the redirect to the provider and its callback. The browser
 * holds only the attempt id (cookie `sc_signin`); state, nonce and the PKCE verifier stay here.
 * Each attempt is used at most once and expires after ten minutes.
 */
export const signInAttempts = pgTable('sign_in_attempts', {
  id: uuid('id').primaryKey().defaultRandom(),
  provider: text('provider', { enum: signInProviders }).notNull(),
  state: text('state').notNull(),
  nonce: text('nonce'),
  codeVerifier: text('code_verifier').notNull(),
  returnTo: text('return_to').notNull(),
  /** Set when a signed-in person links another provider to their account. */
  linkUserId: uuid('link_user_id').references(() => users.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});
