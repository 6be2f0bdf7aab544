import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema.ts';
import { teams } from '../teams/teams.schema.ts';

export const zoneStatuses = ['ACTIVATING', 'ACTIVE', 'INACTIVE'] as const;
export type ZoneStatus = (typeof zoneStatuses)[number];

/**
 * A domain a team hosts on the platform's nameservers. A name has at most one live claim
 * (ACTIVATING or ACTIVE) across all teams at a time: the partial unique index is what refuses a
 * second team, whatever the calling code does. An INACTIVE zone (no delegation 24 h after it was
 * added) stays with its team and is checked again, but no longer blocks the name for others.
 */
export const dnsZones = pgTable(
  'dns_zones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    /** Lower-case, ASCII (IDNs in punycode), no trailing dot. */
    name: text('name').notNull(),
    status: text('status', { enum: zoneStatuses }).notNull(),
    /** SOA serial, YYYYMMDDnn, raised on every change (RFC 1912 §2.2). */
    serial: bigint('serial', { mode: 'number' }).notNull(),
    /**
     * A zone below another team's hosted zone is served only once that team delegates it (an NS
     * rrset at this name, pointing at our nameservers, in their zone): the parent's proof.
     */
    parentZoneId: uuid('parent_zone_id').references((): AnyPgColumn => dnsZones.id, { onDelete: 'set null' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** Last delegation check, and when the status last changed. */
    checkedAt: timestamp('checked_at', { withTimezone: true }),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull(),
    /** The nameservers the last check found for the domain (what the registrar delegates to). */
    observedNameservers: jsonb('observed_nameservers').$type<string[]>(),
  },
  (t) => [
    uniqueIndex('dns_zones_team_name_idx').on(t.teamId, t.name),
    uniqueIndex('dns_zones_live_name_idx').on(t.name).where(sql`${t.status} in ('ACTIVATING', 'ACTIVE')`),
    index('dns_zones_status_idx').on(t.status, t.checkedAt),
  ],
);

export interface StoredRecord {
  value: string;
  comment?: string;
}

/** One rrset of a zone: every record of one type at one name, with one TTL (RFC 2181 §5.2). */
export const dnsRrsets = pgTable(
  'dns_rrsets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    zoneId: uuid('zone_id').notNull().references(() => dnsZones.id, { onDelete: 'cascade' }),
    /** Fully qualified owner name, lower-case, no trailing dot (`*.` leftmost for a wildcard). */
    name: text('name').notNull(),
    type: text('type').notNull(),
    ttl: integer('ttl').notNull(),
    /** Values in presentation format, each with an optional comment. */
    records: jsonb('records').$type<StoredRecord[]>().notNull(),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('dns_rrsets_zone_name_type_idx').on(t.zoneId, t.name, t.type), check('dns_rrsets_ttl_positive', sql`${t.ttl} >= 0`)],
);

/**
 * Records found at the domain's previous DNS host when it was added (auto-import), waiting for
 * the team to confirm them: nothing here is served until accepted into `dns_rrsets`.
 */
export const dnsImports = pgTable('dns_imports', {
  zoneId: uuid('zone_id')
    .primaryKey()
    .references(() => dnsZones.id, { onDelete: 'cascade' }),
  /** `axfr` when the old host allowed a zone transfer, else `lookup` (apex and common names). */
  method: text('method', { enum: ['axfr', 'lookup'] }).notNull(),
  rrsets: jsonb('rrsets').$type<{ name: string; type: string; ttl: number; records: StoredRecord[] }[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
