import { sql } from 'drizzle-orm';
import { boolean, check, index, inet, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema.ts';
import { images, regions, specifications } from '../catalog/catalog.schema.ts';
import { teams } from '../teams/teams.schema.ts';

/**
 * States of a compute. The product's API names CREATING, RUNNING, STOPPED, REBOOTING, DESTROYING
 * and DESTROYED; STARTING, STOPPING, RESIZING and ERROR are ours, for the moments the product
 * does not name (reference §1.1).
 */
export const computeStates = ['CREATING', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'REBOOTING', 'RESIZING', 'DESTROYING', 'DESTROYED', 'ERROR'] as const;
export const actionCommands = ['create', 'start', 'stop', 'reboot', 'upsize', 'destroy'] as const;
export const actionStatuses = ['pending', 'running', 'succeeded', 'failed'] as const;
/** Why the platform itself asked for an action; null when a person or an API key did. */
export const actionReasons = ['billing-suspension', 'billing-resume', 'billing-termination'] as const;

/**
 * A virtual machine of a team. The row is the desired state and the record of the machine; the
 * hypervisor driver holds the machine itself under `driver_ref`. Rows stay after destruction
 * (state DESTROYED) as the record billing and the audit log point at.
 */
export const computes = pgTable(
  'computes',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    hostName: text('host_name').notNull(),
    state: text('state', { enum: computeStates }).notNull(),
    image: text('image').notNull().references(() => images.slug),
    region: text('region').notNull().references(() => regions.slug),
    specification: text('specification').notNull().references(() => specifications.slug),
    /** Public address; null without a public IP. Kept after destruction as history (the allocation row is what holds it). */
    ipv4: inet('ipv4'),
    privateIpv4: inet('private_ipv4').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    withPublicIp: boolean('with_public_ip').notNull(),
    /** OpenSSH public keys written to the machine at creation (from the request and the team's chosen keys). */
    publicKeys: text('public_keys').array().notNull(),
    /** cloud-init user data, encrypted under the compute's own data key (shredded on destruction); it may hold secrets. */
    userDataEnc: text('user_data_enc'),
    /** Hypervisor driver that holds the machine (`fake`, `qemu`, `proxmox`). */
    driver: text('driver').notNull(),
    /** The driver's reference to the machine; null until the driver accepted the create. */
    driverRef: text('driver_ref'),
    /** Name of the host (`hosts.name` of this driver) placement put the machine on; null for computes made before placement. */
    host: text('host'),
    /** Billing charges per started hour from here (the first RUNNING), stopped hours included. */
    billableFrom: timestamp('billable_from', { withTimezone: true }),
    /** When a destroy was accepted: billing stops here. */
    destroyedAt: timestamp('destroyed_at', { withTimezone: true }),
    /** Set when a billing suspension stopped (or is stopping) this compute, so lifting it starts exactly these again. */
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('computes_team_idx').on(t.teamId, t.createdAt),
    index('computes_tags_idx').using('gin', t.tags),
    index('computes_suspended_idx').on(t.teamId).where(sql`${t.suspendedAt} is not null`),
    // Placement sums what the live computes of each host commit.
    index('computes_host_live_idx').on(t.driver, t.host).where(sql`${t.state} <> 'DESTROYED'`),
  ],
);

/**
 * One change of a compute, run by the job worker through the hypervisor driver. At most one
 * action per compute is pending or running at a time (the partial unique index); the action id is
 * also the idempotency key the driver sees, so a retried job never creates a second machine.
 */
export const computeActions = pgTable(
  'compute_actions',
  {
    id: uuid('id').primaryKey(),
    computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    command: text('command', { enum: actionCommands }).notNull(),
    status: text('status', { enum: actionStatuses }).notNull(),
    progress: integer('progress').notNull().default(0),
    /** The specification the action gives the compute: the first one (create) or the target (upsize). */
    specification: text('specification').references(() => specifications.slug),
    reason: text('reason', { enum: actionReasons }),
    error: text('error'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('compute_actions_compute_idx').on(t.computeId, t.createdAt),
    uniqueIndex('compute_actions_one_open_idx').on(t.computeId).where(sql`${t.status} in ('pending', 'running')`),
    check('compute_actions_progress_range', sql`${t.progress} between 0 and 100`),
  ],
);

/** SSH public keys kept by a team, chosen at compute creation. */
export const sshKeys = pgTable(
  'ssh_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    publicKey: text('public_key').notNull(),
    /** `SHA256:<base64>`, as `ssh-keygen -l` prints it. */
    fingerprint: text('fingerprint').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('ssh_keys_team_fingerprint_idx').on(t.teamId, t.fingerprint), index('ssh_keys_team_idx').on(t.teamId, t.createdAt)],
);

/** The private network of a team in a region: every compute of the team there gets an address in `cidr`. */
export const privateNetworks = pgTable(
  'private_networks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    region: text('region').notNull().references(() => regions.slug),
    cidr: text('cidr').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('private_networks_team_region_idx').on(t.teamId, t.region)],
);

/**
 * Every address ever handed to a compute, public (from the platform's pool) or private (from the
 * team's network). A row is held until `released_at`; the partial unique indexes are what make an
 * address impossible to hand out twice at the same time, whatever the allocating code does.
 * Billing reads public rows to charge for held addresses.
 */
export const ipv4Allocations = pgTable(
  'ipv4_allocations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['public', 'private'] }).notNull(),
    address: inet('address').notNull(),
    region: text('region').notNull().references(() => regions.slug),
    /** The team network of a private address; null for public ones. */
    networkId: uuid('network_id').references(() => privateNetworks.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    computeId: uuid('compute_id').notNull().references(() => computes.id, { onDelete: 'cascade' }),
    allocatedAt: timestamp('allocated_at', { withTimezone: true }).notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true }),
    /** Reverse DNS of a public address while held: the host name its PTR record names (no trailing dot). */
    reverseName: text('reverse_name'),
    reverseUpdatedAt: timestamp('reverse_updated_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('ipv4_allocations_public_held_idx').on(t.address).where(sql`${t.kind} = 'public' and ${t.releasedAt} is null`),
    uniqueIndex('ipv4_allocations_private_held_idx').on(t.networkId, t.address).where(sql`${t.kind} = 'private' and ${t.releasedAt} is null`),
    uniqueIndex('ipv4_allocations_compute_held_idx').on(t.computeId, t.kind).where(sql`${t.releasedAt} is null`),
    index('ipv4_allocations_team_idx').on(t.teamId, t.kind).where(sql`${t.releasedAt} is null`),
    check('ipv4_allocations_network_kind', sql`(${t.kind} = 'private') = (${t.networkId} is not null)`),
  ],
);

export const driftKinds = ['MISSING_MACHINE', 'ORPHAN_MACHINE', 'UNKNOWN_MACHINE'] as const;

/**
 * What the reconciler found that the database and the hypervisor disagree on and that only a
 * person should settle: a compute whose machine is gone, a machine labelled for a compute we
 * destroyed or never had, a machine without our label. Nothing here is deleted automatically.
 */
export const computeDrift = pgTable(
  'compute_drift',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: driftKinds }).notNull(),
    computeId: uuid('compute_id'),
    driverRef: text('driver_ref').notNull(),
    detail: text('detail').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('compute_drift_open_key').on(t.kind, t.driverRef).where(sql`${t.resolvedAt} is null`)],
);
