import { Command } from 'commander';
import { ConfigError, VERSION, loadConfig, type Config } from '@strettch/api';

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

program
  .command('version')
  .description('Print the version')
  .action(() => console.log(VERSION));

await program.parseAsync(process.argv);
