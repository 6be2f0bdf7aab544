import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema.ts';
import { apiKeys, teams } from '../teams/teams.schema.ts';
import { computes } from './computes.schema.ts';

/**
 * Single-use tickets that open a compute's web console. The browser asks for one with its
 * session (CSRF-checked), then hands it over as the first WebSocket message, so no secret travels
 * in a URL. Tickets live in the database rather than in process memory because the HTTP role may
 * run as several processes behind a load balancer: the WebSocket can land on another process than
 * the request that made the ticket, and "used once" must hold across all of them. Only a hash of
 * the ticket is stored; a row is worthless a minute after it is made and deleted a day later (data map).
 */
export const computeConsoleTickets = pgTable(
  'compute_console_tickets',
  {
    id: uuid('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    /** The person who asked (for an API key, its creator): the console acts as them. */
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** Set when an API key asked: the console is then checked against the key's scopes too. */
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('compute_console_tickets_expires_idx').on(t.expiresAt)],
);
