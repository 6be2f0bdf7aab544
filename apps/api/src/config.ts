import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseCidr } from './modules/computes/ipv4.ts';
import { FAILPOINTS } from './shared/failpoints.ts';

/**
 * The platform's configuration, read once from the environment at start (STYLE.md §6).
 * Every variable carries a one-line description and a `secret` flag; `docs/configuration.md`
 * is generated from this table, and nothing else in the code base reads `process.env`.
 */
interface VariableSpec<T extends z.ZodType> {
  schema: T;
  description: string;
  secret: boolean;
  defaultText?: string;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `VCPUS/MEMORY_MB/DISK_GB`, e.g. `32/131072/2000`. */
const CAPACITY = /^[1-9]\d*\/[1-9]\d*\/[1-9]\d*$/;
const capacityOf = (v: string) => {
  const [vcpus, memoryMb, diskGb] = v.split('/').map(Number) as [number, number, number];
  return { vcpus, memoryMb, diskGb };
};
/** Comma-separated `NAME=VCPUS/MEMORY_MB/DISK_GB` pairs, as a name → capacity map. */
const hostCapacities = (def: string) =>
  z
    .string()
    .default(def)
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*=[1-9]\d*\/[1-9]\d*\/[1-9]\d*$/, 'must be NAME=VCPUS/MEMORY_MB/DISK_GB pairs, e.g. pve1=32/131072/2000')))
    .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), capacityOf(p.slice(p.indexOf('=') + 1))])));

const variable = <T extends z.ZodType>(schema: T, description: string, secret = false, defaultText?: string): VariableSpec<T> => ({
  schema,
  description,
  secret,
  defaultText,
});

export const configSpec = {
  PORT: variable(z.coerce.number().int().min(0).max(65535).default(8080), 'TCP port of the HTTP server (API, console, webhooks).'),
  HOST: variable(z.string().min(1).default('127.0.0.1'), 'Address the HTTP server binds to; use 0.0.0.0 behind a load balancer.'),
  PUBLIC_URL: variable(z.url().optional(), 'Public base URL of the platform, used in links and cookies.', false, 'http://localhost:$PORT'),
  STRETTCH_DATA_DIR: variable(z.string().min(1).default('./.strettch'), 'Folder holding the embedded database and the local key file.'),
  DATABASE_URL: variable(z.url().optional(), 'PostgreSQL connection string; when unset the embedded PGlite database in the data folder is used.', true),
  DATABASE_POOL_SIZE: variable(z.coerce.number().int().min(1).max(200).default(10), 'Maximum connections per process when DATABASE_URL is set.'),
  ROLES: variable(
    z
      .string()
      .default('http,worker,dns')
      .transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['http', 'worker', 'dns'])).min(1)),
    'Comma-separated roles this process runs: http (API and console), worker (jobs), dns (the authoritative DNS server on DNS_HOST:DNS_PORT).',
  ),
  LOG_LEVEL: variable(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'Minimum level of structured log lines.'),
  TRUST_PROXY: variable(bool.default(false), 'Trust X-Forwarded-* headers from a reverse proxy for client IP and protocol.'),
  BODY_LIMIT_BYTES: variable(z.coerce.number().int().min(1024).default(1_048_576), 'Largest accepted request body; larger bodies get 413.'),
  RATE_LIMIT_WINDOW_SECONDS: variable(z.coerce.number().int().min(1).default(60), 'Length of the rate-limit window.'),
  RATE_LIMIT_API_KEY: variable(z.coerce.number().int().min(1).default(120), 'Requests per window for one API key (the product promises 2 per second on average).'),
  RATE_LIMIT_SESSION: variable(z.coerce.number().int().min(1).default(600), 'Requests per window for one console session.'),
  RATE_LIMIT_IP: variable(z.coerce.number().int().min(1).default(300), 'Requests per window for one unauthenticated client IP.'),
  SHUTDOWN_TIMEOUT_MS: variable(z.coerce.number().int().min(100).default(10_000), 'How long a graceful stop waits for requests and jobs in flight.'),
  KEK_FILE: variable(z.string().optional(), 'Path of the local key-encryption-key file (created with mode 0600 on first start).', false, '$STRETTCH_DATA_DIR/keys.json'),
  SANDBOXES: variable(
    z.enum(['auto', 'on', 'off']).default('auto'),
    'Built-in provider sandboxes and /api/dev pages: auto turns them on only while no production database or provider is configured.',
  ),
  CATALOG_CACHE_SECONDS: variable(z.coerce.number().int().min(0).default(60), 'How long regions, images and sizes are served from memory before the database is read again (0: every request).'),
  EMAIL_FROM: variable(z.string().min(3).default('Strettch Cloud <no-reply@cloud.strettch.com>'), 'Sender of every service e-mail, on a domain verified with Resend.'),
  RESEND_API_KEY: variable(z.string().startsWith('re_').optional(), 'Resend API key; when set, e-mail goes through Resend (otherwise the built-in mailbox, sandboxes only).', true),
  RESEND_BASE_URL: variable(z.url().optional(), 'Resend API base URL (for a local Resend-compatible server in tests).', false, 'https://api.resend.com'),
  RESEND_WEBHOOK_SECRET: variable(z.string().startsWith('whsec_').optional(), 'Signing secret of the Resend webhook (POST /webhooks/resend).', true),
  PINDO_API_TOKEN: variable(z.string().min(1).optional(), 'Pindo API token; SMS to +250 numbers goes through Pindo when set.', true),
  PINDO_BASE_URL: variable(z.url().default('https://api.pindo.io'), 'Pindo API base URL.'),
  SMS_SENDER_ID: variable(z.string().regex(/^[A-Za-z0-9]{3,11}$/).default('Strettch'), 'Sender name of SMS messages (3–11 letters or digits, approved with Pindo).'),
  AWS_SNS_REGION: variable(z.string().min(1).optional(), 'AWS region of SNS for SMS to numbers outside Rwanda; SNS is used when set.'),
  AWS_SNS_ENDPOINT: variable(z.url().optional(), 'SNS endpoint override (for a local SNS-compatible server in tests).'),
  AWS_ACCESS_KEY_ID: variable(z.string().min(1).optional(), 'AWS access key for SNS (else the default AWS credential chain).', true),
  AWS_SECRET_ACCESS_KEY: variable(z.string().min(1).optional(), 'AWS secret key for SNS.', true),
  SMS_ALLOWED_COUNTRIES: variable(
    z.string().default('').transform((s) => s.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean)),
    'Comma-separated ISO country codes SMS may be sent to (empty: all); limits SMS-pumping fraud.',
  ),
  PHONE_CODES_PER_NUMBER_PER_DAY: variable(z.coerce.number().int().min(1).default(5), 'Phone verification codes sent to one phone number in 24 hours, whoever asks (SMS-pumping guard).'),
  PHONE_CODES_PER_ACCOUNT_PER_DAY: variable(z.coerce.number().int().min(1).default(10), 'Phone verification codes one account may request in 24 hours, all numbers together.'),
  PHONE_CODES_PER_IP_PER_DAY: variable(z.coerce.number().int().min(1).default(20), 'Phone verification codes requested from one client IP address in 24 hours, all accounts together.'),
  TEAM_OWNERSHIP_LIMIT: variable(z.coerce.number().int().min(1).default(3), 'Teams one person may own; creating another is refused until support raises it or they give one up.'),
  IREMBOPAY_BASE_URL: variable(z.url().optional(), 'Base URL of the IremboPay API (https://api.irembopay.com in production, https://api.sandbox.irembopay.com for their sandbox).', false, 'the built-in sandbox at $PUBLIC_URL/sandbox/irembopay while the sandboxes are on, else https://api.irembopay.com'),
  IREMBOPAY_SECRET_KEY: variable(z.string().min(1).optional(), 'IremboPay merchant secret key: authenticates our API calls and signs the payment notifications we receive. The built-in sandbox signs with the same variable.', true, 'a fixed sandbox key while the sandboxes are on'),
  IREMBOPAY_PAYMENT_ACCOUNT: variable(z.string().min(1).default('TST-RWF'), 'IremboPay payment account identifier (from the merchant dashboard); it decides the currency, which must be RWF.'),
  IREMBOPAY_PRODUCT_CODE: variable(z.string().min(1).default('PC-TOPUP'), 'IremboPay product code of the "prepaid balance top-up" item (from the merchant dashboard).'),
  IREMBOPAY_INVOICE_HOURS: variable(z.coerce.number().int().min(1).max(720).default(24), 'Hours an unpaid top-up invoice stays payable.'),
  TOP_UP_MIN_RWF: variable(z.coerce.number().int().min(100).default(1000), 'Smallest top-up, RWF.'),
  TOP_UP_MAX_RWF: variable(z.coerce.number().int().min(1000).default(5_000_000), 'Largest single top-up, RWF.'),
  COMPUTE_PRICES_RWF: variable(
    z.string().optional(),
    'Monthly price per compute specification in RWF, e.g. "S-1C=3999,S-1C-1G=6999"; charged per started hour at price × 12 / 8766 (an average month of 730.5 hours). Unlisted specifications keep their default (docs/decisions/0008-billing.md).',
  ),
  PUBLIC_IPV4_PRICE_RWF: variable(z.coerce.number().int().min(0).default(1000), 'Monthly fee of a public IPv4 address, RWF, charged once for every month the address is held at any time.'),
  BILLING_DEBIT_INTERVAL: variable(z.enum(['daily', 'hourly']).default('daily'), 'How often wallets are debited for metered usage: daily (for the previous day, as the product does) or hourly.'),
  BILLING_TAX_RATE_BP: variable(z.coerce.number().int().min(0).max(10_000).default(1800), 'Tax rate contained in prices, in basis points (1800 = 18 % VAT), shown separately on invoices.'),
  LOW_BALANCE_THRESHOLD_RWF: variable(z.coerce.number().int().min(0).default(2000), 'Default low-balance alert threshold, RWF; a team can set its own.'),
  LOW_BALANCE_DAYS: variable(z.coerce.number().int().min(0).default(3), 'Also alert when the balance covers fewer than this many days of the projected spend (0: off).'),
  CREATE_MIN_HOURS_FUNDED: variable(z.coerce.number().int().min(0).default(24), 'Creating or upsizing a compute needs a balance covering this many hours of it.'),
  DUNNING_SUSPEND_AFTER_DAYS: variable(z.coerce.number().int().min(0).default(7), 'Days a team stays past due (balance at or below zero) before its computes are stopped (suspension).'),
  DUNNING_PROPOSE_TERMINATION_AFTER_DAYS: variable(z.coerce.number().int().min(1).default(30), 'Days a team stays suspended before a termination is proposed to staff (never carried out without a staff approval).'),
  REFERRAL_THRESHOLD_RWF: variable(z.coerce.number().int().min(0).default(25_000), 'Cumulative top-ups the referred person must make on a team they own before the referral reward.'),
  REFERRAL_REWARD_RWF: variable(z.coerce.number().int().min(0).default(25_000), 'Credit each of the two people gets, once, when a referral qualifies.'),
  INVOICE_SELLER_NAME: variable(z.string().min(1).default('Strettch Cloud Ltd'), 'Seller name printed on invoices.'),
  INVOICE_SELLER_ADDRESS: variable(z.string().default('KG 7 Ave|Kigali, Rwanda'), 'Seller address printed on invoices, lines separated by "|".'),
  INVOICE_SELLER_TAX_ID: variable(z.string().min(1).optional(), 'Seller tax identification number (TIN) printed on invoices.'),
  INVOICE_SELLER_EMAIL: variable(z.string().min(3).default('billing@strettch.cloud'), 'Billing contact address printed on invoices.'),
  WORKER_CONCURRENCY: variable(z.coerce.number().int().min(1).max(64).default(4), 'Jobs one worker process runs at the same time.'),
  WORKER_POLL_MS: variable(z.coerce.number().int().min(10).default(250), 'How often an idle worker looks for due jobs.'),
  GOOGLE_CLIENT_ID: variable(z.string().min(1).optional(), 'OAuth client id of "Sign in with Google"; Google sign-in is offered when set (with the secret).'),
  GOOGLE_CLIENT_SECRET: variable(z.string().min(1).optional(), 'OAuth client secret of "Sign in with Google".', true),
  GOOGLE_ISSUER: variable(z.url().default('https://accounts.google.com'), 'OpenID issuer of Google sign-in (discovery is read from it; a local mock in tests).'),
  GITHUB_CLIENT_ID: variable(z.string().min(1).optional(), 'Client id of the GitHub OAuth app; GitHub sign-in is offered when set (with the secret).'),
  GITHUB_CLIENT_SECRET: variable(z.string().min(1).optional(), 'Client secret of the GitHub OAuth app.', true),
  GITHUB_BASE: variable(z.url().default('https://github.com'), 'GitHub web base URL (authorize and token endpoints; a local fake in tests).'),
  GITHUB_API_BASE: variable(z.url().default('https://api.github.com'), 'GitHub REST API base URL (profile and e-mail addresses; a local fake in tests).'),
  SESSION_IDLE_MINUTES: variable(z.coerce.number().int().min(1).max(43_200).default(720), 'A console session ends after this many minutes without a request.'),
  SESSION_ABSOLUTE_DAYS: variable(z.coerce.number().int().min(1).max(90).default(14), 'A console session ends this many days after sign-in, however active.'),
  HYPERVISOR_DRIVER: variable(
    z.enum(['qemu', 'proxmox', 'fake']).optional(),
    'Engine that runs computes: qemu (QEMU on this host), proxmox (a Proxmox VE cluster) or fake (simulated in memory, for demos and tests only). proxmox needs the PROXMOX_* variables.',
    false,
    'qemu when QEMU is installed, else fake (with a warning)',
  ),
  QEMU_BINARY: variable(z.string().min(1).default('qemu-system-x86_64'), 'QEMU system emulator of the qemu driver; when HYPERVISOR_DRIVER is unset, QEMU counts as installed if it runs.'),
  QEMU_IMG_BINARY: variable(z.string().min(1).default('qemu-img'), 'qemu-img of the qemu driver (makes the qcow2 overlay disks and grows them).'),
  QEMU_DATA_DIR: variable(z.string().min(1).optional(), 'Folder of the qemu driver\'s machines (one sub-folder each: disk overlay, NoCloud seed, sockets, serial log) and operation records; keep the path short (UNIX socket paths are limited to 107 bytes).', false, '$STRETTCH_DATA_DIR/vms'),
  QEMU_IMAGES: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]+=.+$/, 'must be SLUG=/path/to/base.qcow2 pairs')))
      .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) as Record<string, string>),
    'Comma-separated image slug to base qcow2 map of the qemu driver, e.g. "UBUNTU-24.04=/var/lib/strettch/images/noble-server-cloudimg-amd64.img"; an image without a base boots the tiny test guest.',
  ),
  QEMU_TINY_GUEST_DIR: variable(z.string().min(1).optional(), 'Folder holding the tiny test guest (vmlinuz, initrd.img) that scripts/build-tiny-guest.sh builds; booted for images without a base in QEMU_IMAGES.', false, '~/.cache/strettch/tiny-guest/current'),
  QEMU_ACCEL: variable(z.enum(['auto', 'kvm', 'tcg']).default('auto'), 'Accelerator of the qemu driver: auto uses KVM when a short probe boot under KVM succeeds (a /dev/kvm can exist and hang), else TCG emulation.'),
  PROXMOX_URL: variable(z.url().optional(), 'API base URL of the Proxmox VE cluster the proxmox driver drives, e.g. https://pve1.example:8006/api2/json.'),
  PROXMOX_TOKEN_ID: variable(
    z.string().regex(/^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*$/, 'must be USER@REALM!TOKENID').optional(),
    'Proxmox API token id, USER@REALM!TOKENID (a privilege-separated token with VM.Allocate, VM.Clone, VM.Config.*, VM.PowerMgmt, Datastore.AllocateSpace on our pool and storage).',
  ),
  PROXMOX_TOKEN_SECRET: variable(z.string().min(1).optional(), 'Secret (UUID) of the Proxmox API token; sent only in the Authorization header, never logged.', true),
  PROXMOX_NODES: variable(
    z.string().default('').transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean)),
    'Comma-separated Proxmox nodes new machines may be placed on (the one with the most free memory is chosen).',
  ),
  PROXMOX_STORAGE: variable(z.string().min(1).default('local-lvm'), 'Proxmox storage that receives the full clones (disks of new machines); clones are serialised per node and storage.'),
  PROXMOX_TEMPLATES: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]+=\d+$/, 'must be SLUG=VMID pairs, e.g. UBUNTU-24.04=9000')))
      .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))])) as Record<string, number>),
    'Comma-separated image slug to cloud-init template VMID map, e.g. "UBUNTU-24.04=9000,DEBIAN-12=9001".',
  ),
  PROXMOX_VMID_RANGE: variable(
    z
      .string()
      .regex(/^\d+-\d+$/, 'must be FIRST-LAST, e.g. 100000-199999')
      .default('100000-199999')
      .transform((s) => ({ first: Number(s.split('-')[0]), last: Number(s.split('-')[1]) }))
      .refine((r) => r.first >= 100 && r.first <= r.last && r.last <= 999_999_999, 'must lie within 100-999999999, first not above last'),
    'VMIDs the control plane hands out to its machines (allocated in our database, never reused); reserve this range for the platform on the cluster.',
    false,
    '100000-199999',
  ),
  PROXMOX_TLS_INSECURE: variable(bool.default(false), 'Accept any TLS certificate from the Proxmox API (self-signed lab clusters only; prefer PROXMOX_CA_FILE).'),
  PROXMOX_CA_FILE: variable(z.string().min(1).optional(), 'PEM file of the CA that signed the Proxmox API certificate (e.g. the cluster\'s /etc/pve/pve-root-ca.pem).'),
  PROXMOX_NAMESERVER: variable(z.string().min(1).optional(), 'DNS servers given to machines through cloud-init (space-separated); unset: the Proxmox host\'s.'),
  PROXMOX_NODE_CAPACITY: variable(
    hostCapacities(''),
    'Capacity placement counts for each node of PROXMOX_NODES, NODE=VCPUS/MEMORY_MB/DISK_GB, e.g. "pve1=32/131072/2000"; required for every node with HYPERVISOR_DRIVER=proxmox. Proxmox reports CPU threads and memory at GET /nodes/{node}/status and the storage at GET /nodes/{node}/storage/{storage}/status; configuring it keeps room for the node itself an explicit decision.',
    false,
    'none',
  ),
  PROXMOX_PUBLIC_BRIDGE: variable(z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(), 'Proxmox bridge of the public network: a machine with a public IPv4 gets a second NIC on it (net1, ipconfig1) with the default route. Unset: public addresses are routed to the private address by the site\'s edge (1:1 NAT) and not configured in the guest.'),
  HYPERVISOR_FAKE_DELAY_MS: variable(z.coerce.number().int().min(0).max(600_000).default(500), 'How long each change takes on the fake hypervisor, in ms (a create three times as long); 0 finishes at once.'),
  STRETTCH_FAILPOINTS: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
      .pipe(z.array(z.enum(FAILPOINTS))),
    'Crash tests only: comma-separated failpoints at which the process kills itself (SIGKILL) to prove that a restart converges. Never set in production.',
  ),
  CONSOLE_IDLE_TIMEOUT_SECONDS: variable(z.coerce.number().int().min(10).max(86_400).default(900), 'A web console with no keystroke for this long is closed (its audit entry says so).'),
  COMPUTE_GRACEFUL_STOP_SECONDS: variable(z.coerce.number().int().min(1).max(3600).default(60), 'How long a stop waits for the guest to shut down (ACPI) before powering it off hard.'),
  METRICS_HOST_SAMPLE_SECONDS: variable(
    z.coerce.number().int().refine((v) => [5, 10, 15, 20, 30, 60].includes(v), 'must be 5, 10, 15, 20, 30 or 60').default(30),
    'How often the hypervisor\'s own CPU and disk readings of every running compute are taken (graphs without the agent).',
  ),
  METRICS_INGEST_PER_MINUTE: variable(z.coerce.number().int().min(1).max(600).default(10), 'Metrics pushes one compute\'s agent may make per minute (it pushes every 30 s); more get 429.'),
  METRICS_METADATA_RELAYS: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine((c) => parseCidr(c) !== null, 'must be IPv4 CIDR blocks, e.g. 10.255.0.0/24'))),
    'Comma-separated IPv4 blocks of the metadata relays on the hypervisor hosts, trusted to name the machine asking for a metrics agent token (X-Resource-ID). Unset: a compute\'s own private address gets its token (test beds only: team networks share one block); set it in production.',
  ),
  PUBLIC_IPV4_POOL: variable(
    z
      .string()
      .default('192.0.2.0/24')
      .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be IPv4 CIDR blocks, e.g. 192.0.2.0/24')).min(1)),
    'Comma-separated IPv4 CIDR blocks public addresses are handed out from (network, gateway and broadcast addresses excepted). The default is a documentation range: set the real one in production.',
  ),
  PUBLIC_IPV4_PER_TEAM: variable(z.coerce.number().int().min(0).default(2), 'Public IPv4 addresses one team may hold at once; the public-IP option is refused beyond it.'),
  PRIVATE_NETWORK_CIDR: variable(
    z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block, e.g. 10.0.0.0/16').default('10.0.0.0/16'),
    'IPv4 block of each team\'s private network (isolated per team, so every team gets the same block).',
  ),
  PLACEMENT_REGION: variable(z.string().min(1).default('KGL-1'), 'Catalogue region of the hosts this control plane drives (one hypervisor per deployment); a create in another region finds no host (CAPACITY_EXHAUSTED).'),
  PLACEMENT_CPU_OVERCOMMIT: variable(z.coerce.number().min(0.1).max(64).default(4), 'vCPUs placement may commit per CPU thread of a host (4: guests share CPU time four to one).'),
  PLACEMENT_MEMORY_OVERCOMMIT: variable(z.coerce.number().min(0.1).max(8).default(1), 'Memory placement may commit per MB of a host\'s memory (1: none beyond it, as guests cannot share memory safely; below 1 keeps room for the host).'),
  PLACEMENT_DISK_OVERCOMMIT: variable(z.coerce.number().min(0.1).max(16).default(1), 'Disk placement may commit per GB of a host\'s disk (1: none beyond it, although overlay and thin disks would allow it).'),
  QEMU_HOST_CAPACITY: variable(
    z.string().regex(CAPACITY, 'must be VCPUS/MEMORY_MB/DISK_GB, e.g. 8/16384/200').transform(capacityOf).optional(),
    'Capacity placement counts for this machine with the qemu driver, VCPUS/MEMORY_MB/DISK_GB.',
    false,
    'its CPU threads, total memory and the free space of QEMU_DATA_DIR at start',
  ),
  FAKE_HOSTS: variable(
    hostCapacities('fake-1=64/262144/4000,fake-2=64/262144/4000'),
    'Simulated hosts of the fake driver, NAME=VCPUS/MEMORY_MB/DISK_GB pairs, among which placement spreads its machines.',
    false,
    'fake-1=64/262144/4000,fake-2=64/262144/4000',
  ),
  DNS_HOST: variable(z.string().min(1).default('127.0.0.1'), 'Address the authoritative DNS server (role dns) listens on, UDP and TCP.'),
  DNS_PORT: variable(z.coerce.number().int().min(0).max(65535).default(5353), 'Port of the authoritative DNS server (53 in production, behind the firewall\'s redirect or with CAP_NET_BIND_SERVICE).'),
  DNS_WORKERS: variable(
    z.union([z.literal('auto'), z.coerce.number().int().min(0).max(64)]).default('auto'),
    'Extra processes answering DNS queries besides the main one: auto is one per CPU core beyond the first; 0 answers in the main process only.',
  ),
  DNS_NAMESERVERS: variable(
    z
      .string()
      .default('ns1.strettch.com,ns2.strettch.com')
      .transform((s) => s.split(',').map((n) => n.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be host names')).min(2)),
    'The platform\'s nameservers (at least two), which customers set at their registrar; the first is the SOA primary.',
  ),
  DNS_TTL_MIN: variable(z.coerce.number().int().min(0).default(60), 'Shortest TTL a record may have, in seconds.'),
  DNS_TTL_MAX: variable(z.coerce.number().int().min(1).max(2_147_483_647).default(86_400), 'Longest TTL a record may have, in seconds.'),
  DNS_TTL_DEFAULT: variable(
    z.coerce.number().int().min(0).default(3600),
    'TTL of a record set given without one, in seconds. (Strettch Cloud\'s console defaults to 60 s; an hour is kinder to resolvers and to migrations.)',
  ),
  DNS_ACTIVATION_HOURS: variable(z.coerce.number().min(0.01).max(24 * 30).default(24), 'How long a new domain may wait for its delegation before it turns INACTIVE.'),
  DNS_RESOLVERS: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean)),
    'Comma-separated recursive resolvers (ip or ip:port) for delegation checks and auto-import; empty: the system\'s.',
  ),
  DNS_SECONDARIES: variable(
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean)),
    'Comma-separated secondary servers (ip or ip:port): each gets a NOTIFY when a zone changes and may transfer zones (AXFR).',
  ),
  DNS_BACKEND: variable(
    z.enum(['builtin', 'powerdns', 'both']).default('builtin'),
    'Where the dns role serves zones: builtin (our server on DNS_HOST:DNS_PORT), powerdns (pushed to PowerDNS Authoritative through its HTTP API; our server does not start), or both.',
  ),
  POWERDNS_API_URL: variable(z.url().optional(), 'Base URL of the PowerDNS HTTP API (its webserver), e.g. http://127.0.0.1:8081; required when DNS_BACKEND is powerdns or both.'),
  POWERDNS_API_KEY: variable(z.string().min(1).optional(), 'PowerDNS\'s api-key, sent as X-API-Key; required when DNS_BACKEND is powerdns or both.', true),
  POWERDNS_SERVER_ID: variable(z.string().regex(/^[A-Za-z0-9._-]+$/).default('localhost'), 'Server id in PowerDNS API paths (localhost for PowerDNS Authoritative).'),
  POWERDNS_ZONE_KIND: variable(z.enum(['Native', 'Master']).default('Native'), 'Kind of the zones created in PowerDNS: Native (replicated by its database) or Master (PowerDNS sends NOTIFY and serves AXFR).'),
  POWERDNS_ACCOUNT: variable(
    z.string().regex(/^[A-Za-z0-9._-]{1,40}$/).default('strettch'),
    'Marker written in the account field of the zones we create in PowerDNS; only zones carrying it are ever changed or removed.',
  ),
  POWERDNS_RESYNC_SECONDS: variable(
    z.coerce.number().int().min(5).max(86_400).default(300),
    'How often every served zone is compared with PowerDNS (names, serials, records) and differences repaired, e.g. after a restore from backup.',
  ),
} as const;

type Spec = typeof configSpec;
type Raw = { [K in keyof Spec]: z.output<Spec[K]['schema']> };

export interface Config extends Omit<Raw, 'PUBLIC_URL' | 'KEK_FILE' | 'IREMBOPAY_SECRET_KEY' | 'QEMU_DATA_DIR' | 'QEMU_TINY_GUEST_DIR'> {
  PUBLIC_URL: string;
  KEK_FILE: string;
  IREMBOPAY_SECRET_KEY: string;
  QEMU_DATA_DIR: string;
  QEMU_TINY_GUEST_DIR: string;
  /** Whether the built-in provider sandboxes and development pages are active. */
  sandboxesEnabled: boolean;
  /**
   * Whether the built-in development OpenID provider ("sign in as…") is active: only with the
   * sandboxes on and neither Google nor GitHub configured.
   */
  devSignIn: boolean;
}

/** Signs the built-in IremboPay sandbox's notifications when no key is configured (sandboxes only). */
export const SANDBOX_IREMBOPAY_SECRET = 'sandbox-irembopay-secret';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; reports every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const shape = Object.fromEntries(Object.entries(configSpec).map(([k, v]) => [k, v.schema])) as { [K in keyof Spec]: Spec[K]['schema'] };
  const input = Object.fromEntries(Object.keys(configSpec).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    // Values are never echoed back: a secret may be the bad value.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const raw = parsed.data as Raw;
  const dataDir = path.resolve(raw.STRETTCH_DATA_DIR);
  const sandboxesEnabled = raw.SANDBOXES === 'on' || (raw.SANDBOXES === 'auto' && !raw.DATABASE_URL);
  // Without the sandboxes every message needs a real provider: refuse to start half-configured.
  const missing: string[] = [];
  if (!sandboxesEnabled) {
    if (!raw.RESEND_API_KEY) missing.push('RESEND_API_KEY: required when the sandboxes are off (e-mail has nowhere to go)');
    if (!raw.PINDO_API_TOKEN) missing.push('PINDO_API_TOKEN: required when the sandboxes are off (SMS to +250 numbers)');
    if (!raw.AWS_SNS_REGION) missing.push('AWS_SNS_REGION: required when the sandboxes are off (SMS to other numbers)');
  }
  // Registration and login go only through Google or GitHub (privacy notice 1A); a half-set pair is a mistake.
  const google = Boolean(raw.GOOGLE_CLIENT_ID && raw.GOOGLE_CLIENT_SECRET);
  const github = Boolean(raw.GITHUB_CLIENT_ID && raw.GITHUB_CLIENT_SECRET);
  if (Boolean(raw.GOOGLE_CLIENT_ID) !== Boolean(raw.GOOGLE_CLIENT_SECRET)) missing.push('GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET: set both, or neither');
  if (Boolean(raw.GITHUB_CLIENT_ID) !== Boolean(raw.GITHUB_CLIENT_SECRET)) missing.push('GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both, or neither');
  if (!sandboxesEnabled && !google && !github) missing.push('GOOGLE_CLIENT_ID or GITHUB_CLIENT_ID: a sign-in provider is required when the sandboxes are off (nobody could sign in)');
  if (raw.PINDO_API_TOKEN && !raw.AWS_SNS_REGION) missing.push('AWS_SNS_REGION: SMS needs both Pindo and SNS configured, or neither');
  if (raw.AWS_SNS_REGION && !raw.PINDO_API_TOKEN) missing.push('PINDO_API_TOKEN: SMS needs both Pindo and SNS configured, or neither');
  if (!sandboxesEnabled && !raw.IREMBOPAY_SECRET_KEY) missing.push('IREMBOPAY_SECRET_KEY: required when the sandboxes are off (top-ups go through IremboPay)');
  // Address blocks: a host part that is not zero (10.0.0.1/16) is a typo that would shift every address.
  for (const cidr of raw.PUBLIC_IPV4_POOL) if (!parseCidr(cidr)) missing.push(`PUBLIC_IPV4_POOL: ${cidr} is not an IPv4 network block (a.b.c.d/len with the host bits zero)`);
  if (!parseCidr(raw.PRIVATE_NETWORK_CIDR)) missing.push(`PRIVATE_NETWORK_CIDR: ${raw.PRIVATE_NETWORK_CIDR} is not an IPv4 network block (a.b.c.d/len with the host bits zero)`);
  // The proxmox driver without its cluster would fail every compute action: refuse to start instead.
  if (raw.HYPERVISOR_DRIVER === 'proxmox') {
    for (const name of ['PROXMOX_URL', 'PROXMOX_TOKEN_ID', 'PROXMOX_TOKEN_SECRET'] as const) if (!raw[name]) missing.push(`${name}: required when HYPERVISOR_DRIVER=proxmox`);
    if (raw.PROXMOX_NODES.length === 0) missing.push('PROXMOX_NODES: required when HYPERVISOR_DRIVER=proxmox (at least one node)');
    const uncounted = raw.PROXMOX_NODES.filter((n) => !raw.PROXMOX_NODE_CAPACITY[n]);
    if (uncounted.length) missing.push(`PROXMOX_NODE_CAPACITY: required for every node of PROXMOX_NODES (missing: ${uncounted.join(', ')})`);
    if (Object.keys(raw.PROXMOX_TEMPLATES).length === 0) missing.push('PROXMOX_TEMPLATES: required when HYPERVISOR_DRIVER=proxmox (at least one image, e.g. UBUNTU-24.04=9000)');
  }
  if (raw.DNS_BACKEND !== 'builtin') {
    for (const name of ['POWERDNS_API_URL', 'POWERDNS_API_KEY'] as const) if (!raw[name]) missing.push(`${name}: required when DNS_BACKEND=${raw.DNS_BACKEND}`);
  }
  if (missing.length) throw new ConfigError(missing);
  return {
    ...raw,
    STRETTCH_DATA_DIR: dataDir,
    PUBLIC_URL: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ''),
    KEK_FILE: path.resolve(raw.KEK_FILE ?? path.join(dataDir, 'keys.json')),
    QEMU_DATA_DIR: path.resolve(raw.QEMU_DATA_DIR ?? path.join(dataDir, 'vms')),
    QEMU_TINY_GUEST_DIR: path.resolve(raw.QEMU_TINY_GUEST_DIR ?? path.join(os.homedir(), '.cache', 'strettch', 'tiny-guest', 'current')),
    IREMBOPAY_SECRET_KEY: raw.IREMBOPAY_SECRET_KEY ?? SANDBOX_IREMBOPAY_SECRET,
    sandboxesEnabled,
    devSignIn: sandboxesEnabled && !google && !github,
  };
}

/** Markdown table of every variable, for docs/configuration.md. */
export function renderConfigDocs(): string {
  const rows = Object.entries(configSpec).map(([name, v]) => {
    const def = v.defaultText ?? defaultOf(v.schema);
    const shown = def === undefined ? '—' : def === '' ? '(empty)' : `\`${def}\``;
    return `| \`${name}\` | ${v.description} | ${shown} | ${v.secret ? 'yes' : 'no'} |`;
  });
  return [
    '# Configuration',
    '',
    'Generated from `apps/api/src/config.ts` by `npm run gen`; do not edit by hand.',
    'Every variable is read once at start. Invalid values are all reported together and the process exits with status 1.',
    '',
    '| variable | description | default | secret |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function defaultOf(schema: z.ZodType): string | undefined {
  const r = schema.safeParse(undefined);
  if (!r.success || r.data === undefined) return undefined;
  return Array.isArray(r.data) ? r.data.join(',') : String(r.data);
}
