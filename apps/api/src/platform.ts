import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openPglite, openPostgres, type Database } from './db/database.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { systemContext } from './shared/context.ts';
import { armFailpoints } from './shared/failpoints.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import { buildApp, type HttpDeps, type RoutePlugin } from './http/app.ts';
import { ApiKeysService } from './modules/teams/api-keys.service.ts';
import { IdempotencyService } from './modules/idempotency/idempotency.service.ts';
import { UsageLog } from './modules/audit/usage-log.ts';
import { createAudit, type Audit } from './modules/audit/audit.service.ts';
import { CatalogService } from './modules/catalog/catalog.service.ts';
import { catalogRoutes } from './modules/catalog/catalog.routes.ts';
import { systemRoutes } from './modules/system/system.routes.ts';
import { KeyedHasher, LocalKeyFileKms, SubjectCrypto, type Kms } from './modules/privacy/index.ts';
import { AccountsService } from './modules/accounts/accounts.service.ts';
import { SessionsService } from './modules/accounts/sessions.service.ts';
import { IdentitiesService } from './modules/accounts/identities.service.ts';
import { MeService } from './modules/accounts/me.service.ts';
import { AccountClosureService } from './modules/accounts/account-closure.service.ts';
import { SignInService, signInProvidersFor } from './modules/accounts/sign-in.service.ts';
import { DevOidcProvider } from './modules/accounts/dev-oidc/dev-oidc.provider.ts';
import { devOidcRoutes } from './modules/accounts/dev-oidc/dev-oidc.routes.ts';
import { authRoutes } from './modules/accounts/auth.routes.ts';
import { meRoutes } from './modules/accounts/me.routes.ts';
import { TeamsService } from './modules/teams/teams.service.ts';
import { TeamInvitationsService } from './modules/teams/invitations.service.ts';
import { teamsRoutes } from './modules/teams/teams.routes.ts';
import { apiKeysRoutes } from './modules/teams/api-keys.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { devRoutes } from './modules/dev/dev.routes.ts';
import { devJobRoutes } from './modules/dev/jobs.routes.ts';
import { JobQueue, Worker, type JobHandlers, type JobSchedule } from './jobs/index.ts';
import { enforceFixedRetention } from './modules/privacy/retention.ts';
import { DELIVER_JOB, NotificationsService } from './modules/notifications/notifications.service.ts';
import { devMessageRoutes, notificationWebhookRoutes } from './modules/notifications/notifications.routes.ts';
import { MailboxMailer, PindoSms, ResendMailer, SmsOutbox, SmsRouter, SnsSms } from './modules/notifications/providers/index.ts';
import type { EmailSender } from './modules/notifications/ports.ts';
import { PhoneService } from './modules/phone/phone.service.ts';
import { phoneRoutes } from './modules/phone/phone.routes.ts';
import { AgeService } from './modules/age/age.service.ts';
import { ageRoutes } from './modules/age/age.routes.ts';
import {
  AddressAllocator, addressPlan, chooseHypervisor, ComputeActionRunner, ComputeConsoleService, consoleRoutes, DbVmidAllocator, ComputesService, computesRoutes, RUN_ACTION_JOB, SshKeysService, sshKeysRoutes,
  type HypervisorDriver, type RunActionPayload,
} from './modules/computes/index.ts';
import { Ledger } from './modules/billing/ledger.ts';
import { ComputeReconciler } from './modules/computes/reconciler.ts';
import { computeMetricsRoutes, MetricsService, ROLLUP_JOB, SAMPLE_HOSTS_JOB } from './modules/computes/metrics/index.ts';
import { parseCidr } from './modules/computes/ipv4.ts';
import { configuredHosts, Placement } from './modules/computes/placement.ts';
import { BillingService, type BillingPeers } from './modules/billing/billing.service.ts';
import { Metering } from './modules/billing/metering.ts';
import { Dunning } from './modules/billing/dunning.ts';
import { priceList, type PriceList } from './modules/billing/prices.ts';
import { InvoicesService } from './modules/billing/invoices/invoices.service.ts';
import { Referrals } from './modules/billing/referrals.ts';
import { billingRoutes, irembopayWebhookRoutes } from './modules/billing/billing.routes.ts';
import { IremboPayClient } from './modules/billing/irembopay/client.ts';
import { IREMBOPAY_SANDBOX_PREFIX, registerIremboPaySandbox, type IremboPaySandboxControls } from './modules/billing/irembopay/sandbox.ts';
import { teamsRepository } from './modules/teams/teams.repository.ts';
import { DomainsService } from './modules/dns/domains.service.ts';
import { dnsRoutes } from './modules/dns/dns.routes.ts';
import { SystemResolver, type DnsResolver } from './modules/dns/resolver.ts';
import { startDnsServer, type DnsServer } from './modules/dns/server/index.ts';
import { ZoneFeed } from './modules/dns/zone-feed.ts';
import { ReverseDns } from './modules/dns/reverse.ts';
import { PowerDnsBackend, PowerDnsClient, servedZones } from './modules/dns/powerdns/index.ts';

export interface PlatformDeps extends HttpDeps {
  audit: Audit;
  catalog: CatalogService;
  kms: Kms;
  subjects: SubjectCrypto;
  hasher: KeyedHasher;
  accounts: AccountsService;
  identities: IdentitiesService;
  signIn: SignInService;
  me: MeService;
  /** Closing and reactivating one's own account (privacy notice §5). */
  closure: AccountClosureService;
  /** The built-in development OpenID provider, while it is the way to sign in. */
  devOidc: DevOidcProvider | undefined;
  teams: TeamsService;
  invitations: TeamInvitationsService;
  jobs: JobQueue;
  notifications: NotificationsService;
  phone: PhoneService;
  age: AgeService;
  /** Computes and their actions (issue 6). */
  computes: ComputesService;
  sshKeys: SshKeysService;
  /** Web consoles of computes: tickets, and the serial console over a WebSocket (issue 6, item 6). */
  consoles: ComputeConsoleService;
  /** The hypervisor driver computes run on (`simulated` for the fake). */
  hypervisor: HypervisorDriver;
  /** Compares the database with what the hypervisor observes (issue 6, item 5). */
  reconciler: ComputeReconciler;
  /** Compute metrics: the agent's pushes, the hypervisor's readings, roll-ups (issue 6, items 7 and 9). */
  metrics: MetricsService;
  /** Hosts and their capacity; where new machines go (issue 6, item 4). */
  placement: Placement;
  ledger: Ledger;
  /** Prices of specifications and addresses (configuration). */
  prices: PriceList;
  billing: BillingService;
  invoices: InvoicesService;
  referrals: Referrals;
  metering: Metering;
  dunning: Dunning;
  /** DNS hosting: domains, records, delegation checks, auto-import (issue 7). */
  domains: DomainsService;
  /** Reverse DNS (PTR) of the public addresses computes hold, in the platform's reverse zones. */
  reverseDns: ReverseDns;
  /** Where payments go: IremboPay, or the built-in sandbox mounted on this app while the sandboxes are on. */
  payments: Payments;
}

export interface Payments {
  /** Mounts the sandbox on the app (sandboxes on, no IREMBOPAY_BASE_URL); null otherwise. */
  sandbox: ((app: FastifyInstance) => IremboPaySandboxControls) | null;
  /** The sandbox's switches once mounted. */
  sandboxControls?: IremboPaySandboxControls;
}

export interface PlatformOptions {
  database?: Database;
  clock?: Clock;
  logger?: Logger;
  /** Reference-data cache lifetime; 0 reads the database on every request. */
  catalogTtlMs?: number;
  /** Apply migrations at start (default true). */
  migrate?: boolean;
  /** Where delegation checks and auto-import look (default: the system's resolver, or DNS_RESOLVERS). */
  dnsResolver?: DnsResolver;
}

/** Every route module of the HTTP role, in registration order. */
export const routes: RoutePlugin<PlatformDeps>[] = [
  systemRoutes, catalogRoutes, authRoutes, meRoutes, notificationWebhookRoutes, devOidcRoutes, devRoutes, devJobRoutes, devMessageRoutes,
  phoneRoutes, ageRoutes, teamsRoutes, apiKeysRoutes, auditRoutes, billingRoutes,
  computesRoutes, sshKeysRoutes, consoleRoutes, dnsRoutes,
  (app, deps) => computeMetricsRoutes(app, { clock: deps.clock, metrics: deps.metrics, ingestPerMinute: deps.config.METRICS_INGEST_PER_MINUTE }),
  (app, deps) => irembopayWebhookRoutes(app, { clock: deps.clock, billing: deps.billing, secretKey: deps.config.IREMBOPAY_SECRET_KEY }),
  (app, deps) => {
    if (deps.payments.sandbox) deps.payments.sandboxControls = deps.payments.sandbox(app);
  },
];

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else PGlite in the data folder. */
export async function openDatabase(config: Config, logger?: Logger): Promise<Database> {
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, config.DATABASE_POOL_SIZE, (err) => logger?.warn({ err }, 'idle database connection closed'))
    : openPglite({ dataDir: path.join(config.STRETTCH_DATA_DIR, 'pgdata') });
}

/**
 * The composition root: builds every service once and hands each role what it needs.
 * `strettch serve` starts all roles of one process from here.
 */
export async function createPlatform(config: Config, opts: PlatformOptions = {}) {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  armFailpoints(config.STRETTCH_FAILPOINTS);
  if (config.STRETTCH_FAILPOINTS.length) logger.warn({ failpoints: config.STRETTCH_FAILPOINTS }, 'failpoints armed: this process kills itself when it reaches them (crash tests only)');
  const database = opts.database ?? (await openDatabase(config, logger));
  if (opts.migrate !== false) await database.migrate();

  const db = database.db;
  const kms = await LocalKeyFileKms.open(config.KEK_FILE);
  const hasher = new KeyedHasher(kms.keyedHashKey());
  const subjects = new SubjectCrypto(kms, { clock });
  const audit = createAudit(clock);
  const jobs = new JobQueue(clock);
  // Production providers whenever they are configured; the built-in stores only with the sandboxes on
  // (config.ts refuses to start without one or the other).
  const email: EmailSender = config.RESEND_API_KEY
    ? new ResendMailer({ apiKey: config.RESEND_API_KEY, baseUrl: config.RESEND_BASE_URL ?? 'https://api.resend.com', clock })
    : new MailboxMailer(db, clock);
  const phoneOptions = config.SMS_ALLOWED_COUNTRIES.length ? { allowedCountries: config.SMS_ALLOWED_COUNTRIES as never } : undefined;
  const sms =
    config.PINDO_API_TOKEN && config.AWS_SNS_REGION
      ? new SmsRouter(
          {
            pindo: new PindoSms({ token: config.PINDO_API_TOKEN, sender: config.SMS_SENDER_ID, baseUrl: config.PINDO_BASE_URL, clock }),
            sns: new SnsSms({
              region: config.AWS_SNS_REGION,
              endpoint: config.AWS_SNS_ENDPOINT,
              senderId: config.SMS_SENDER_ID,
              credentials: config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY } : undefined,
            }),
          },
          phoneOptions,
        )
      : new SmsOutbox(db, clock, phoneOptions);
  // Accounts and notifications need each other (welcome e-mail; recipient profiles): late-bound.
  const accounts = new AccountsService(subjects, hasher, clock, audit, (ctx, input) => notifications.notify(ctx, input));
  const notifications: NotificationsService = new NotificationsService(
    db,
    {
      clock, jobs, subjects, hasher, email, sms, logger,
      // The verified phone (phone module) joins the account's profile for SMS.
      profiles: async (ex, id) => {
        const profile = await accounts.recipientProfile(ex, id);
        return profile ? { ...profile, phone: await deps.phone.verifiedPhone(ex, id) } : null;
      },
    },
    { emailFrom: config.EMAIL_FROM, publicUrl: config.PUBLIC_URL },
  );
  const sessions = new SessionsService(db, clock, hasher, audit, { idleMinutes: config.SESSION_IDLE_MINUTES, absoluteDays: config.SESSION_ABSOLUTE_DAYS });
  const identities = new IdentitiesService(subjects, hasher, clock, audit);
  const devOidc = config.devSignIn ? new DevOidcProvider(config.PUBLIC_URL, clock, hasher) : undefined;
  // Sign-in creates the default team of a new account: late-bound like accounts and notifications.
  const teams = { create: (...args: Parameters<TeamsService['create']>) => deps.teams.create(...args) };
  const signIn = new SignInService({ config, clock, accounts, teams, sessions, identities, devOidc }, signInProvidersFor(config, clock, devOidc));
  const apiKeys = new ApiKeysService(db, clock, audit);
  // Billing (issue 5). Payments go to IremboPay, or to the sandbox this app mounts while the
  // sandboxes are on; the app reaches its own sandbox at the address it listens on.
  const prices = priceList(config.COMPUTE_PRICES_RWF, config.PUBLIC_IPV4_PRICE_RWF);
  const ledger = new Ledger(clock);
  let selfUrl = config.PUBLIC_URL;
  let gateway: IremboPayClient | undefined;
  const paymentGateway = () =>
    (gateway ??= new IremboPayClient({
      baseUrl: config.IREMBOPAY_BASE_URL ?? (config.sandboxesEnabled ? `${selfUrl}${IREMBOPAY_SANDBOX_PREFIX}` : 'https://api.irembopay.com'),
      secretKey: config.IREMBOPAY_SECRET_KEY,
      paymentAccountIdentifier: config.IREMBOPAY_PAYMENT_ACCOUNT,
      productCode: config.IREMBOPAY_PRODUCT_CODE,
    }));
  const payments: Payments = {
    sandbox:
      config.sandboxesEnabled && !config.IREMBOPAY_BASE_URL
        ? (app) => registerIremboPaySandbox(app, { secretKey: config.IREMBOPAY_SECRET_KEY, clock, publicBaseUrl: `${config.PUBLIC_URL}${IREMBOPAY_SANDBOX_PREFIX}`, callbackUrl: `${selfUrl}/webhooks/irembopay` })
        : null,
  };
  const billingPeers: BillingPeers = {
    teamName: async (ex, teamId) => (await teamsRepository.find(ex, teamId))?.name ?? null,
    billingContacts: (ex, teamId) => teamsRepository.managers(ex, teamId),
    requireVerifiedPhone: (ex, userId) => deps.phone.requireVerifiedPhone(ex, userId),
    requireFullAccount: (ex, userId) => deps.age.requireFullAccount(ex, userId),
    hourlyRateMilli: (ex, teamId) => deps.metering.hourlyRateMilli(ex, teamId),
    stopForSuspension: (ctx, teamId) => deps.computes.stopForSuspension(ctx.tx, teamId),
    resumeAfterSuspension: (ctx, teamId) => deps.computes.resumeAfterSuspension(ctx.tx, teamId),
    destroyForTermination: (ctx, teamId) => deps.computes.destroyForTermination(ctx.tx, teamId),
  };
  const dunning = new Dunning(
    db,
    { clock, audit, notify: (ctx, input) => notifications.notify(ctx, input), peers: billingPeers, logger },
    { suspendAfterDays: config.DUNNING_SUSPEND_AFTER_DAYS, proposeTerminationAfterDays: config.DUNNING_PROPOSE_TERMINATION_AFTER_DAYS },
  );
  const billing = new BillingService(
    db,
    {
      clock, ledger, audit, prices, logger,
      notify: (ctx, input) => notifications.notify(ctx, input),
      gateway: paymentGateway,
      peers: billingPeers,
      onFunded: (ctx, teamId) => dunning.onFunded(ctx, teamId),
      onToppedUp: (ctx, teamId, total) => referrals.afterTopUp(ctx, teamId, total),
    },
    {
      topUpMin: config.TOP_UP_MIN_RWF,
      topUpMax: config.TOP_UP_MAX_RWF,
      invoiceHours: config.IREMBOPAY_INVOICE_HOURS,
      lowBalanceThreshold: config.LOW_BALANCE_THRESHOLD_RWF,
      lowBalanceDays: config.LOW_BALANCE_DAYS,
      createMinHoursFunded: config.CREATE_MIN_HOURS_FUNDED,
    },
  );
  const referrals = new Referrals(
    db,
    {
      clock, ledger, audit, publicUrl: config.PUBLIC_URL,
      accountCreatedAt: (ex, userId) => accounts.createdAt(ex, userId),
      ownedTeams: (ex, userId) => teamsRepository.ownedBy(ex, userId),
      hasToppedUp: async (ex, userId) => (await ex.execute(sql`select 1 from top_ups where requested_by = ${userId} and status = 'PAID' limit 1`)).rows.length > 0,
    },
    { threshold: config.REFERRAL_THRESHOLD_RWF, reward: config.REFERRAL_REWARD_RWF },
  );
  const invoices = new InvoicesService(
    db,
    {
      clock, logger, peers: billingPeers,
      notify: (ctx, input) => notifications.notify(ctx, input),
      seller: { name: config.INVOICE_SELLER_NAME, address: config.INVOICE_SELLER_ADDRESS.split('|').map((l) => l.trim()).filter(Boolean), taxId: config.INVOICE_SELLER_TAX_ID, email: config.INVOICE_SELLER_EMAIL, website: config.PUBLIC_URL },
    },
    { taxRateBp: config.BILLING_TAX_RATE_BP },
  );
  const metering = new Metering(
    db,
    {
      clock, ledger, prices, logger,
      afterDebit: async (ctx, teamId, balance) => {
        await billing.checkLowBalance(ctx, teamId);
        await dunning.afterDebit(ctx, teamId, balance);
      },
    },
    { debitInterval: config.BILLING_DEBIT_INTERVAL },
  );

  // Computes (issue 6): the hypervisor driver, the address pools, and the action jobs.
  const catalog = new CatalogService(db, clock, opts.catalogTtlMs ?? config.CATALOG_CACHE_SECONDS * 1000);
  const hypervisor = chooseHypervisor({
    requested: config.HYPERVISOR_DRIVER, qemuBinary: config.QEMU_BINARY, fakeDelayMs: config.HYPERVISOR_FAKE_DELAY_MS,
    proxmox: {
      url: config.PROXMOX_URL, tokenId: config.PROXMOX_TOKEN_ID, tokenSecret: config.PROXMOX_TOKEN_SECRET, nodes: config.PROXMOX_NODES,
      storage: config.PROXMOX_STORAGE, templates: config.PROXMOX_TEMPLATES, vmidRange: config.PROXMOX_VMID_RANGE, tlsInsecure: config.PROXMOX_TLS_INSECURE,
      caFile: config.PROXMOX_CA_FILE, nameserver: config.PROXMOX_NAMESERVER, privateCidr: config.PRIVATE_NETWORK_CIDR, publicBridge: config.PROXMOX_PUBLIC_BRIDGE,
      vmids: new DbVmidAllocator(db, config.PROXMOX_VMID_RANGE),
    },
    qemu: { dataDir: config.QEMU_DATA_DIR, qemuImgBinary: config.QEMU_IMG_BINARY, images: config.QEMU_IMAGES, tinyGuestDir: config.QEMU_TINY_GUEST_DIR, accel: config.QEMU_ACCEL, logger },
  });
  if (hypervisor.warning) logger.warn({ driver: hypervisor.driver.kind }, hypervisor.warning);
  const addresses = new AddressAllocator(addressPlan({ publicPool: config.PUBLIC_IPV4_POOL, publicPerTeam: config.PUBLIC_IPV4_PER_TEAM, privateCidr: config.PRIVATE_NETWORK_CIDR }));
  const placement = new Placement({
    driver: hypervisor.driver.kind, region: config.PLACEMENT_REGION,
    ratios: { cpu: config.PLACEMENT_CPU_OVERCOMMIT, memory: config.PLACEMENT_MEMORY_OVERCOMMIT, disk: config.PLACEMENT_DISK_OVERCOMMIT },
  });
  // Processes that migrate (serve, the roles) keep the hosts in line with their configuration; tools that do not (the CLI) only read them.
  if (opts.migrate !== false) {
    const hosts = await configuredHosts({
      driver: hypervisor.driver.kind, fakeHosts: config.FAKE_HOSTS, proxmoxNodes: config.PROXMOX_NODES, proxmoxCapacity: config.PROXMOX_NODE_CAPACITY,
      qemuCapacity: config.QEMU_HOST_CAPACITY, qemuDataDir: config.QEMU_DATA_DIR,
    });
    await placement.syncHosts(db, hosts, clock.now());
  }
  const computes = new ComputesService({
    clock, audit, jobs, catalog, subjects, addresses, logger, driver: hypervisor.driver, placement,
    spending: { assertCanSpend: (ex, teamId, intent) => billing.assertCanSpend(ex, teamId, intent) },
  });
  const computeActions = new ComputeActionRunner({
    db, clock, audit, jobs, catalog, subjects, addresses, logger, driver: hypervisor.driver, gracefulStopMs: config.COMPUTE_GRACEFUL_STOP_SECONDS * 1000,
    notifyOutcome: async (tx, compute, outcome, requestedBy) => {
      const ctx = { ...systemContext(tx, 'computes.run-action'), teamId: compute.teamId };
      const to = requestedBy ? [requestedBy] : await teamsRepository.managers(tx, compute.teamId);
      const computeUrl = `/computes/${compute.id}`;
      for (const userId of to) {
        await notifications
          .notify(ctx, outcome === 'ready'
            ? { template: 'compute-ready', to: { userId }, teamId: compute.teamId, variables: { hostName: compute.hostName, ipv4: compute.ipv4 ?? null, region: compute.region, sshPort: 222, computeUrl } }
            : { template: 'compute-failed', to: { userId }, teamId: compute.teamId, variables: { hostName: compute.hostName, region: compute.region, computeUrl } })
          .catch((err: unknown) => logger.warn({ err: { message: (err as Error).message }, computeId: compute.id }, 'compute e-mail not queued'));
      }
    },
  });

  const reconciler = new ComputeReconciler(db, { clock, audit, driver: hypervisor.driver, logger });
  const metrics = new MetricsService({
    db, clock, logger, driver: hypervisor.driver, publicUrl: config.PUBLIC_URL,
    metadataRelays: config.METRICS_METADATA_RELAYS.map((c) => parseCidr(c)!),
  });

  const deps: PlatformDeps = {
    config,
    clock,
    logger,
    database,
    apiKeys,
    idempotency: new IdempotencyService(db, clock),
    usage: new UsageLog(db, logger),
    audit,
    catalog,
    kms,
    subjects,
    hasher,
    accounts,
    sessions,
    identities,
    signIn,
    me: new MeService(accounts, identities, sessions),
    closure: new AccountClosureService({
      clock, audit, apiKeys, sessions,
      teams: { delete: (...args) => deps.teams.delete(...args), leave: (...args) => deps.teams.leave(...args) },
    }),
    devOidc,
    teams: new TeamsService(clock, audit, { apiKeys, profiles: (ex, id) => accounts.profile(ex, id), ownershipLimit: config.TEAM_OWNERSHIP_LIMIT }),
    invitations: new TeamInvitationsService({
      clock, audit, subjects, hasher,
      profiles: (ex, id) => accounts.profile(ex, id),
      findUserIdByEmail: (ex, email) => accounts.findIdByEmail(ex, email),
      notify: (ctx, input) => notifications.notify(ctx, input),
    }),
    jobs,
    notifications,
    phone: new PhoneService(
      { clock, subjects, hasher, audit, notify: (ctx, input) => notifications.notify(ctx, input) },
      {
        allowedCountries: config.SMS_ALLOWED_COUNTRIES,
        perNumberPerDay: config.PHONE_CODES_PER_NUMBER_PER_DAY,
        perAccountPerDay: config.PHONE_CODES_PER_ACCOUNT_PER_DAY,
        perIpPerDay: config.PHONE_CODES_PER_IP_PER_DAY,
      },
    ),
    age: new AgeService({
      clock, subjects, hasher, audit,
      notify: (ctx, input) => notifications.notify(ctx, input),
      nameOf: async (ex, id) => (await accounts.profile(ex, id))?.name ?? null,
    }),
    computes,
    sshKeys: new SshKeysService(clock, audit),
    consoles: new ComputeConsoleService({ db, clock, audit, driver: hypervisor.driver, logger }),
    hypervisor: hypervisor.driver,
    reconciler,
    metrics,
    placement,
    ledger,
    prices,
    billing,
    invoices,
    referrals,
    metering,
    dunning,
    payments,
    reverseDns: new ReverseDns(db, { clock, audit, nameservers: config.DNS_NAMESERVERS, pool: config.PUBLIC_IPV4_POOL }),
    domains: new DomainsService(db, {
      clock, audit, jobs, logger,
      resolver: opts.dnsResolver ?? new SystemResolver(config.DNS_RESOLVERS),
      settings: {
        nameservers: config.DNS_NAMESERVERS,
        ttl: { min: config.DNS_TTL_MIN, max: config.DNS_TTL_MAX, default: config.DNS_TTL_DEFAULT },
        activationWindowMs: config.DNS_ACTIVATION_HOURS * 3_600_000,
        inactiveRecheckMs: 6 * 3_600_000,
      },
    }),
  };

  // Job handlers and schedules of every module, by job name.
  const handlers: JobHandlers = {
    [DELIVER_JOB]: (payload: { notificationId: string }, job) => notifications.deliver(payload.notificationId, job),
    'notifications.purge-webhook-receipts': () => notifications.purgeWebhookReceipts(),
    'computes.reconcile': async () => void (await reconciler.run()),
    [SAMPLE_HOSTS_JOB]: async () => void (await metrics.sampleHosts()),
    [ROLLUP_JOB]: async () => logger.debug(await metrics.rollup(), 'metrics rolled up'),
    'billing.meter': () => metering.run(),
    'billing.reconcile': async () => {
      const counts = await billing.reconcile();
      if (counts.credited + counts.expired + counts.failed > 0) logger.info(counts, 'top-ups reconciled');
    },
    'billing.dunning': async () => void (await dunning.run()),
    'billing.invoices': async () => void (await invoices.issueMonth()),
    'billing.check-ledger': async () => {
      const problems = await ledger.check(db);
      if (problems.unbalanced.length || problems.mismatched.length) {
        logger.error({ unbalanced: problems.unbalanced.length, mismatched: problems.mismatched.length }, 'LEDGER INVARIANT BROKEN: balances and entries disagree');
        await billing.flagLedger(problems);
      }
    },
    [RUN_ACTION_JOB]: (payload: Partial<RunActionPayload> | null, job) => computeActions.run(payload?.actionId, job),
    'dns.check-delegation': async (payload: { zoneId?: string } | null) => void (payload?.zoneId && (await deps.domains.checkDelegation(payload.zoneId))),
    'dns.import': async (payload: { zoneId?: string } | null) => void (payload?.zoneId && (await deps.domains.importFromCurrentHost(payload.zoneId))),
    'dns.check-due': async () => void (await deps.domains.checkDue()),
    'privacy.enforce-retention': async () => {
      const counts = await enforceFixedRetention(db, clock);
      logger.info({ deleted: counts }, 'retention enforced');
    },
  };
  const schedules: JobSchedule[] = [
    { name: 'privacy.enforce-retention', cron: '17 * * * *', job: 'privacy.enforce-retention' },
    { name: 'computes.reconcile', cron: '*/5 * * * *', job: 'computes.reconcile' },
    { name: 'dns.check-due', cron: '*/5 * * * *', job: 'dns.check-due' },
    // A late reading is worth nothing: one attempt. Six-field cron: seconds first.
    { name: SAMPLE_HOSTS_JOB, cron: config.METRICS_HOST_SAMPLE_SECONDS === 60 ? '0 * * * * *' : `*/${config.METRICS_HOST_SAMPLE_SECONDS} * * * * *`, job: SAMPLE_HOSTS_JOB, maxAttempts: 1 },
    { name: ROLLUP_JOB, cron: '2-59/5 * * * *', job: ROLLUP_JOB },
    { name: 'billing.meter', cron: '1 * * * *', job: 'billing.meter' },
    { name: 'billing.reconcile', cron: '*/2 * * * *', job: 'billing.reconcile' },
    { name: 'billing.dunning', cron: '11 * * * *', job: 'billing.dunning' },
    { name: 'billing.check-ledger', cron: '23 4 * * *', job: 'billing.check-ledger' },
    { name: 'billing.invoices', cron: '7 2 1 * *', job: 'billing.invoices' },
    { name: 'notifications.purge-webhook-receipts', cron: '41 3 * * *', job: 'notifications.purge-webhook-receipts' },
  ];
  let worker: Worker | undefined;
  let dns: { server: DnsServer | null; powerdns: PowerDnsBackend | null; feed: ZoneFeed } | undefined;

  let app: FastifyInstance | undefined;

  return {
    deps,
    /** Builds the HTTP app without listening (tests use `inject`). */
    async http(): Promise<FastifyInstance> {
      app ??= await buildApp(deps, routes);
      deps.usage.start();
      return app;
    },
    async listen(): Promise<string> {
      const a = await this.http();
      const address = await a.listen({ port: config.PORT, host: config.HOST });
      // The app calls its own IremboPay sandbox, and the sandbox calls back, at the listening address.
      selfUrl = address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
      gateway = undefined;
      deps.payments.sandboxControls?.setCallbackUrl(`${selfUrl}/webhooks/irembopay`);
      return address;
    },
    /** The worker of this process (created on first call, not started). */
    worker(): Worker {
      worker ??= new Worker(db, handlers, {
        clock,
        logger,
        concurrency: config.WORKER_CONCURRENCY,
        pollMs: config.WORKER_POLL_MS,
        stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        schedules,
      });
      return worker;
    },
    /** Starts the worker role: claims due jobs and fires schedules until stopped. */
    async startWorker(): Promise<Worker> {
      const w = this.worker();
      await w.start();
      return w;
    },
    /**
     * Starts the dns role: every zone change from the database goes to the authoritative server on
     * DNS_HOST:DNS_PORT and/or to PowerDNS (DNS_BACKEND). Answers our server, or null when only PowerDNS serves.
     */
    async startDns(overrides: { port?: number; workers?: number | 'auto' } = {}): Promise<DnsServer | null> {
      if (dns) return dns.server;
      const server = config.DNS_BACKEND === 'powerdns' ? null : await startDnsServer({
        host: config.DNS_HOST,
        port: overrides.port ?? config.DNS_PORT,
        workers: overrides.workers ?? config.DNS_WORKERS,
        secondaries: config.DNS_SECONDARIES.map((s) => {
          const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s.includes('.') || s.startsWith('[') ? s : `[${s}]`);
          return { address: m?.[1] ?? s, port: m?.[2] ? Number(m[2]) : 53 };
        }),
        logger,
      });
      const powerdns =
        config.DNS_BACKEND === 'builtin'
          ? null
          : new PowerDnsBackend({
              client: new PowerDnsClient({ apiUrl: config.POWERDNS_API_URL!, apiKey: config.POWERDNS_API_KEY!, serverId: config.POWERDNS_SERVER_ID }),
              logger, account: config.POWERDNS_ACCOUNT, kind: config.POWERDNS_ZONE_KIND,
            });
      const feed = new ZoneFeed(database, deps.domains, [...(server ? [server] : []), ...(powerdns ? [powerdns] : [])], logger, 10_000, deps.reverseDns);
      await feed.start();
      powerdns?.startResync(() => servedZones(database, deps.domains), config.POWERDNS_RESYNC_SECONDS * 1000);
      dns = { server, powerdns, feed };
      return server;
    },
    /** Graceful stop: no new requests or jobs, in-flight ones finish, buffers flush, the database closes. */
    async stop(): Promise<void> {
      if (app) await app.close();
      if (dns) {
        await dns.feed.stop();
        await dns.powerdns?.close();
        await dns.server?.close();
      }
      if (worker) await worker.stop();
      await hypervisor.driver.close();
      await deps.usage.stop();
      if (!opts.database) await database.close();
    },
  };
}
export type Platform = Awaited<ReturnType<typeof createPlatform>>;
