import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Money is whole Rwandan francs (RWF has no minor unit in use) in `bigint` columns, read as
 * JavaScript numbers (safe below 2^53). Usage is priced per hour in thousandths of a franc
 * ("milli-RWF") so that a 3,999 RWF/month plan has an exact hourly rate; wallets are debited in
 * whole francs and the fraction is carried to the next debit, so nothing is rounded away.
 *
 * Ledger tables carry `team_id` without a foreign key: accounting records outlive a deleted team.
 */

export const billingStates = ['ACTIVE', 'PAST_DUE', 'SUSPENDED', 'TERMINATION_PROPOSED', 'TERMINATED'] as const;
export type BillingState = (typeof billingStates)[number];

/** Ledger accounts. A team's wallet is `team_wallet` with its `team_id`; the others are the platform's. */
export const ledgerAccounts = ['team_wallet', 'payment_clearing', 'usage_revenue', 'promotional_credit', 'referral_rewards', 'adjustments'] as const;
export type LedgerAccount = (typeof ledgerAccounts)[number];

export const ledgerKinds = ['top_up', 'usage', 'credit', 'referral', 'adjustment', 'refund'] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

/** One wallet per team: the cached balance (derived from `ledger_entries`) and the dunning state. */
export const teamWallets = pgTable('team_wallets', {
  teamId: uuid('team_id').primaryKey(),
  /** Sum of the team's `team_wallet` entries, updated in the same transaction as they are written. */
  balance: bigint('balance', { mode: 'number' }).notNull().default(0),
  /** Usage priced but not yet debited, in milli-RWF (always 0 ≤ x < 1000 after a debit). */
  usageRemainderMilli: bigint('usage_remainder_milli', { mode: 'number' }).notNull().default(0),
  state: text('state', { enum: billingStates }).notNull().default('ACTIVE'),
  stateChangedAt: timestamp('state_changed_at', { withTimezone: true }).notNull(),
  /** Low-balance alert threshold in RWF; null uses the platform default. */
  lowBalanceThreshold: integer('low_balance_threshold'),
  /** Set when a low-balance alert went out; cleared when the balance rises above the threshold again. */
  lowBalanceAlertedAt: timestamp('low_balance_alerted_at', { withTimezone: true }),
  /** Sum of top-ups paid into this wallet (referral rewards count it). */
  toppedUpTotal: bigint('topped_up_total', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** A balanced set of entries: one money movement. `reference` makes every movement happen once. */
export const ledgerTransactions = pgTable(
  'ledger_transactions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    teamId: uuid('team_id'),
    kind: text('kind', { enum: ledgerKinds }).notNull(),
    reference: text('reference').notNull(),
    description: text('description').notNull(),
    /** Why staff made a credit, refund or adjustment (required for those). */
    reason: text('reason'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('ledger_transactions_reference_key').on(t.reference), index('ledger_transactions_team_idx').on(t.teamId, t.createdAt)],
);

/** Signed amounts; the entries of one transaction sum to zero. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: bigint('transaction_id', { mode: 'number' }).notNull().references(() => ledgerTransactions.id),
    account: text('account', { enum: ledgerAccounts }).notNull(),
    teamId: uuid('team_id'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('ledger_entries_transaction_idx').on(t.transactionId), index('ledger_entries_account_team_idx').on(t.account, t.teamId)],
);

export const topUpStatuses = ['PENDING', 'PAID', 'EXPIRED', 'FAILED'] as const;

/**
 * A top-up: our IremboPay invoice. Only what IremboPay confirms is kept (invoice number, amount,
 * status, payment method type, when it was paid): never a card or mobile-money account number.
 */
export const topUps = pgTable(
  'top_ups',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id').notNull(),
    requestedBy: uuid('requested_by'),
    amount: integer('amount').notNull(),
    /** Our merchant-unique id sent to IremboPay (`transactionId`). */
    transactionId: text('transaction_id').notNull(),
    invoiceNumber: text('invoice_number'),
    paymentLinkUrl: text('payment_link_url'),
    status: text('status', { enum: topUpStatuses }).notNull(),
    /** `MTN_MOMO`, `AIRTEL_MONEY`, `ONLINE_CARD`, … — the type only. */
    paymentMethod: text('payment_method'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** The ledger transaction that credited it; set exactly once. */
    ledgerTransactionId: bigint('ledger_transaction_id', { mode: 'number' }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('top_ups_transaction_id_key').on(t.transactionId),
    uniqueIndex('top_ups_invoice_number_key').on(t.invoiceNumber),
    index('top_ups_team_idx').on(t.teamId, t.createdAt),
    index('top_ups_open_idx').on(t.createdAt).where(sql`${t.status} = 'PENDING'`),
  ],
);

/**
 * Usage priced per resource and period: one row per compute per started hour, one per public
 * IPv4 per month. The primary key makes metering idempotent.
 */
export const usageRecords = pgTable(
  'usage_records',
  {
    resourceType: text('resource_type', { enum: ['compute', 'ipv4'] }).notNull(),
    resourceId: uuid('resource_id').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    teamId: uuid('team_id').notNull(),
    /** The compute's specification during that hour; null for addresses. */
    specification: text('specification'),
    amountMilli: bigint('amount_milli', { mode: 'number' }).notNull(),
    /** When the wallet was debited for it (whole francs; the fraction carried in the wallet's remainder). */
    debitedAt: timestamp('debited_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.resourceType, t.resourceId, t.periodStart] }),
    index('usage_records_undebited_idx').on(t.teamId).where(sql`${t.debitedAt} is null`),
    index('usage_records_team_period_idx').on(t.teamId, t.periodStart),
  ],
);

/** Progress of the scheduled billing runs, by name (e.g. `metering`: the next hour to meter). */
export const billingCursors = pgTable('billing_cursors', {
  name: text('name').primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull(),
});

/**
 * Items a staff member must look at: a payment for an unknown invoice or of the wrong amount, a
 * ledger that does not add up. Nothing here moves money by itself.
 */
export const billingReviewItems = pgTable(
  'billing_review_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['UNKNOWN_INVOICE', 'AMOUNT_MISMATCH', 'LEDGER_MISMATCH'] }).notNull(),
    teamId: uuid('team_id'),
    reference: text('reference').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
  },
  (t) => [uniqueIndex('billing_review_items_kind_reference_key').on(t.kind, t.reference)],
);

/**
 * A proposal to terminate a suspended team. Never carried out automatically (privacy notice §6):
 * a named staff member approves or rejects it, and the team may ask for a review meanwhile.
 */
export const terminationProposals = pgTable(
  'termination_proposals',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id').notNull(),
    status: text('status', { enum: ['PROPOSED', 'APPROVED', 'REJECTED', 'WITHDRAWN'] }).notNull(),
    proposedAt: timestamp('proposed_at', { withTimezone: true }).notNull(),
    /** Balance when proposed, RWF (negative: owed). */
    balance: bigint('balance', { mode: 'number' }).notNull(),
    reviewRequestedAt: timestamp('review_requested_at', { withTimezone: true }),
    reviewNote: text('review_note'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
  },
  (t) => [index('termination_proposals_team_idx').on(t.teamId), uniqueIndex('termination_proposals_open_key').on(t.teamId).where(sql`${t.status} = 'PROPOSED'`)],
);

/** The last invoice number used in each year; taken under a row lock so numbers have no gaps. */
export const invoiceCounters = pgTable('invoice_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});

export interface InvoiceLine {
  /** `compute`, `ipv4`, `credit`. */
  kind: string;
  resourceId: string | null;
  description: string;
  /** Hours for a compute, months for an address. */
  quantity: number;
  amount: number;
}

/**
 * A monthly invoice: what the prepaid wallet was charged for in one month, per resource and per
 * resource type, with credits and the tax included in the price shown separately. Issued on the
 * 1st for the month before; the PDF is rendered from this row whenever it is downloaded.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey(),
    teamId: uuid('team_id').notNull(),
    number: text('number').notNull(),
    year: integer('year').notNull(),
    sequence: integer('sequence').notNull(),
    /** First day of the month invoiced (UTC), e.g. 2026-11-01. */
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    /** Usage before credits, RWF, tax included. */
    usageTotal: bigint('usage_total', { mode: 'number' }).notNull(),
    credits: bigint('credits', { mode: 'number' }).notNull(),
    /** What the wallet paid: usage minus credits, tax included. */
    total: bigint('total', { mode: 'number' }).notNull(),
    /** Tax rate in basis points (1800 = 18 %). */
    taxRateBp: integer('tax_rate_bp').notNull(),
    /** The tax contained in `total`. */
    tax: bigint('tax', { mode: 'number' }).notNull(),
    /** The team's name when the invoice was issued. */
    teamName: text('team_name').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_key').on(t.number),
    uniqueIndex('invoices_year_sequence_key').on(t.year, t.sequence),
    uniqueIndex('invoices_team_period_key').on(t.teamId, t.periodStart),
  ],
);

/** A person's referral code (one each, made on first use). */
export const referralCodes = pgTable('referral_codes', {
  userId: uuid('user_id').primaryKey(),
  code: text('code').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/**
 * Who referred whom. When the referred person's top-ups on a team they own reach the threshold,
 * both get the reward once, each on a team they own.
 */
export const referrals = pgTable('referrals', {
  referredUserId: uuid('referred_user_id').primaryKey(),
  referrerUserId: uuid('referrer_user_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  rewardedAt: timestamp('rewarded_at', { withTimezone: true }),
});
