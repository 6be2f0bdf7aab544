import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';

/**
 * The data map: every column of every table, declared personal or not (ARCHITECTURE.md
 * "Data map"). The access export, rectification, erasure, the retention scheduler and the
 * record of processing (Law 058/2021 Art. 17) are driven from it, and a test fails when a
 * column is missing, so a new field cannot be stored without someone deciding what it is.
 *
 * What counts as personal: Art. 3 defines personal data as any information relating to an
 * identifiable person, naming identification numbers and online identifiers. Here a column
 * is personal when its value identifies a person (names, e-mail, user ids, IP addresses),
 * describes a person or what they did (membership, role, the calls in the usage log,
 * browser and operating system), or is free text or a stored payload a person may fill
 * with personal data. Reference data, identifiers of things that are not people (teams,
 * API keys, jobs, requests), credential hashes and bookkeeping columns are not.
 */

/** What kind of personal data a column holds; the record of processing groups by it (Art. 17). */
export type DataCategory =
  | 'identity' // names
  | 'contact' // e-mail addresses, phone numbers
  | 'identifier' // ids and pseudonymous keys that point at one person
  | 'account' // facts about a person's account and memberships
  | 'usage' // what a person did and when (privacy notice 1B)
  | 'network' // IP addresses
  | 'device' // browser and operating system
  | 'content'; // free text and stored payloads a person may fill with anything

/** Why we process it, in the words of the privacy notice, section 2. */
export type Purpose =
  | 'account' // create and manage the account, sign-in
  | 'service' // run what the customer asked for: machines, DNS, API
  | 'communication' // transactional messages: welcome, balance, service status
  | 'improvement' // understand use, diagnose problems
  | 'security' // protect customers and the platform, prevent fraud
  | 'legal-obligation'; // what a law makes us keep

/** The lawful basis a purpose rests on (Art. 37(1): processed lawfully). */
export type LegalGround = 'contract' | 'legal-obligation' | 'legitimate-interest' | 'consent';

/**
 * How long a value may be kept, as data the retention scheduler can run. Art. 37(5) and
 * Art. 52 allow keeping personal data only while its purpose needs it (or a listed ground
 * extends that); at the end it is destroyed so it cannot be reconstructed.
 */
export type Retention =
  /** While the person's account is open, then `months` after it is closed (privacy notice §5). */
  | { rule: 'account-lifetime-plus'; months: number }
  /** While the team exists, then `months` after it is closed. */
  | { rule: 'team-lifetime-plus'; months: number }
  /** `days` after the timestamp in column `from` of the same row (a null `from` has not started counting). */
  | { rule: 'fixed'; days: number; from: string }
  /** Until the subject is crypto-shredded; the key row is the shredding. */
  | { rule: 'until-shredded' };

export interface PersonalColumn {
  personal: true;
  category: DataCategory;
  purpose: readonly [Purpose, ...Purpose[]];
  legalGround: LegalGround;
  retention: Retention;
  /** Who outside Strettch Cloud receives this value (keys of `processors`). */
  processors: readonly ProcessorId[];
  /** Encrypted with the person's data key (`SubjectCrypto`), so shredding destroys it. */
  encrypted: boolean;
  note?: string;
}

export interface NonPersonalColumn {
  personal: false;
  reason?: string;
}

export type ColumnDeclaration = PersonalColumn | NonPersonalColumn;
export type DataMap = Readonly<Record<string, Readonly<Record<string, ColumnDeclaration>>>>;

export function personal(d: Omit<PersonalColumn, 'personal'>): PersonalColumn {
  return { personal: true, ...d };
}

export function nonPersonal(reason?: string): NonPersonalColumn {
  return reason === undefined ? { personal: false } : { personal: false, reason };
}

// ---------------------------------------------------------------------------------------
// Processors and other recipients

export type ProcessorId = 'resend' | 'pindo' | 'aws-sns' | 'irembopay' | 'google' | 'github';

/**
 * Why a transfer outside Rwanda is allowed (Art. 48): NCSA authorisation after proof of
 * safeguards (48(1)), the person's consent (48(2)), or necessity for the contract with the
 * person (48(3)(a)).
 */
export type TransferGround = 'ncsa-authorisation' | 'consent' | 'contract-necessity';

export interface Processor {
  name: string;
  /** Processor under a written contract (Art. 4), or a separate controller we exchange data with. */
  relationship: 'processor' | 'independent-controller';
  service: string;
  /** ISO 3166-1 alpha-2 code of the country where the data is processed. */
  country: string;
  /** What personal data it receives from us. */
  receives: readonly string[];
  /** Required when `country` is not RW: every send is a transfer abroad (Art. 48). */
  transfer?: { ground: TransferGround; why: string };
  note?: string;
}

/**
 * Everyone outside Strettch Cloud who receives personal data. The record of processing must
 * list all recipients, those abroad included (Art. 17), and the access export must say who
 * has had access (Art. 18(3)); both read this register.
 */
export const processors = {
  resend: {
    name: 'Resend (Plus Five Five, Inc.)',
    relationship: 'processor',
    service: 'Transactional e-mail: welcome messages, balance and service alerts.',
    country: 'US',
    receives: ['e-mail address', 'name', 'content of the message'],
    transfer: { ground: 'contract-necessity', why: 'The messages are part of the service the person signed up for (privacy notice §3).' },
  },
  pindo: {
    name: 'Pindo Ltd',
    relationship: 'processor',
    service: 'SMS to Rwandan numbers (+250): phone number verification.',
    country: 'RW',
    receives: ['phone number', 'content of the message'],
  },
  'aws-sns': {
    name: 'Amazon Web Services, Inc. (Amazon SNS, region af-south-1)',
    relationship: 'processor',
    service: 'SMS to numbers outside Rwanda: phone number verification.',
    // Cape Town is the only AWS region in Africa that sends SMS through SNS, so the number
    // stays on the continent and as close to Rwanda as AWS allows; any region is a transfer.
    country: 'ZA',
    receives: ['phone number', 'content of the message'],
    transfer: {
      ground: 'contract-necessity',
      why: 'Only used for a person who asked to verify a non-Rwandan number; the message has to leave Rwanda to reach it.',
    },
    note: 'AWS is a US company; its US parent may be compelled to disclose data held in any region.',
  },
  irembopay: {
    name: 'IremboPay (Irembo Ltd)',
    relationship: 'processor',
    service: 'Payments for balance top-ups.',
    country: 'RW',
    receives: ['top-up transaction id and amount, tied to a team'],
    note: 'The payer enters their mobile-money number or card on IremboPay’s own checkout; we do not send the invoice `customer` object (name, e-mail, phone).',
  },
  google: {
    name: 'Google LLC',
    relationship: 'independent-controller',
    service: 'Sign-in with Google (OpenID Connect).',
    country: 'US',
    receives: ['that the person signs in to Strettch Cloud, and when (their browser talks to Google directly)'],
    transfer: { ground: 'consent', why: 'The person chooses Google sign-in and approves it on Google’s consent screen.' },
    note: 'Source of name, e-mail address, avatar and provider id (privacy notice 1B).',
  },
  github: {
    name: 'GitHub, Inc.',
    relationship: 'independent-controller',
    service: 'Sign-in with GitHub (OAuth).',
    country: 'US',
    receives: ['that the person signs in to Strettch Cloud, and when (their browser talks to GitHub directly)'],
    transfer: { ground: 'consent', why: 'The person chooses GitHub sign-in and approves it on GitHub’s consent screen.' },
    note: 'Source of name, e-mail address, avatar and provider id (privacy notice 1B).',
  },
} as const satisfies Record<ProcessorId, Processor>;

// ---------------------------------------------------------------------------------------
// Retention rules used below

/**
 * Privacy notice §5: six months after closure, then destroyed. Kept past the end of the
 * purpose under Art. 52 because the contract promises reactivation within that window.
 */
const accountLifetime: Retention = { rule: 'account-lifetime-plus', months: 6 };
const teamLifetime: Retention = { rule: 'team-lifetime-plus', months: 6 };
/** Usage and audit logs: a year covers abuse investigations and billing disputes. */
const logYear = (from: string): Retention => ({ rule: 'fixed', days: 365, from });

/** Sent messages are kept six months: long enough to answer "did you tell me?", no longer. */
const messageRetention = (from: string): Retention => ({ rule: 'fixed', days: 180, from });
const messageRecord = (category: DataCategory, note?: string): PersonalColumn =>
  personal({ category, purpose: ['communication'], legalGround: 'contract', retention: messageRetention('created_at'), processors: [], encrypted: false, ...(note ? { note } : {}) });

/**
 * The built-in mailbox and SMS outbox stand in for Resend, Pindo and SNS while the sandboxes are
 * on (never in production). They hold what a provider would have received, in clear so a
 * developer can read it, for seven days.
 */
function sandboxStore(columns: Record<string, ColumnDeclaration | DataCategory>): Record<string, ColumnDeclaration> {
  return Object.fromEntries(
    Object.entries(columns).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? personal({ category: v, purpose: ['communication'], legalGround: 'contract', retention: { rule: 'fixed', days: 7, from: 'created_at' }, processors: [], encrypted: false, note: 'Sandbox only.' })
        : v,
    ]),
  );
}

/**
 * Sessions are kept 30 days past their absolute end, revoked or not: long enough to answer "was
 * that sign-in me?" and to investigate a stolen session, then deleted by the retention job.
 */
const sessionRetention: Retention = { rule: 'fixed', days: 30, from: 'expires_at' };
const sessionRecord = (category: DataCategory, note?: string): PersonalColumn =>
  personal({
    category,
    purpose: ['account', 'security'],
    // Keeping someone signed in is the contract; recording where from is for their security.
    legalGround: category === 'network' || category === 'device' ? 'legitimate-interest' : 'contract',
    retention: sessionRetention,
    processors: [],
    encrypted: false,
    ...(note ? { note } : {}),
  });
/** A sign-in in progress is worthless after its ten minutes; the row goes a day later. */
const attemptRetention: Retention = { rule: 'fixed', days: 1, from: 'expires_at' };

const reference = nonPersonal('reference data seeded by migration');
const rowId = nonPersonal('surrogate row id');
const teamId = nonPersonal('identifies a team (a customer account), not a person');
const requestId = nonPersonal('random correlation id');

const userRef = (purpose: PersonalColumn['purpose'], retention: Retention = accountLifetime): PersonalColumn =>
  personal({ category: 'identifier', purpose, legalGround: 'contract', retention, processors: [], encrypted: false });

/** Team invitations and ownership-transfer requests: 30 days past their expiry (a week after they are made). */
const invitationRetention: Retention = { rule: 'fixed', days: 30, from: 'expires_at' };
const invitationRecord = (category: DataCategory, note: string): PersonalColumn =>
  personal({ category, purpose: ['service', 'security'], legalGround: 'legitimate-interest', retention: invitationRetention, processors: [], encrypted: false, note });

/** Phone verification codes: 30 days after they were sent. */
const phoneCodeRetention: Retention = { rule: 'fixed', days: 30, from: 'created_at' };
const phoneCodeRecord = (category: DataCategory, note?: string): PersonalColumn =>
  personal({ category, purpose: ['account', 'security'], legalGround: 'legitimate-interest', retention: phoneCodeRetention, processors: [], encrypted: false, ...(note ? { note } : {}) });
/** Parental-consent links: 30 days after they were sent (they work seven). */
const consentRequestRetention: Retention = { rule: 'fixed', days: 30, from: 'created_at' };
const consentRequestRecord = (category: DataCategory, note?: string): PersonalColumn =>
  personal({ category, purpose: ['legal-obligation'], legalGround: 'legal-obligation', retention: consentRequestRetention, processors: [], encrypted: false, ...(note ? { note } : {}) });
const consentRecord = (category: DataCategory, note?: string): PersonalColumn =>
  personal({ category, purpose: ['legal-obligation'], legalGround: 'legal-obligation', retention: accountLifetime, processors: [], encrypted: false, ...(note ? { note } : {}) });

/** Computes, their actions and SSH keys: kept while the team exists, then six months (issue 6). */
const computeRecord = (category: DataCategory, note: string): PersonalColumn =>
  personal({ category, purpose: ['service'], legalGround: 'contract', retention: teamLifetime, processors: [], encrypted: false, note });

/**
 * DNS zones and records (issue 7): what a team publishes to the world. Record values are public
 * by design but may name people (a TXT with an e-mail address, a comment), so they count as
 * content, kept while the team exists and removed with the zone or the team.
 */
const dnsRecord = (category: DataCategory, note: string): PersonalColumn =>
  personal({ category, purpose: ['service'], legalGround: 'contract', retention: teamLifetime, processors: [], encrypted: false, note });

/**
 * Compute metrics (issue 6, items 7 and 9): what a team's machine did every 30 s, rolled up into
 * five-minute and hourly rows. Machine telemetry, but it can show when a sole customer works, so it
 * counts as usage and is kept only as long as the graphs need it: readings two days, five-minute
 * rows eight, hourly rows 32 (METRICS_RETENTION_DAYS in computes/metrics). The metrics.rollup job
 * deletes them in batches and the retention job holds the same line; they go with the compute.
 */
const METRIC_COLUMNS = [
  'cpu_pct', 'cpu_user_pct', 'cpu_system_pct', 'mem_used_bytes', 'mem_total_bytes', 'load1', 'load5', 'load15', 'disk_read_bps', 'disk_write_bps',
  'disk_read_iops', 'disk_write_iops', 'net_rx_bps', 'net_tx_bps', 'net_rx_pps', 'net_tx_pps', 'fs_used_bytes', 'fs_total_bytes',
];
function metricsStore(days: number, from: string, columns: string[]): Record<string, ColumnDeclaration> {
  const usage = personal({ category: 'usage', purpose: ['service'], legalGround: 'contract', retention: { rule: 'fixed', days, from }, processors: [], encrypted: false });
  return Object.fromEntries([from, ...columns].map((c) => [c, usage]));
}
const rolledUpColumns = METRIC_COLUMNS.flatMap((c) => [`${c}_avg`, `${c}_max`]);

// ---------------------------------------------------------------------------------------
// The map

export const dataMap = {
  regions: {
    id: reference,
    slug: reference,
    name: reference,
    country_code: reference,
    position: reference,
  },
  images: {
    slug: reference,
    image_name: reference,
    version: reference,
    display_name: reference,
    kind: reference,
    position: reference,
  },
  specifications: {
    id: reference,
    slug: reference,
    vcpus: reference,
    memory_mb: reference,
    storage_gb: reference,
    position: reference,
  },

  users: {
    id: userRef(['account'], accountLifetime),
    name_enc: personal({
      category: 'identity',
      purpose: ['account', 'communication'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: ['resend'],
      encrypted: true,
      note: 'Received from Google or GitHub at sign-up.',
    }),
    email_enc: personal({
      category: 'contact',
      purpose: ['account', 'communication'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: ['resend'],
      encrypted: true,
      note: 'Received from Google or GitHub at sign-up.',
    }),
    email_hash: personal({
      category: 'identifier',
      purpose: ['account'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: false,
      note: 'Keyed hash (HMAC) of the e-mail address, for sign-in lookups; pseudonymous, not encrypted.',
    }),
    avatar_url_enc: personal({
      category: 'identity',
      purpose: ['account'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: true,
      note: 'Profile picture URL received from Google or GitHub at sign-up (privacy notice 1A, 1B).',
    }),
    locale: personal({ category: 'account', purpose: ['communication'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false, note: 'Language for notices and messages (en, rw, fr).' }),
    is_minor: personal({
      category: 'account',
      purpose: ['legal-obligation'],
      legalGround: 'legal-obligation',
      retention: accountLifetime,
      processors: [],
      encrypted: false,
      note: 'Under 16 (privacy notice §7): keeps marketing away and limits the account until a parent consents.',
    }),
    marketing_objected_at: personal({ category: 'account', purpose: ['communication'], legalGround: 'legal-obligation', retention: accountLifetime, processors: [], encrypted: false, note: 'Right to object (privacy notice §6).' }),
    restricted_at: personal({ category: 'account', purpose: ['legal-obligation'], legalGround: 'legal-obligation', retention: accountLifetime, processors: [], encrypted: false, note: 'Right to restrict processing (privacy notice §6).' }),
    closed_at: personal({
      category: 'account',
      purpose: ['account'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: false,
      note:
        'When the person closed the account (privacy notice §5); null while open. The anchor of the account-lifetime-plus rule: ' +
        'the account and everything retained by that rule are kept six months after this time (reactivation possible until then), then destroyed.',
    }),
    created_at: personal({ category: 'account', purpose: ['account'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
    updated_at: personal({ category: 'account', purpose: ['account'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
  },

  teams: {
    id: teamId,
    name: personal({
      category: 'identity',
      purpose: ['service'],
      legalGround: 'contract',
      retention: teamLifetime,
      processors: [],
      encrypted: false,
      note: 'The default name is "<first name>\'s Team", so it often holds a first name.',
    }),
    avatar_url: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: teamLifetime,
      processors: [],
      encrypted: false,
      note: 'An https address chosen by a team Owner or Admin; the picture may show a person.',
    }),
    created_at: nonPersonal('when the team was created'),
  },
  team_members: {
    team_id: teamId,
    user_id: userRef(['account', 'service']),
    role: personal({ category: 'account', purpose: ['service', 'security'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
    created_at: personal({ category: 'account', purpose: ['service'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
  },
  api_keys: {
    id: nonPersonal('identifies a team credential'),
    team_id: teamId,
    created_by: userRef(['security']),
    name: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: teamLifetime,
      processors: [],
      encrypted: false,
      note: 'Free text typed by a team member; may name a person ("Ada laptop").',
    }),
    prefix: nonPersonal('first characters of a random credential, shown to tell keys apart'),
    key_hash: nonPersonal('SHA-256 of a 256-bit random credential'),
    scopes: nonPersonal('permission names the credential is limited to'),
    created_at: nonPersonal('life cycle of a team credential'),
    expires_at: nonPersonal('life cycle of a team credential'),
    last_used_at: nonPersonal('life cycle of a team credential'),
    last_used_ip: personal({
      category: 'network',
      purpose: ['security'],
      legalGround: 'legitimate-interest',
      retention: teamLifetime,
      processors: [],
      encrypted: false,
      note: 'Where the key was last used from, shown to the team to spot a leaked key; overwritten at most once a minute.',
    }),
    revoked_at: nonPersonal('life cycle of a team credential'),
  },

  // Billing (issue 5). A team's money is not personal data: the team is the customer account,
  // often a company. What points at a person is the user who asked for a top-up, who acted on
  // the ledger, referral links between two people, and free text a team writes to ask for a
  // review. The ledger is an accounting record kept beyond the team (tax law, Art. 52).
  team_wallets: {
    team_id: teamId,
    balance: nonPersonal('money of a team'),
    usage_remainder_milli: nonPersonal('money of a team'),
    state: nonPersonal('billing state of a team'),
    state_changed_at: nonPersonal('billing state of a team'),
    low_balance_threshold: nonPersonal('setting of a team'),
    low_balance_alerted_at: nonPersonal('billing state of a team'),
    topped_up_total: nonPersonal('money of a team'),
    updated_at: nonPersonal('bookkeeping'),
  },
  ledger_transactions: {
    id: rowId,
    team_id: teamId,
    kind: nonPersonal('kind of money movement'),
    reference: nonPersonal('idempotency reference of a money movement (ids of top-ups, usage days, proposals)'),
    description: nonPersonal('generated text describing a money movement'),
    reason: nonPersonal('why staff credited or adjusted a wallet; staff are told not to name people in it'),
    actor_type: nonPersonal('kind of actor'),
    actor_id: userRef(['service', 'legal-obligation']),
    created_at: nonPersonal('accounting record'),
  },
  ledger_entries: {
    id: rowId,
    transaction_id: rowId,
    account: nonPersonal('ledger account'),
    team_id: teamId,
    amount: nonPersonal('money of a team'),
    created_at: nonPersonal('accounting record'),
  },
  top_ups: {
    id: nonPersonal('identifies a top-up'),
    team_id: teamId,
    requested_by: userRef(['service']),
    amount: nonPersonal('money of a team'),
    transaction_id: nonPersonal('our id of the IremboPay invoice'),
    invoice_number: nonPersonal('IremboPay invoice number'),
    payment_link_url: nonPersonal('IremboPay checkout address of the invoice'),
    status: nonPersonal('state of a top-up'),
    payment_method: nonPersonal('payment method type only (MTN_MOMO, AIRTEL_MONEY, ONLINE_CARD); never the account or card number'),
    paid_at: nonPersonal('accounting record'),
    expires_at: nonPersonal('life cycle of an invoice'),
    ledger_transaction_id: rowId,
    last_checked_at: nonPersonal('bookkeeping'),
    created_at: nonPersonal('accounting record'),
    updated_at: nonPersonal('bookkeeping'),
  },
  usage_records: {
    resource_type: nonPersonal('kind of resource'),
    resource_id: nonPersonal('identifies a compute or an address'),
    period_start: nonPersonal('billing period'),
    team_id: teamId,
    specification: reference,
    amount_milli: nonPersonal('money of a team'),
    debited_at: nonPersonal('bookkeeping'),
    created_at: nonPersonal('bookkeeping'),
  },
  billing_cursors: { name: nonPersonal('name of a scheduled run'), at: nonPersonal('progress of a scheduled run') },
  billing_review_items: {
    id: rowId,
    kind: nonPersonal('kind of problem'),
    team_id: teamId,
    reference: nonPersonal('invoice number or ledger reference'),
    detail: nonPersonal('amounts and invoice fields as IremboPay sent them; never customer contact details (the payload is filtered)'),
    created_at: nonPersonal('bookkeeping'),
    resolved_at: nonPersonal('bookkeeping'),
    resolved_by: nonPersonal('staff member name, recorded as the operator of the platform'),
  },
  termination_proposals: {
    id: nonPersonal('identifies a proposal'),
    team_id: teamId,
    status: nonPersonal('state of a proposal'),
    proposed_at: nonPersonal('bookkeeping'),
    balance: nonPersonal('money of a team'),
    review_requested_at: nonPersonal('bookkeeping'),
    review_note: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: teamLifetime,
      processors: [],
      encrypted: false,
      note: 'Free text a team member writes when asking for a human review of a termination (privacy notice §6).',
    }),
    decided_by: nonPersonal('staff member name, recorded as the operator of the platform'),
    decided_at: nonPersonal('bookkeeping'),
    decision_note: nonPersonal('why staff decided; staff are told not to name people in it'),
  },
  invoice_counters: { year: nonPersonal('invoice year'), last: nonPersonal('last invoice number of the year') },
  invoices: {
    id: nonPersonal('identifies an invoice'),
    team_id: teamId,
    number: nonPersonal('invoice number'),
    year: nonPersonal('invoice year'),
    sequence: nonPersonal('invoice number'),
    period_start: nonPersonal('billing period'),
    period_end: nonPersonal('billing period'),
    lines: nonPersonal('what a team was charged for: compute host names and ids, amounts'),
    usage_total: nonPersonal('money of a team'),
    credits: nonPersonal('money of a team'),
    total: nonPersonal('money of a team'),
    tax_rate_bp: nonPersonal('tax rate'),
    tax: nonPersonal('money of a team'),
    team_name: personal({
      category: 'identity',
      purpose: ['service', 'legal-obligation'],
      legalGround: 'legal-obligation',
      retention: { rule: 'team-lifetime-plus', months: 120 },
      processors: [],
      encrypted: false,
      note: 'The team name printed on the invoice; the default name holds a first name. Invoices are tax records (Art. 52: public revenue laws).',
    }),
    issued_at: nonPersonal('accounting record'),
  },
  referral_codes: {
    user_id: userRef(['service']),
    code: personal({ category: 'identifier', purpose: ['service'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false, note: 'Random code in a person\'s referral link.' }),
    created_at: nonPersonal('bookkeeping'),
  },
  referrals: {
    referred_user_id: userRef(['service']),
    referrer_user_id: userRef(['service']),
    created_at: personal({ category: 'account', purpose: ['service'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
    rewarded_at: personal({ category: 'account', purpose: ['service'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
  },

  // What the compute reconciler found for staff to settle (issue 6, item 5).
  compute_drift: {
    id: nonPersonal('identifies a drift item'),
    kind: nonPersonal('kind of disagreement'),
    compute_id: nonPersonal('identifies a compute'),
    driver_ref: nonPersonal("the hypervisor's name for a machine"),
    detail: nonPersonal('generated text: power states and compute states; never host names or user data'),
    first_seen_at: nonPersonal('bookkeeping'),
    last_seen_at: nonPersonal('bookkeeping'),
    resolved_at: nonPersonal('bookkeeping'),
  },

  // Team invitations and ownership transfers (issue 4, item 7). Blocks of the teams module.
  // An invitation is worthless a week after it is sent; the row goes 30 days after that, so a
  // team can still see what happened to it meanwhile. The address is encrypted under the
  // invitation's own data key, which is shredded as soon as the invitation is accepted or revoked.
  team_invitations: {
    id: nonPersonal('identifies an invitation; also the encryption subject of the invited address'),
    team_id: teamId,
    role: invitationRecord('account', 'The role offered (Admin or Member).'),
    email_enc: personal({
      category: 'contact',
      purpose: ['service', 'communication'],
      legalGround: 'legitimate-interest',
      retention: invitationRetention,
      processors: ['resend'],
      encrypted: true,
      note: 'The invited address, typed by a team Owner or Admin; the invitation e-mail goes to it.',
    }),
    email_hash: invitationRecord('identifier', 'Keyed hash (HMAC) of the invited address, compared with the accepting account\'s.'),
    token_hash: nonPersonal('keyed hash of a 256-bit random one-time token'),
    invited_by: invitationRecord('identifier', 'The user id of the person who sent the invitation.'),
    created_at: nonPersonal('life cycle of an invitation'),
    expires_at: nonPersonal('life cycle of an invitation'),
    accepted_at: nonPersonal('life cycle of an invitation'),
    accepted_by: invitationRecord('identifier', 'The user id of the person who accepted.'),
    revoked_at: nonPersonal('life cycle of an invitation'),
  },
  team_ownership_transfers: {
    id: nonPersonal('identifies a transfer request'),
    team_id: teamId,
    from_user_id: invitationRecord('identifier', 'The Owner who asked to hand over the team.'),
    to_user_id: invitationRecord('identifier', 'The member asked to become Owner.'),
    created_at: nonPersonal('life cycle of a transfer request'),
    expires_at: nonPersonal('life cycle of a transfer request'),
    accepted_at: nonPersonal('life cycle of a transfer request'),
    cancelled_at: nonPersonal('life cycle of a transfer request'),
  },

  subject_keys: {
    subject_id: personal({
      category: 'identifier',
      purpose: ['security'],
      legalGround: 'contract',
      retention: { rule: 'until-shredded' },
      processors: [],
      encrypted: false,
    }),
    wrapped_key: nonPersonal('key material wrapped by the KEK; deleting it is the shredding'),
    kek_id: nonPersonal('names the key-encryption key'),
    created_at: nonPersonal('when the data key was made'),
  },

  // Sign-in and sessions (privacy notice 1B: "a unique authentication provider ID"; "cookies ...
  // to maintain your session, enhance security"). Blocks of the accounts module.
  identities: {
    id: nonPersonal('surrogate id of a link between an account and a sign-in provider'),
    user_id: userRef(['account', 'security']),
    provider: personal({ category: 'account', purpose: ['account', 'security'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false, note: 'Which provider (google, github, dev) the person signs in with.' }),
    subject_hash: personal({
      category: 'identifier',
      purpose: ['account', 'security'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: false,
      note: 'Keyed hash (HMAC) of the provider and its subject id, to find the account at sign-in; pseudonymous.',
    }),
    subject_enc: personal({
      category: 'identifier',
      purpose: ['account', 'security'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: true,
      note: 'The provider\'s unique id of the person (Google `sub`, GitHub numeric id), received from Google or GitHub.',
    }),
    created_at: personal({ category: 'account', purpose: ['account'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
    last_used_at: personal({ category: 'usage', purpose: ['account', 'security'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
  },
  sessions: {
    id: nonPersonal('random id of a session, shown in the list of sessions'),
    user_id: sessionRecord('identifier'),
    token_hash: nonPersonal('SHA-256 of a 256-bit random session token'),
    created_at: sessionRecord('usage', 'When the person signed in.'),
    last_used_at: sessionRecord('usage', 'Last request of the session, to end idle sessions and to show the person where they are signed in.'),
    expires_at: nonPersonal('absolute end of the session; retention counts from it'),
    idle_expires_at: nonPersonal('end of the session without further requests'),
    ip: sessionRecord('network', 'Last IP address the session was used from, shown in the list of sessions.'),
    browser: sessionRecord('device', 'Browser name and major version parsed from the user agent; the raw user agent is not kept.'),
    os: sessionRecord('device', 'Operating system name and major version parsed from the user agent.'),
    revoked_at: nonPersonal('life cycle of a session'),
  },
  sign_in_attempts: {
    id: nonPersonal('random id of a sign-in in progress (the only value in cookie sc_signin)'),
    provider: nonPersonal('which provider the sign-in goes through'),
    state: nonPersonal('single-use random value of OAuth (RFC 6749 §10.12)'),
    nonce: nonPersonal('single-use random value of OpenID Connect'),
    code_verifier: nonPersonal('single-use random PKCE secret (RFC 7636)'),
    return_to: personal({ category: 'usage', purpose: ['account'], legalGround: 'contract', retention: attemptRetention, processors: [], encrypted: false, note: 'Console path to return to after sign-in.' }),
    link_user_id: personal({ category: 'identifier', purpose: ['account', 'security'], legalGround: 'contract', retention: attemptRetention, processors: [], encrypted: false, note: 'The signed-in person linking another provider.' }),
    created_at: nonPersonal('bookkeeping'),
    expires_at: nonPersonal('ten minutes after creation; retention counts from it'),
    used_at: nonPersonal('single use'),
  },

  audit_events: {
    id: rowId,
    team_id: teamId,
    actor_type: nonPersonal('kind of actor: user, api_key, system'),
    actor_id: personal({
      category: 'identifier',
      purpose: ['security'],
      legalGround: 'legitimate-interest',
      retention: logYear('at'),
      processors: [],
      encrypted: false,
      note: 'A user id when a person acted.',
    }),
    action: personal({ category: 'usage', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    target_type: nonPersonal('kind of resource acted on'),
    target_id: personal({
      category: 'identifier',
      purpose: ['security'],
      legalGround: 'legitimate-interest',
      retention: logYear('at'),
      processors: [],
      encrypted: false,
      note: 'A user id when the target is a person (e.g. a removed member).',
    }),
    data: personal({
      category: 'content',
      purpose: ['security'],
      legalGround: 'legitimate-interest',
      retention: logYear('at'),
      processors: [],
      encrypted: false,
      note: 'Details of the change. Writers must put personal values here only as SubjectCrypto ciphertext or ids, or shredding cannot reach them.',
    }),
    ip: personal({ category: 'network', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    browser: personal({ category: 'device', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false, note: 'Browser name and major version from the user agent.' }),
    os: personal({ category: 'device', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false, note: 'Operating system name and version from the user agent.' }),
    request_id: requestId,
    at: personal({ category: 'usage', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
  },

  // Phone verification (issue 4, item 6). The number itself is in the privacy notice's account data (1A).
  phone_numbers: {
    user_id: userRef(['account', 'security']),
    phone_enc: personal({
      category: 'contact',
      purpose: ['account', 'security'],
      legalGround: 'contract',
      retention: accountLifetime,
      processors: [],
      encrypted: true,
      note: 'The verified number (E.164). Verification codes went to it through Pindo or AWS SNS; see phone_verifications and notifications.',
    }),
    phone_hash: personal({
      category: 'identifier',
      purpose: ['security'],
      legalGround: 'legitimate-interest',
      retention: accountLifetime,
      processors: [],
      encrypted: false,
      note: 'Keyed hash (HMAC) of the number: finds accounts that share a number (fraud prevention).',
    }),
    verified_at: personal({ category: 'account', purpose: ['account', 'security'], legalGround: 'contract', retention: accountLifetime, processors: [], encrypted: false }),
  },
  // Every code sent: kept 30 days (the daily caps need 24 hours; the rest is for investigating SMS-pumping fraud).
  phone_verifications: {
    id: nonPersonal('random id of one code; part of the code HMAC'),
    user_id: phoneCodeRecord('identifier'),
    phone_enc: personal({
      category: 'contact',
      purpose: ['account', 'security'],
      legalGround: 'contract',
      retention: phoneCodeRetention,
      processors: [],
      encrypted: true,
      note: 'The number a code was sent to; becomes phone_numbers.phone_enc once confirmed.',
    }),
    phone_hash: phoneCodeRecord('identifier', 'Keyed hash of the number, for the per-number daily cap.'),
    code_hash: nonPersonal('keyed HMAC of a random one-time code bound to its row id; never the code'),
    created_at: phoneCodeRecord('usage'),
    expires_at: phoneCodeRecord('usage'),
    attempts: phoneCodeRecord('usage', 'Wrong tries of the code (five allowed).'),
    consumed_at: phoneCodeRecord('usage'),
    ip: phoneCodeRecord('network', 'Client IP that asked for the code, for the per-IP daily cap.'),
  },
  // The age limit (privacy notice §7; Law 058/2021 Art. 9).
  age_confirmations: {
    user_id: userRef(['legal-obligation']),
    date_of_birth_enc: personal({
      category: 'identity',
      purpose: ['legal-obligation'],
      legalGround: 'legal-obligation',
      retention: accountLifetime,
      processors: [],
      encrypted: true,
      note: 'Confirmed once at the first sign-in; decides whether a parent must consent (under 16).',
    }),
    confirmed_at: personal({ category: 'account', purpose: ['legal-obligation'], legalGround: 'legal-obligation', retention: accountLifetime, processors: [], encrypted: false }),
  },
  // Links e-mailed to parents: kept 30 days after they were made, then only the consent itself remains.
  parental_consent_requests: {
    id: nonPersonal('random request id'),
    user_id: consentRequestRecord('identifier', 'The child who asked.'),
    guardian_email_enc: personal({
      category: 'contact',
      purpose: ['legal-obligation'],
      legalGround: 'legal-obligation',
      retention: consentRequestRetention,
      processors: ['resend'],
      encrypted: true,
      note: "The parent's or guardian's address, encrypted with the child's data key.",
    }),
    guardian_email_hash: consentRequestRecord('identifier', "Keyed hash of the guardian's address: refuses the child's own address."),
    relation: consentRequestRecord('account', 'parent or guardian'),
    token_hash: nonPersonal('keyed hash of a random single-use link token'),
    created_at: consentRequestRecord('usage'),
    expires_at: consentRequestRecord('usage'),
    consumed_at: consentRequestRecord('usage'),
    ip: consentRequestRecord('network', 'Client IP of the child who asked.'),
  },
  // The consent record (Art. 6: the controller must be able to show it): kept as long as the account.
  parental_consents: {
    user_id: userRef(['legal-obligation']),
    guardian_email_enc: personal({
      category: 'contact',
      purpose: ['legal-obligation'],
      legalGround: 'legal-obligation',
      retention: accountLifetime,
      processors: [],
      encrypted: true,
      note: "Who consented: the guardian's address, encrypted with the child's data key.",
    }),
    relation: consentRecord('account', 'parent or guardian, as the guardian confirmed'),
    consented_at: consentRecord('usage'),
    ip: consentRecord('network', 'Client IP from which the guardian consented.'),
    locale: consentRecord('account', 'Language of the confirmation page the guardian saw (Art. 7).'),
  },

  // The usage log of privacy notice 1B: "IP addresses, browser type, operating system, API
  // calls, ... and timestamps of your activities".
  api_usage: {
    id: rowId,
    at: personal({ category: 'usage', purpose: ['improvement', 'security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    actor_type: nonPersonal('kind of actor: user, api_key, anonymous'),
    actor_id: personal({
      category: 'identifier',
      purpose: ['improvement', 'security'],
      legalGround: 'legitimate-interest',
      retention: logYear('at'),
      processors: [],
      encrypted: false,
      note: 'A user id when a person made the call.',
    }),
    team_id: teamId,
    method: personal({ category: 'usage', purpose: ['improvement', 'security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    route: personal({
      category: 'usage',
      purpose: ['improvement', 'security'],
      legalGround: 'legitimate-interest',
      retention: logYear('at'),
      processors: [],
      encrypted: false,
      note: 'The route template, never the concrete path, so no ids or query values end up here.',
    }),
    status: personal({ category: 'usage', purpose: ['improvement', 'security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    duration_ms: personal({ category: 'usage', purpose: ['improvement'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    ip: personal({ category: 'network', purpose: ['security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    browser: personal({ category: 'device', purpose: ['improvement', 'security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    os: personal({ category: 'device', purpose: ['improvement', 'security'], legalGround: 'legitimate-interest', retention: logYear('at'), processors: [], encrypted: false }),
    request_id: requestId,
  },

  idempotency_keys: {
    scope: personal({
      category: 'identifier',
      purpose: ['service'],
      legalGround: 'contract',
      retention: { rule: 'fixed', days: 1, from: 'created_at' },
      processors: [],
      encrypted: false,
      note: 'A team id, or a user id for requests made outside a team.',
    }),
    route: nonPersonal('route template'),
    key: nonPersonal('random key chosen by the client'),
    request_hash: nonPersonal('SHA-256 of the request, only compared for equality'),
    status: nonPersonal('HTTP status of the stored response'),
    body: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: { rule: 'fixed', days: 1, from: 'created_at' },
      processors: [],
      encrypted: false,
      note: 'A stored response can hold anything the API returns, names and e-mail addresses included.',
    }),
    created_at: nonPersonal('bookkeeping'),
    expires_at: nonPersonal('bookkeeping'),
  },

  jobs: {
    id: rowId,
    name: nonPersonal('job type'),
    payload: personal({
      category: 'identifier',
      purpose: ['service', 'communication'],
      legalGround: 'contract',
      retention: { rule: 'fixed', days: 30, from: 'finished_at' },
      processors: [],
      encrypted: false,
      note: 'Payloads carry subject ids, never plaintext personal values: workers read those at run time.',
    }),
    status: nonPersonal('bookkeeping'),
    attempts: nonPersonal('bookkeeping'),
    max_attempts: nonPersonal('bookkeeping'),
    run_at: nonPersonal('bookkeeping'),
    locked_at: nonPersonal('bookkeeping'),
    locked_by: nonPersonal('worker id'),
    last_error: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: { rule: 'fixed', days: 30, from: 'finished_at' },
      processors: [],
      encrypted: false,
      note: 'A provider error can quote what it was sent, such as an e-mail address.',
    }),
    created_at: nonPersonal('bookkeeping'),
    finished_at: nonPersonal('bookkeeping'),
  },
  notifications: {
    id: nonPersonal('message id; also the encryption subject of messages to people without an account'),
    subject_id: messageRecord('identifier'),
    crypto_subject_id: messageRecord('identifier'),
    team_id: teamId,
    channel: nonPersonal('email or sms'),
    template: nonPersonal('template name'),
    category: nonPersonal('transactional or marketing'),
    locale: messageRecord('account'),
    recipient_enc: personal({
      category: 'contact',
      purpose: ['communication'],
      legalGround: 'contract',
      retention: messageRetention('created_at'),
      processors: ['resend', 'pindo', 'aws-sns'],
      encrypted: true,
      note: 'E-mail address or phone number; sent to Resend (e-mail), Pindo (+250) or AWS SNS (other numbers).',
    }),
    recipient_hash: messageRecord('identifier', 'Keyed hash of the address, matched against the suppression list.'),
    variables_enc: personal({
      category: 'content',
      purpose: ['communication'],
      legalGround: 'contract',
      retention: messageRetention('created_at'),
      processors: ['resend', 'pindo', 'aws-sns'],
      encrypted: true,
      note: 'What the message says (name, amounts, host names); rendered at send time.',
    }),
    status: messageRecord('usage'),
    provider: nonPersonal('which provider took the message'),
    provider_message_id: messageRecord('identifier'),
    attempts: nonPersonal('bookkeeping'),
    last_error: messageRecord('content', 'Provider errors are stored scrubbed of addresses and numbers.'),
    created_at: messageRecord('usage'),
    updated_at: messageRecord('usage'),
  },
  notification_events: {
    id: rowId,
    notification_id: personal({ category: 'identifier', purpose: ['communication'], legalGround: 'contract', retention: messageRetention('at'), processors: [], encrypted: false }),
    status: personal({ category: 'usage', purpose: ['communication'], legalGround: 'contract', retention: messageRetention('at'), processors: [], encrypted: false }),
    detail: personal({ category: 'content', purpose: ['communication'], legalGround: 'contract', retention: messageRetention('at'), processors: [], encrypted: false, note: 'Provider wording, scrubbed of addresses and numbers.' }),
    at: personal({ category: 'usage', purpose: ['communication'], legalGround: 'contract', retention: messageRetention('at'), processors: [], encrypted: false }),
  },
  email_suppressions: {
    address_hash: personal({
      category: 'identifier',
      purpose: ['communication'],
      legalGround: 'legitimate-interest',
      retention: { rule: 'fixed', days: 365, from: 'created_at' },
      processors: [],
      encrypted: false,
      note: 'Keyed hash of an address that bounced or complained; stops further sends.',
    }),
    reason: personal({ category: 'usage', purpose: ['communication'], legalGround: 'legitimate-interest', retention: { rule: 'fixed', days: 365, from: 'created_at' }, processors: [], encrypted: false }),
    created_at: personal({ category: 'usage', purpose: ['communication'], legalGround: 'legitimate-interest', retention: { rule: 'fixed', days: 365, from: 'created_at' }, processors: [], encrypted: false }),
  },
  webhook_receipts: {
    provider: nonPersonal('provider name'),
    message_id: nonPersonal('the provider\'s delivery id (random), kept to drop retried deliveries'),
    received_at: nonPersonal('bookkeeping'),
  },
  dev_mailbox: sandboxStore({
    id: nonPersonal('message id'),
    idempotency_key: nonPersonal('message key'),
    from_address: nonPersonal('our own sending address'),
    to_address: 'contact',
    subject: 'content',
    html: 'content',
    text: 'content',
    tags: nonPersonal('template name labels'),
    created_at: nonPersonal('bookkeeping'),
  }),
  dev_sms_outbox: sandboxStore({
    id: nonPersonal('message id'),
    idempotency_key: nonPersonal('message key'),
    to_number: 'contact',
    text: 'content',
    route: nonPersonal('pindo or sns'),
    created_at: nonPersonal('bookkeeping'),
  }),
  job_schedules: {
    name: nonPersonal('schedule name'),
    cron: nonPersonal('schedule'),
    next_run_at: nonPersonal('schedule'),
    last_run_at: nonPersonal('schedule'),
  },
  // Computes (issue 6). Machines belong to the team (the customer account). What can point at a
  // person: who created or changed them, free text a member typed (host names, tags, key names),
  // SSH public keys (each identifies its holder's key pair; comments, often e-mail addresses, are
  // dropped before storing) and user data, which may hold anything, secrets included.
  computes: {
    id: nonPersonal('identifies a machine'),
    team_id: teamId,
    host_name: computeRecord('content', 'Free text typed by a team member; may name a person ("adas-laptop").'),
    state: nonPersonal('life cycle of a machine'),
    image: nonPersonal('catalogue slug'),
    region: nonPersonal('catalogue slug'),
    specification: nonPersonal('catalogue slug'),
    ipv4: nonPersonal('address of a team\'s machine, from our own pool, not of a person\'s connection'),
    private_ipv4: nonPersonal('address of a team\'s machine in its private network'),
    tags: computeRecord('content', 'Free text labels typed by team members.'),
    with_public_ip: nonPersonal('option of a machine'),
    public_keys: computeRecord('identifier', 'OpenSSH public keys written to the machine, without their comments.'),
    user_data_enc: personal({
      category: 'content',
      purpose: ['service'],
      legalGround: 'contract',
      retention: { rule: 'until-shredded' },
      processors: [],
      encrypted: true,
      note: 'cloud-init user data, sealed under the compute\'s own data key (subject = compute id), which is shredded when the compute is destroyed. May hold secrets: never logged.',
    }),
    driver: nonPersonal('hypervisor driver name'),
    driver_ref: nonPersonal('the hypervisor\'s id of the machine'),
    host: nonPersonal('name of the platform host or Proxmox node the machine runs on'),
    billable_from: nonPersonal('life cycle of a machine, for billing'),
    destroyed_at: nonPersonal('life cycle of a machine, for billing'),
    suspended_at: nonPersonal('life cycle of a machine, for billing'),
    created_by: computeRecord('identifier', 'The user who created the machine (for an API key, its creator).'),
    created_at: nonPersonal('life cycle of a machine'),
    updated_at: nonPersonal('life cycle of a machine'),
  },
  compute_actions: {
    id: nonPersonal('identifies an action on a machine'),
    compute_id: nonPersonal('identifies a machine'),
    team_id: teamId,
    command: nonPersonal('kind of change'),
    status: nonPersonal('progress of a change'),
    progress: nonPersonal('progress of a change'),
    specification: nonPersonal('catalogue slug'),
    reason: nonPersonal('why the platform started the change'),
    error: computeRecord('content', 'The hypervisor\'s message; it names operations and machines and may quote a host name.'),
    requested_by: computeRecord('identifier', 'The user who asked (for an API key, its creator); null when the platform did.'),
    started_at: nonPersonal('progress of a change'),
    finished_at: nonPersonal('progress of a change'),
    created_at: computeRecord('usage', 'When a person (or the platform) asked for the change.'),
  },
  // Web console tickets (issue 6, item 6): who opened a machine's console, kept a day past expiry.
  compute_console_tickets: {
    id: nonPersonal('identifies a console ticket'),
    token_hash: nonPersonal('SHA-256 of a 256-bit random single-use ticket'),
    compute_id: nonPersonal('identifies a machine'),
    team_id: teamId,
    user_id: personal({ category: 'identifier', purpose: ['service', 'security'], legalGround: 'contract', retention: attemptRetention, processors: [], encrypted: false, note: 'The person opening the console (for an API key, its creator).' }),
    api_key_id: nonPersonal('identifies an API key'),
    created_at: nonPersonal('bookkeeping'),
    expires_at: nonPersonal('under a minute after creation; retention counts from it'),
    used_at: nonPersonal('single use'),
  },
  dns_zones: {
    id: nonPersonal('identifies a hosted domain'),
    team_id: teamId,
    name: nonPersonal('a domain name the team hosts; public in the DNS once delegated'),
    status: nonPersonal('delegation status'),
    serial: nonPersonal('SOA serial'),
    parent_zone_id: nonPersonal('identifies a hosted domain'),
    created_by: dnsRecord('identifier', 'The user who added the domain.'),
    created_at: nonPersonal('bookkeeping'),
    updated_at: nonPersonal('bookkeeping'),
    checked_at: nonPersonal('bookkeeping'),
    status_changed_at: nonPersonal('bookkeeping'),
    observed_nameservers: nonPersonal('nameservers the public DNS delegates the domain to'),
  },
  dns_rrsets: {
    id: nonPersonal('identifies a record set'),
    zone_id: nonPersonal('identifies a hosted domain'),
    name: dnsRecord('content', 'Owner name chosen by the team; may contain a person\'s name.'),
    type: nonPersonal('record type'),
    ttl: nonPersonal('cache lifetime'),
    records: dnsRecord('content', 'Values and comments typed by the team (addresses, host names, TXT text).'),
    updated_by: dnsRecord('identifier', 'The user who last changed the record set.'),
    updated_at: nonPersonal('bookkeeping'),
  },
  dns_imports: {
    zone_id: nonPersonal('identifies a hosted domain'),
    method: nonPersonal('how the records were read'),
    rrsets: dnsRecord('content', 'Records the previous DNS host served publicly, held until the team reviews them.'),
    created_at: nonPersonal('bookkeeping'),
  },
  ssh_keys: {
    id: nonPersonal('identifies a team SSH key'),
    team_id: teamId,
    name: computeRecord('content', 'Free text typed by a team member; may name a person ("Ada laptop").'),
    public_key: computeRecord('identifier', 'An OpenSSH public key without its comment.'),
    fingerprint: computeRecord('identifier', 'SHA-256 of the public key.'),
    created_by: computeRecord('identifier', 'The user who added the key.'),
    created_at: nonPersonal('bookkeeping'),
  },
  private_networks: {
    id: nonPersonal('identifies a team network'),
    team_id: teamId,
    region: nonPersonal('catalogue slug'),
    cidr: nonPersonal('address block'),
    created_at: nonPersonal('bookkeeping'),
  },
  ipv4_allocations: {
    id: nonPersonal('identifies an address allocation'),
    kind: nonPersonal('public or private'),
    address: nonPersonal('address of a team\'s machine, from our own pools'),
    region: nonPersonal('catalogue slug'),
    network_id: nonPersonal('identifies a team network'),
    team_id: teamId,
    compute_id: nonPersonal('identifies a machine'),
    allocated_at: nonPersonal('life cycle of an address, for billing'),
    released_at: nonPersonal('life cycle of an address, for billing'),
    reverse_name: computeRecord('content', 'Host name the team publishes for its public address (reverse DNS); may contain a name.'),
    reverse_updated_at: nonPersonal('bookkeeping'),
  },
  proxmox_vmids: {
    vmid: nonPersonal('Proxmox VE machine number, from our own range'),
    compute_id: nonPersonal('identifies a machine'),
    allocated_at: nonPersonal('when the number was handed out'),
  },
  // Hosts that run computes and their capacity, from configuration (placement, issue 6 item 4).
  hosts: {
    id: nonPersonal('identifies a host'),
    driver: nonPersonal('hypervisor driver name'),
    name: nonPersonal('name of a platform machine or Proxmox node'),
    region: nonPersonal('catalogue slug'),
    vcpus: nonPersonal('capacity of a platform machine'),
    memory_mb: nonPersonal('capacity of a platform machine'),
    disk_gb: nonPersonal('capacity of a platform machine'),
    status: nonPersonal('whether the host takes new machines'),
    created_at: nonPersonal('bookkeeping'),
    updated_at: nonPersonal('bookkeeping'),
  },
  // Compute metrics (issue 6, items 7 and 9); see metricsStore above.
  compute_metric_samples: { compute_id: nonPersonal('identifies a machine'), source: nonPersonal('agent or hypervisor'), ...metricsStore(2, 'at', METRIC_COLUMNS) },
  compute_metrics_5m: { compute_id: nonPersonal('identifies a machine'), source: nonPersonal('agent or hypervisor'), samples: nonPersonal('readings behind the row'), ...metricsStore(8, 'bucket', rolledUpColumns) },
  compute_metrics_1h: { compute_id: nonPersonal('identifies a machine'), source: nonPersonal('agent or hypervisor'), samples: nonPersonal('readings behind the row'), ...metricsStore(32, 'bucket', rolledUpColumns) },
  compute_agent_tokens: {
    compute_id: nonPersonal('identifies a machine'),
    token_hash: nonPersonal('SHA-256 of a 256-bit random agent token'),
    expires_at: nonPersonal('two hours after issue'),
    previous_hash: nonPersonal('SHA-256 of the token it replaced, valid a few minutes more'),
    previous_expires_at: nonPersonal('end of the replaced token'),
    issued_at: nonPersonal('bookkeeping'),
    agent_version: nonPersonal('Debian version of the machine\'s metrics agent, checked against a strict pattern'),
    last_heartbeat_at: nonPersonal('when the machine\'s agent was last heard'),
    last_push_at: nonPersonal('when the machine\'s agent last sent metrics'),
  },
  compute_metric_cursors: {
    compute_id: nonPersonal('identifies a machine'),
    source: nonPersonal('agent or hypervisor'),
    read_at: nonPersonal('the source\'s own time of its last reading'),
    epoch: nonPersonal('process id and start time of a machine\'s QEMU, or a constant'),
    counters: nonPersonal('a machine\'s CPU seconds, bytes and operations so far (overwritten every 30 s)'),
    updated_at: nonPersonal('bookkeeping'),
  },
  metric_rollup_cursors: { resolution: nonPersonal('roll-up period'), rolled_until: nonPersonal('progress of a scheduled run') },
} as const satisfies DataMap;

// ---------------------------------------------------------------------------------------
// Queries over the map

export interface PersonalColumnEntry {
  table: string;
  column: string;
  declaration: PersonalColumn;
}

/** Every personal column, for the export, erasure and retention jobs. */
export function personalColumns(map: DataMap = dataMap): PersonalColumnEntry[] {
  const out: PersonalColumnEntry[] = [];
  for (const [table, columns] of Object.entries(map)) {
    for (const [column, declaration] of Object.entries(columns)) {
      if (declaration.personal) out.push({ table, column, declaration });
    }
  }
  return out;
}

export interface DataMapCheck {
  /** `table.column` present in the database but not declared. */
  undeclared: string[];
  /** `table.column` declared but no longer present in the database. */
  stale: string[];
}

/** Compares the map with the columns of schema `public` (drizzle's own table lives in schema `drizzle`). */
export async function checkDataMap(ex: Executor, map: DataMap = dataMap): Promise<DataMapCheck> {
  const result = await ex.execute(sql`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public'
    order by table_name, ordinal_position`);
  const rows = result.rows as Array<{ table_name: string; column_name: string }>;
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const declared = new Set(Object.entries(map).flatMap(([t, cols]) => Object.keys(cols).map((c) => `${t}.${c}`)));
  return {
    undeclared: [...present].filter((c) => !declared.has(c)),
    stale: [...declared].filter((c) => !present.has(c)).sort(),
  };
}

/**
 * Columns that are in the database but not in the map, followed by declarations whose
 * column no longer exists, marked `(declared, no such column)`. Empty when the map is whole.
 */
export async function findUndeclaredColumns(ex: Executor, map: DataMap = dataMap): Promise<string[]> {
  const { undeclared, stale } = await checkDataMap(ex, map);
  return [...undeclared, ...stale.map((c) => `${c} (declared, no such column)`)];
}
