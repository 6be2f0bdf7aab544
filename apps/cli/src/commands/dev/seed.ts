import type { Config } from '@strettch/api';

/**
 * `strettch dev seed [--email E] [--name N]`: signs a person up through the running server's
 * development sign-in and prints `{"userId", "teamId", "apiKey"}` (an Owner key of their team).
 * It goes through the server's API rather than the database: PGlite allows one process per data
 * folder, and the server holds it.
 */
export async function seed(config: Config, opts: { email?: string; name?: string; url?: string }): Promise<void> {
  const base = (opts.url ?? config.PUBLIC_URL).replace(/\/$/, '');
  const body: Record<string, string> = {};
  if (opts.email) body.email = opts.email;
  if (opts.name) body.name = opts.name;
  let res: Response;
  try {
    res = await fetch(`${base}/api/dev/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    console.error(`No Strettch Cloud server answers at ${base}: start one with "strettch serve" (or pass --url).`);
    process.exit(1);
  }
  const text = await res.text();
  if (res.status === 404) {
    console.error(`${base} has no development sign-in: seeding works only in sandbox mode with no Google or GitHub sign-in configured.`);
    process.exit(1);
  }
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: print as is
    }
    console.error(`Seeding failed (${res.status}): ${message}`);
    process.exit(1);
  }
  process.stdout.write(`${text.trim()}\n`);
}
