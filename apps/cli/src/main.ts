import { Command } from 'commander';
import { ConfigError, DatabaseInUseError, VERSION, loadConfig, type Config } from '@strettch/api';

const program = new Command('strettch').description('Strettch Cloud control plane').version(VERSION, '-v, --version');

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

program
  .command('serve')
  .description('Run the platform: API, console and workers, on the embedded defaults unless configured otherwise')
  .action(async () => {
    const { serve } = await import('./commands/serve.ts');
    await serve(config());
  });

program
  .command('migrate')
  .description('Apply the database migration history and exit')
  .action(async () => {
    const { migrate } = await import('./commands/migrate.ts');
    await migrate(config());
  });

const jobs = program.command('jobs').description('Inspect the durable job queue');
jobs
  .command('list')
  .description('List jobs, newest first')
  .option('-s, --status <status>', 'queued, running, succeeded or dead')
  .option('-n, --name <name>', 'only jobs of this name')
  .option('-l, --limit <n>', 'how many', '50')
  .action(async (o: { status?: 'queued' | 'running' | 'succeeded' | 'dead'; name?: string; limit: string }) => {
    const { listJobs } = await import('./commands/jobs.ts');
    await listJobs(config(), { status: o.status, name: o.name, limit: Number(o.limit) });
  });
jobs
  .command('retry <id>')
  .description('Queue a dead job again')
  .action(async (id: string) => {
    const { retryJob } = await import('./commands/jobs.ts');
    await retryJob(config(), Number(id));
  });

const billing = program.command('billing').description('Staff work on billing (runs against the database; stop an embedded-database server first)');
billing
  .command('proposals')
  .description('Termination proposals waiting for a staff decision')
  .action(async () => {
    const { listProposals } = await import('./commands/billing.ts');
    await listProposals(config());
  });
billing
  .command('decide <proposalId>')
  .description('Approve or reject a termination proposal, as a named staff member')
  .option('--approve', 'terminate the team')
  .option('--reject', 'keep the team (it stays suspended until a top-up)')
  .requiredOption('--staff <name>', 'who decides')
  .requiredOption('--note <text>', 'why')
  .action(async (id: string, o: { approve?: boolean; reject?: boolean; staff: string; note: string }) => {
    if (Boolean(o.approve) === Boolean(o.reject)) {
      console.error('say --approve or --reject');
      process.exit(1);
    }
    const { decideProposal } = await import('./commands/billing.ts');
    await decideProposal(config(), id, { approve: Boolean(o.approve), staff: o.staff, note: o.note });
  });
billing
  .command('review-items')
  .description('Payments and ledger problems flagged for staff')
  .action(async () => {
    const { listReviewItems } = await import('./commands/billing.ts');
    await listReviewItems(config());
  });
billing
  .command('credit <teamId> <amount>')
  .description('Credit (or, with --kind adjustment and a negative amount, debit) a team wallet, with a reason')
  .requiredOption('--reason <text>', 'why (kept with the ledger entry)')
  .requiredOption('--staff <name>', 'who grants it')
  .option('--kind <kind>', 'credit, adjustment or refund', 'credit')
  .action(async (teamId: string, amount: string, o: { reason: string; staff: string; kind: 'credit' | 'adjustment' | 'refund' }) => {
    const { credit } = await import('./commands/billing.ts');
    await credit(config(), teamId, Number(amount), o);
  });

program
  .command('computes')
  .description('Staff work on computes')
  .command('drift')
  .description('What the reconciler found that the database and the hypervisor disagree on')
  .option('--run', 'reconcile now first')
  .action(async (o: { run?: boolean }) => {
    const { listDrift } = await import('./commands/computes.ts');
    await listDrift(config(), { run: Boolean(o.run) });
  });

const hosts = program
  .command('hosts')
  .description('Hosts that run computes: capacity, committed and free (staff; stop an embedded-database server first)')
  .action(async () => {
    const { listHosts } = await import('./commands/hosts.ts');
    await listHosts(config());
  });
hosts
  .command('drain <name>')
  .description('Place no new computes on a host; its computes stay')
  .action(async (name: string) => {
    const { setHostStatus } = await import('./commands/hosts.ts');
    await setHostStatus(config(), name, 'draining');
  });
hosts
  .command('enable <name>')
  .description('Place new computes on a drained host again')
  .action(async (name: string) => {
    const { setHostStatus } = await import('./commands/hosts.ts');
    await setHostStatus(config(), name, 'enabled');
  });

const dev = program.command('dev').description('Development helpers of sandbox mode (talk to the running server)');
dev
  .command('seed')
  .description('Sign a person up through the development sign-in and print {"userId","teamId","apiKey"} (an Owner key)')
  .option('-e, --email <email>', 'e-mail address of the person (default: a new made-up one)')
  .option('-n, --name <name>', 'name of the person (default: "Dev User")')
  .option('--url <url>', 'base URL of the running server (default: PUBLIC_URL)')
  .action(async (o: { email?: string; name?: string; url?: string }) => {
    const { seed } = await import('./commands/dev/seed.ts');
    await seed(config(), o);
  });

program
  .command('version')
  .description('Print the version')
  .action(() => console.log(VERSION));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof DatabaseInUseError || (err instanceof Error && err.name === 'AppError')) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
