/**
 * Large-test harness: starts the whole platform the way a newcomer does (`strettch serve`,
 * embedded database, sandboxes on) on a free port with a fresh data folder, and launches the
 * Debian Chromium through playwright-core for console tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_PATH = '/usr/bin/chromium';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES_KEPT = 200;

export interface Platform {
  /** e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  baseUrl: string;
  /** The server's recent stdout/stderr, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; removes the data folder. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would; the data folder stays (`stop` still removes it). */
  kill(): Promise<void>;
  /** Resolves with the exit signal or code when the server ends by itself (a failpoint, a crash); rejects after `timeoutMs`. */
  exit(timeoutMs: number): Promise<string>;
  /** The server's data folder (embedded database, key file). */
  dataDir: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // A test run that crashes must not leave servers behind.
  for (const child of running) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts `node apps/cli/bin/strettch.mjs serve` from the repository root and waits until
 * `GET /api/v1/health` answers (up to 60 s). `env` is added to (and may override) the defaults.
 */
export async function startPlatform(env: Record<string, string> = {}): Promise<Platform> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
    }
  };

  const child = spawn(process.execPath, [path.join(repoRoot, 'apps/cli/bin/strettch.mjs'), 'serve'], {
    cwd: repoRoot,
    // PUBLIC_URL is the address tests open the console at: signed-in changes must come from it (Origin check).
    // Computes are simulated unless a test asks for the qemu driver: no test boots a real VM by accident.
    // The DNS server takes a free port, so servers of parallel test files never collide.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: baseUrl, STRETTCH_DATA_DIR: dataDir, LOG_LEVEL: 'warn', HYPERVISOR_DRIVER: 'fake', DNS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => running.delete(child));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited(child);
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  const output = () => lines.join('\n');
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  };

  const exit = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`strettch serve still runs after ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    });
    try {
      await Promise.race([exited(child), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return String(child.signalCode ?? child.exitCode);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`strettch serve exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { baseUrl, output, stop, kill, exit, dataDir };
    } catch {
      // Not listening yet.
    }
    await delay(250);
  }
  await stop();
  throw new Error(`strettch serve did not answer /api/v1/health within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}

/** Whether the Debian Chromium that browser tests drive is installed. */
export function browserAvailable(): boolean {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides whether browser tests run. Without Chromium they are skipped with a visible notice,
 * except in CI (`CI=true`), where a missing browser must fail the run rather than pass quietly.
 */
export function shouldRunBrowserTests(): boolean {
  if (browserAvailable()) return true;
  if (process.env.CI === 'true') return true; // launchBrowser() then fails with an explanation.
  console.warn(`SKIPPED: console browser tests: chromium not installed at ${CHROMIUM_PATH} (apt-get install -y --no-install-recommends chromium).`);
  return false;
}

/** Headless Debian Chromium (never a downloaded browser: no `npx playwright install`). */
export async function launchBrowser(): Promise<Browser> {
  if (!browserAvailable()) {
    throw new Error(`chromium not installed at ${CHROMIUM_PATH}; install it with: apt-get install -y --no-install-recommends chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A person, their team and an API key, through the development seed endpoint that exists only
 * while the sandboxes are on (`POST /api/dev/seed`).
 */
export async function seedAccount(baseUrl: string, person: { email: string; name: string }): Promise<{ userId: string; teamId: string; apiKey: string }> {
  const response = await fetch(`${baseUrl}/api/dev/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(person),
  });
  if (!response.ok) throw new Error(`POST /api/dev/seed answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { userId: string; teamId: string; apiKey: string };
}

/** Where the development sign-in provider's own pages live (served by the API). */
const DEV_OIDC_PREFIX = '/dev/oidc/';

export interface Sms {
  to?: string;
  toNumber?: string;
  text: string;
  createdAt: string;
}

/** The newest text message in the built-in SMS outbox, or the newest to `phone` (E.164). */
export async function newestSms(baseUrl: string, phone?: string): Promise<Sms | undefined> {
  const response = await fetch(`${baseUrl}/api/dev/sms`);
  expect(response.status).toBe(200);
  const { data } = (await response.json()) as { data: Sms[] };
  return data
    .filter((sms) => phone === undefined || (sms.to ?? sms.toNumber) === phone)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
}

export interface Mail {
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  createdAt: string;
}

/**
 * The newest e-mail to `to` in the built-in mailbox whose subject contains `subject`, waiting for
 * the worker to deliver it (up to 30 s).
 */
export async function waitForMail(baseUrl: string, to: string, subject: string): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      async () => {
        const response = await fetch(`${baseUrl}/api/dev/mail?limit=50`);
        expect(response.status).toBe(200);
        const { data } = (await response.json()) as { data: Mail[] };
        found = data.filter((m) => m.to === to && m.subject.includes(subject)).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
        return found !== undefined;
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(true);
  return found!;
}

/** The first link in an e-mail's text to `path` on this installation (links are absolute, under PUBLIC_URL). */
export function linkInMail(mail: Mail, baseUrl: string, path: string): string {
  const escaped = `${baseUrl}${path}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}[^\\s<>"')\\]]*`).exec(mail.text);
  if (!match) throw new Error(`no link to ${baseUrl}${path} in the e-mail "${mail.subject}":\n${mail.text}`);
  return match[0];
}

/**
 * From the sign-in page, "Sign in as…" with the development provider. Leaves the page wherever
 * the console sends a new session (onboarding, `returnTo`, or the closed-account page).
 */
export async function signInWithDevProvider(page: Page, baseUrl: string, person: { name: string; email: string }, returnTo?: string): Promise<void> {
  await page.goto(returnTo ? `${baseUrl}/sign-in?returnTo=${encodeURIComponent(returnTo)}` : `${baseUrl}/sign-in`);
  await page.getByRole('link', { name: 'Development sign-in' }).click();
  await page.getByRole('heading', { name: 'Sign in as…' }).waitFor();
  await page.getByLabel('Name').fill(person.name);
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Back in the console: past the provider's page (`/dev/oidc/…`) and the callback (`/auth/…`).
  await page.waitForURL((url) => !url.pathname.startsWith(DEV_OIDC_PREFIX) && !url.pathname.startsWith('/auth/'));
}

/** On /onboarding: confirms a date of birth and verifies `phone` with the code from the SMS outbox. */
export async function completeOnboarding(page: Page, baseUrl: string, phone: string, dateOfBirth = '1990-05-17'): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/onboarding');
  await page.getByLabel('Date of birth').fill(dateOfBirth);
  await page.getByRole('button', { name: 'Confirm date of birth' }).click();
  const phoneField = page.getByLabel('Mobile number');
  await phoneField.waitFor();
  await phoneField.fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  const code = page.getByLabel('6-digit code');
  await code.waitFor();
  // This number's code: with two people onboarding in one test, the newest message may be the other's.
  let sms: Sms | undefined;
  await expect.poll(async () => (sms = await newestSms(baseUrl, phone))?.text ?? '', { timeout: 15_000 }).toMatch(/\b\d{6}\b/);
  await code.fill(/\b(\d{6})\b/.exec(sms!.text)![1]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => url.pathname !== '/onboarding');
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  apiKey?: string;
}

/**
 * A browser and a platform for a console test file: built console, fresh `strettch serve`,
 * pages whose uncaught errors and console errors are collected, and the waits every test needs.
 */
export async function startConsoleSession(env: Record<string, string> = {}) {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'apps/console/scripts/ensure-built.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the console failed:\n${built.stdout}\n${built.stderr}`);
  fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  const browser = await launchBrowser();
  const platform = await startPlatform(env);
  const contexts: BrowserContext[] = [];
  return {
    browser,
    platform,
    screenshotDir: path.join(repoRoot, 'test-results'),
    async openPage(options: PageOptions = {}): Promise<{ page: Page; problems: string[] }> {
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1280, height: 800 },
        colorScheme: options.colorScheme ?? 'light',
        ...(options.apiKey ? { extraHTTPHeaders: { authorization: `Bearer ${options.apiKey}` } } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // Chromium logs every 4xx as "Failed to load resource"; the 401s before sign-in are expected, and so
        // is the 403 of `GET /api/v1/me` for a page that sends an API key (not a console session).
        if (message.type() !== 'error' || message.text().includes('status of 401')) return;
        const from = new URL(message.location().url || '/', 'http://x').pathname;
        if (message.text().includes('status of 403') && from === '/api/v1/me') return;
        // The development "Sign in as…" page (served by the API, not the console) has no icon, so Chromium asks for one.
        if (message.text().includes('status of 404') && from === '/favicon.ico') return;
        problems.push(`console: ${message.text()}`);
      });
      return { page, problems };
    },
    async heading(page: Page): Promise<string> {
      const h1 = page.locator('main h1');
      await h1.waitFor();
      return (await h1.textContent())?.trim() ?? '';
    },
    /** Everything the page loads on its own has settled: the banner is shown, no skeletons. */
    async settled(page: Page): Promise<void> {
      await page.locator('[data-testid="sandbox-banner"]').waitFor();
      // Not page.waitForFunction: a string predicate that has to poll needs eval, which the CSP refuses.
      await expect.poll(() => page.locator('.skeleton').count()).toBe(0);
    },
    async close(): Promise<void> {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await platform.stop();
    },
  };
}
export type ConsoleSession = Awaited<ReturnType<typeof startConsoleSession>>;

/**
 * A fresh OpenSSH Ed25519 public key line (`ssh-ed25519 AAAA… comment`) and its `SHA256:`
 * fingerprint as `ssh-keygen -l` prints it, for tests that add SSH keys.
 */
export function newSshPublicKey(comment: string): { line: string; fingerprint: string } {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  // The SPKI encoding of an Ed25519 key ends with the 32 raw key bytes.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  const fingerprint = `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { line: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, fingerprint };
}
