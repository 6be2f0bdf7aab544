/**
 * PowerDNS Authoritative with its HTTP API, for the contract tests of the PowerDNS backend:
 * `pdns_server` from Debian's packages, started on free loopback ports from a temporary config
 * folder with the gsqlite3 backend (the schema PowerDNS ships, loaded with the sqlite3 tool).
 *
 * Debian packages: pdns-server, pdns-backend-sqlite3, sqlite3 (and dnsutils for dig).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

export const PDNS_SERVER = '/usr/sbin/pdns_server';
const SCHEMAS = ['/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'];
export const PDNS_PACKAGES = 'pdns-server pdns-backend-sqlite3 sqlite3';

const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** Why PowerDNS with the sqlite backend cannot be started here, or null when it can. */
export function pdnsApiMissing(): string | null {
  const missing: string[] = [];
  if (!fs.existsSync(PDNS_SERVER)) missing.push('pdns_server (pdns-server)');
  const backend = spawnSync('sh', ['-c', 'ls /usr/lib/*/pdns/libgsqlite3backend.so 2>/dev/null']).stdout.toString().trim();
  if (!backend || !SCHEMAS.some((s) => fs.existsSync(s))) missing.push('the gsqlite3 backend and its schema (pdns-backend-sqlite3)');
  if (!onPath('sqlite3')) missing.push('sqlite3 (sqlite3)');
  return missing.length ? `${missing.join(', ')} not installed (apt-get install ${PDNS_PACKAGES})` : null;
}

/** Whether dig is installed; under CI=true its absence fails (CI must install dnsutils). */
export function hasDig(): boolean {
  return onPath('dig');
}

/**
 * `describe` when PowerDNS can be started; otherwise a visible skip, or, under CI=true, a failing
 * test (CI must install the packages).
 */
export function describeWithPdnsApi(title: string, body: () => void): void {
  const missing = pdnsApiMissing();
  if (!missing) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has PowerDNS installed', () => {
        throw new Error(`${title}: ${missing}; CI must install them.`);
      });
    });
    return;
  }
  console.warn(`[${title}] SKIPPED: ${missing}.`);
  describe.skip(`${title} (skipped: ${missing})`, () => {
    it('needs PowerDNS', () => {});
  });
}

/** A port free on 127.0.0.1 for TCP (and for UDP too with `udp`). */
export async function freePort(udp = false): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
    const udpFree = !udp || (await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    }));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

export interface PdnsApi {
  /** Base URL of the webserver, e.g. `http://127.0.0.1:41234`. */
  apiUrl: string;
  apiKey: string;
  /** The DNS port (UDP and TCP) on 127.0.0.1. */
  dnsPort: number;
  /** The sqlite database file. */
  database: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); `start` brings it back on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Copies the database to `to` (sqlite3's online backup: consistent while the server runs). */
  backup(to: string): void;
  /** Stops the server, puts `from` in place of its database, and starts it again: a restore from backup. */
  restore(from: string): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Starts pdns_server with the API on; resolves once the API answers. */
export async function startPdnsApi(settings: Record<string, string | number> = {}): Promise<PdnsApi> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-pdns-api-'));
  const database = path.join(dir, 'pdns.sqlite3');
  const schema = SCHEMAS.find((s) => fs.existsSync(s))!;
  const loaded = spawnSync('sqlite3', [database], { input: fs.readFileSync(schema) });
  if (loaded.status !== 0) throw new Error(`could not load the PowerDNS schema: ${loaded.stderr.toString()}`);
  const apiKey = crypto.randomBytes(18).toString('base64url');
  const [webPort, dnsPort] = [await freePort(), await freePort(true)];
  const conf: Record<string, string | number> = {
    launch: 'gsqlite3',
    'gsqlite3-database': database,
    api: 'yes',
    'api-key': apiKey,
    webserver: 'yes',
    'webserver-address': '127.0.0.1',
    'webserver-port': webPort,
    'webserver-allow-from': '127.0.0.0/8',
    'local-address': '127.0.0.1',
    'local-port': dnsPort,
    // No outbound security-status lookup at start (stack-findings §5).
    'security-poll-suffix': '',
    // Otherwise zones created without an SOA get `a.misconfigured.dns.server.invalid`.
    'default-soa-content': 'ns1.strettch.test. hostmaster.@ 0 10800 3600 604800 3600',
    'socket-dir': dir,
    guardian: 'no',
    daemon: 'no',
    'disable-syslog': 'yes',
    loglevel: 4,
    ...settings,
  };
  fs.writeFileSync(path.join(dir, 'pdns.conf'), Object.entries(conf).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  const apiUrl = `http://127.0.0.1:${webPort}`;
  let child: ChildProcess | null = null;
  let log = '';

  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      const kill = setTimeout(() => c.kill('SIGKILL'), 5_000);
      c.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      c.kill('SIGTERM');
    });

  const start = async () => {
    if (child) return;
    const c = spawn(PDNS_SERVER, [`--config-dir=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    const until = Date.now() + 20_000;
    while (Date.now() < until && c.exitCode === null) {
      const ok = await fetch(`${apiUrl}/api/v1/servers/localhost`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new Error(`pdns_server did not start: ${log.replaceAll(apiKey, '[api key]')}`);
  };

  const api: PdnsApi = {
    apiUrl,
    apiKey,
    dnsPort,
    database,
    stop,
    start,
    backup(to) {
      // gsqlite3 runs the database in WAL mode: the newest writes are in the -wal file, which
      // sqlite3's online backup includes and a plain copy of the database file would miss.
      const run = spawnSync('sqlite3', [database, `.backup '${to.replaceAll("'", "''")}'`]);
      if (run.status !== 0) throw new Error(`backup failed: ${run.stderr.toString()}`);
    },
    async restore(from) {
      await stop();
      for (const f of [`${database}-wal`, `${database}-shm`]) fs.rmSync(f, { force: true });
      fs.copyFileSync(from, database);
      await start();
    },
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return api;
}

/**
 * `dig @127.0.0.1 -p <port> <name> <type> <flags>` (default `+short`): one line per record, blanks
 * collapsed, sorted. Asynchronous, so a server in this same process can answer.
 */
export async function dig(port: number, name: string, type: string, flags: string[] = ['+short']): Promise<string[]> {
  const args = ['@127.0.0.1', '-p', String(port), name, type, '+norec', '+time=2', '+tries=1', ...flags];
  const { stdout } = await promisify(execFile)('dig', args, { timeout: 5_000 });
  return stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' ')).sort();
}
