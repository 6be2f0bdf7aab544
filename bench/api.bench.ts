/**
 * bench:api — throughput and latency of a DB-backed endpoint against a bare Fastify hello-world,
 * both measured in this run on this machine with autocannon (50 connections). Target: the
 * platform's GET /api/v1/computes/specifications (authenticated with an API key, rate limit raised
 * out of the way, usage log on) at ≥ 50 % of the hello-world's requests/s, p99 < 25 ms.
 * The catalogue cache is measured on (the default) and off (a database read per request).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, root, startPlatform, stopChild, waitFor } from './lib.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Figures> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers }); // warm-up
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function platformRun(name: string, env: Record<string, string>): Promise<Figures> {
  const p = await startPlatform({ RATE_LIMIT_API_KEY: '1000000000', ...env });
  try {
    const seed = await fetch(`${p.baseUrl}/api/dev/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench${Date.now()}@example.rw`, name: 'Bench Runner' }),
    });
    const { apiKey } = (await seed.json()) as { apiKey: string };
    return await measure(name, `${p.baseUrl}/api/v1/computes/specifications`, { authorization: `Bearer ${apiKey}` });
  } finally {
    await p.stop();
    fs.rmSync(p.dataDir, { recursive: true, force: true });
  }
}

/** Runs `fn` against a throw-away database on the PostgreSQL server at `adminUrl`, or returns null. */
async function withPostgres<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T | null> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `strettch_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  try {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return await fn(u.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

const port = await freePort();
const hello = spawn(process.execPath, [path.join(root, 'bench/hello-server.mjs'), String(port)], { cwd: root, stdio: 'inherit' });
let baseline: Figures;
try {
  await waitFor(`http://127.0.0.1:${port}/hello`, 20_000, hello);
  baseline = await measure('bare Fastify hello-world', `http://127.0.0.1:${port}/hello`);
} finally {
  await stopChild(hello);
}
const cached = await platformRun('GET /api/v1/computes/specifications (catalogue cache on, default)', {});
const uncached = await platformRun('GET /api/v1/computes/specifications (cache off: PGlite query per request)', { CATALOG_CACHE_SECONDS: '0' });

const rows = [baseline, cached, uncached];
const pgUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const onPostgres = await withPostgres(pgUrl, (url) => platformRun('GET /api/v1/computes/specifications (cache on, PostgreSQL 127.0.0.1)', { DATABASE_URL: url, SANDBOXES: 'on' }));
if (onPostgres) rows.push(onPostgres);
else console.warn(`PostgreSQL not reachable at ${pgUrl.replace(/\/\/[^@]*@/, '//')}: that row is skipped`);
console.log(`\nautocannon, ${CONNECTIONS} connections, ${DURATION} s per run, Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
console.log('| endpoint | req/s | p50 ms | p99 ms | vs hello-world | errors | non-2xx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${((r.rps / baseline.rps) * 100).toFixed(0)} % | ${r.errors} | ${r.non2xx} |`);
}
const ratio = cached.rps / baseline.rps;
console.log(`\ntarget: DB-backed endpoint ≥ 50 % of hello-world and p99 < 25 ms → ${ratio >= 0.5 && cached.p99 < 25 ? 'MET' : 'NOT MET'} (${(ratio * 100).toFixed(0)} %, p99 ${cached.p99} ms)`);
