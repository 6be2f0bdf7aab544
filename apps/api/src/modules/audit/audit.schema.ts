import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The team audit log: who did what to which resource, written in the same transaction as the change. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    teamId: uuid('team_id'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    /** Browser and operating system names parsed from the user agent (not the raw string). */
    browser: text('browser'),
    os: text('os'),
    requestId: text('request_id'),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('audit_events_team_at_idx').on(t.teamId, t.at)],
);

/**
 * The usage log promised by the privacy notice (section 1B): every API call with its time,
 * actor, team, method, route template, status, duration, IP, browser and operating system.
 */
export const apiUsage = pgTable(
  'api_usage',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    teamId: uuid('team_id'),
    method: text('method').notNull(),
    route: text('route').notNull(),
    status: integer('status').notNull(),
    durationMs: integer('duration_ms').notNull(),
    ip: text('ip'),
    browser: text('browser'),
    os: text('os'),
    requestId: text('request_id').notNull(),
  },
  (t) => [index('api_usage_team_at_idx').on(t.teamId, t.at), index('api_usage_actor_at_idx').on(t.actorId, t.at)],
);
