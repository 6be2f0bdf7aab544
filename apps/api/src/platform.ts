import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openPglite, openPostgres, type Database } from './db/database.ts';
import { systemClock, type Clock } from './shared/clock.ts';
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
}

export interface PlatformOptions {
  database?: Database;
  clock?: Clock;
  logger?: Logger;
  /** Reference-data cache lifetime; 0 reads the database on every request. */
  catalogTtlMs?: number;
  /** Apply migrations at start (default true). */
  migrate?: boolean;
}

/** Every route module of the HTTP role, in registration order. */
export const routes: RoutePlugin<PlatformDeps>[] = [systemRoutes, catalogRoutes, authRoutes, meRoutes, notificationWebhookRoutes, devOidcRoutes, devRoutes, devJobRoutes, devMessageRoutes, phoneRoutes, ageRoutes, teamsRoutes, apiKeysRoutes, auditRoutes];

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
    { clock, jobs, subjects, hasher, email, sms, profiles: (ex, id) => accounts.recipientProfile(ex, id), logger },
    { emailFrom: config.EMAIL_FROM, publicUrl: config.PUBLIC_URL },
  );
  const sessions = new SessionsService(db, clock, hasher, audit, { idleMinutes: config.SESSION_IDLE_MINUTES, absoluteDays: config.SESSION_ABSOLUTE_DAYS });
  const identities = new IdentitiesService(subjects, hasher, clock, audit);
  const devOidc = config.devSignIn ? new DevOidcProvider(config.PUBLIC_URL, clock, hasher) : undefined;
  // Sign-in creates the default team of a new account: late-bound like accounts and notifications.
  const teams = { create: (...args: Parameters<TeamsService['create']>) => deps.teams.create(...args) };
  const signIn = new SignInService({ config, clock, accounts, teams, sessions, identities, devOidc }, signInProvidersFor(config, clock, devOidc));
  const apiKeys = new ApiKeysService(db, clock, audit);
  const deps: PlatformDeps = {
    config,
    clock,
    logger,
    database,
    apiKeys,
    idempotency: new IdempotencyService(db, clock),
    usage: new UsageLog(db, logger),
    audit,
    catalog: new CatalogService(db, clock, opts.catalogTtlMs ?? config.CATALOG_CACHE_SECONDS * 1000),
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
  };

  // Job handlers and schedules of every module, by job name.
  const handlers: JobHandlers = {
    [DELIVER_JOB]: (payload: { notificationId: string }, job) => notifications.deliver(payload.notificationId, job),
    'notifications.purge-webhook-receipts': () => notifications.purgeWebhookReceipts(),
    'privacy.enforce-retention': async () => {
      const counts = await enforceFixedRetention(db, clock);
      logger.info({ deleted: counts }, 'retention enforced');
    },
  };
  const schedules: JobSchedule[] = [
    { name: 'privacy.enforce-retention', cron: '17 * * * *', job: 'privacy.enforce-retention' },
    { name: 'notifications.purge-webhook-receipts', cron: '41 3 * * *', job: 'notifications.purge-webhook-receipts' },
  ];
  let worker: Worker | undefined;

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
      return a.listen({ port: config.PORT, host: config.HOST });
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
    /** Graceful stop: no new requests or jobs, in-flight ones finish, buffers flush, the database closes. */
    async stop(): Promise<void> {
      if (app) await app.close();
      if (worker) await worker.stop();
      await deps.usage.stop();
      if (!opts.database) await database.close();
    },
  };
}
export type Platform = Awaited<ReturnType<typeof createPlatform>>;
