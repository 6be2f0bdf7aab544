/**
 * The compute web console in a real browser against a real `strettch serve`: a new customer
 * creates a compute from the create page (no public IP), watches it go to RUNNING, opens the
 * Console tab and sees the guest's ready line in the xterm.js terminal, types into it, disconnects
 * and reconnects; opening and closing are in the team's audit log.
 * - On the fake hypervisor (fast, always with Chromium): the simulated console, labelled as such.
 * - On the qemu driver with the tiny guest (scripts/build-tiny-guest.sh), when QEMU and the guest
 *   are here: a real serial console showing `STRETTCH-GUEST READY hostname=<name>` and the key's
 *   fingerprint computed in the guest. Skipped with a notice otherwise; a failure under CI=true.
 * Screenshots: test-results/compute-console-{fake,qemu}-desktop-{light,dark}.png.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, newSshPublicKey, repoRoot, shouldRunBrowserTests, signInWithDevProvider, startConsoleSession, type ConsoleSession } from './harness.ts';

const screenshotDir = path.join(repoRoot, 'test-results');
const browserTests = shouldRunBrowserTests();
const desktop = { width: 1280, height: 900 };

/** Signed-in API calls from the browser's own cookie jar (session cookie, CSRF token, Origin, team). */
async function consoleApi(page: Page, baseUrl: string) {
  const me = (await (await page.request.get(`${baseUrl}/api/v1/me`)).json()) as { data: { csrfToken: string; teams: { id: string }[] } };
  const headers = { origin: baseUrl, 'x-csrf-token': me.data.csrfToken, 'x-team-id': me.data.teams[0]!.id };
  const call = async <T>(method: 'GET' | 'POST' | 'DELETE', pathname: string, body?: unknown): Promise<T> => {
    const response = await page.request.fetch(`${baseUrl}/api/v1${pathname}`, { method, headers: { ...headers, 'idempotency-key': randomUUID() }, ...(body ? { data: body } : {}) });
    expect(response.status(), `${method} ${pathname}: ${await response.text()}`).toBeLessThan(300);
    return ((await response.json()) as { data: T }).data;
  };
  return {
    get: <T>(pathname: string) => call<T>('GET', pathname),
    post: <T>(pathname: string, body: unknown) => call<T>('POST', pathname, body),
    delete: <T>(pathname: string) => call<T>('DELETE', pathname),
  };
}

/** What the terminal shows now (xterm's DOM renderer writes spaces as no-break spaces). */
async function terminalText(page: Page): Promise<string> {
  return ((await page.locator('[data-testid="console-terminal"] .xterm-rows').textContent()) ?? '').replace(/\u00a0/g, ' ');
}

const consoleStatus = (page: Page) => page.getByTestId('console-status').textContent();

interface Flow {
  session: ConsoleSession;
  person: { name: string; email: string; phone: string };
  hostName: string;
  /** How long the machine may take from Create to RUNNING. */
  bootMs: number;
  /** Shown by the console once the guest is up. */
  readyLine: (hostName: string) => RegExp;
  /** What the guest prints when `typed` is entered. */
  answer: RegExp;
  typed: string;
  name: 'fake' | 'qemu';
  simulated: boolean;
}

/**
 * Signs a new person in, funds the team, creates the compute from the create page and follows it
 * to RUNNING, opens the Console tab, waits for the ready line, types, takes the screenshots,
 * disconnects and reconnects. Answers the compute id and the API helper.
 */
async function createAndOpenConsole(f: Flow): Promise<{ page: Page; computeId: string; api: Awaited<ReturnType<typeof consoleApi>>; problems: string[] }> {
  const { session } = f;
  const baseUrl = session.platform.baseUrl;
  const { page, problems } = await session.openPage({ viewport: desktop });
  await signInWithDevProvider(page, baseUrl, f.person, '/computes');
  await completeOnboarding(page, baseUrl, f.person.phone);
  await page.waitForURL(`${baseUrl}/computes`);
  await session.settled(page);

  // Fund the wallet: a top-up paid on the IremboPay sandbox.
  const api = await consoleApi(page, baseUrl);
  const topUp = await api.post<{ invoiceNumber: string }>('/billing/top-ups', { amount: 50_000 });
  const paid = await page.request.post(`${baseUrl}/sandbox/irembopay/invoices/${topUp.invoiceNumber}/pay`, { data: { paymentMethod: 'MTN_MOMO' } });
  expect(paid.status(), await paid.text()).toBe(200);
  await expect.poll(async () => (await api.get<{ balance: number }>('/billing/balance')).balance, { timeout: 20_000 }).toBe(50_000);

  // Create from the console: the smallest size, no public IP, a key pasted on the form.
  await page.getByRole('link', { name: 'Create compute' }).first().click();
  await page.waitForURL(`${baseUrl}/computes/new`);
  await session.settled(page);
  const form = page.getByRole('form', { name: 'Create compute' });
  await form.locator('[data-specification="S-1C-1G"]').click();
  await form.getByRole('textbox', { name: 'Host name' }).fill(f.hostName);
  const key = newSshPublicKey(`${f.name}@e2e`);
  await form.getByRole('textbox', { name: 'New public key' }).fill(key.line);
  await form.getByRole('button', { name: 'Create compute' }).click();
  await page.waitForURL((url) => /^\/computes\/[0-9a-f-]{36}$/.test(url.pathname), { timeout: 15_000 });
  const computeId = new URL(page.url()).pathname.split('/')[2]!;

  // Its progress, then RUNNING.
  const state = () => page.locator('.compute-header .compute-state').getAttribute('data-state');
  await page.locator('.compute-header .compute-state').waitFor();
  expect(['CREATING', 'RUNNING']).toContain(await state());
  await expect.poll(state, { timeout: f.bootMs, interval: 1_000 }).toBe('RUNNING');
  expect(await page.getByText('None (private only)').isVisible()).toBe(true);

  // The Console tab connects by itself and shows the guest's ready line.
  await page.getByRole('tab', { name: 'Console' }).click();
  await expect.poll(() => consoleStatus(page), { timeout: 20_000 }).toBe(`Connected to the serial console of ${f.hostName}.`);
  await expect.poll(() => terminalText(page), { timeout: 60_000 }).toMatch(f.readyLine(f.hostName));
  if (f.name === 'qemu') expect(await terminalText(page)).toContain(key.fingerprint);
  expect(await page.getByText('Simulated', { exact: true }).isVisible()).toBe(f.simulated);

  // The terminal has the keyboard: what is typed reaches the guest, which answers.
  await expect.poll(() => page.evaluate('document.activeElement?.closest("[data-testid=console-terminal]") !== null')).toBe(true);
  await page.keyboard.type(f.typed);
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(f.answer);

  const rowsColour = () => page.evaluate(`getComputedStyle(document.querySelector('[data-testid="console-terminal"] .xterm-rows')).color`);
  expect(await rowsColour()).toBe('rgb(22, 24, 29)');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(screenshotDir, `compute-console-${f.name}-desktop-light.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
  // The terminal follows the theme: light text on its dark background now.
  await expect.poll(rowsColour).toBe('rgb(232, 234, 240)');
  await page.screenshot({ path: path.join(screenshotDir, `compute-console-${f.name}-desktop-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // Disconnect, then reconnect: a new ticket, the same console.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect.poll(() => consoleStatus(page)).toBe('Disconnected.');
  await page.getByRole('button', { name: 'Reconnect' }).click();
  await expect.poll(() => consoleStatus(page), { timeout: 20_000 }).toBe(`Connected to the serial console of ${f.hostName}.`);
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(f.readyLine(f.hostName));
  // Leaving the tab closes the console.
  await page.getByRole('tab', { name: 'Overview' }).click();

  // Both consoles are in the team's audit log, opened and closed.
  await expect
    .poll(async () => (await api.get<Array<{ action: string; targetId: string }>>('/audit-logs?action=compute.console.*')).filter((e) => e.targetId === computeId).map((e) => e.action).sort(), { timeout: 10_000 })
    .toEqual(['compute.console.close', 'compute.console.close', 'compute.console.open', 'compute.console.open']);
  return { page, computeId, api, problems };
}

describe.skipIf(!browserTests)('compute web console on the fake hypervisor', () => {
  let session: ConsoleSession;

  beforeAll(async () => {
    session = await startConsoleSession({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '300' });
  });
  afterAll(() => session?.close());

  it('creates a compute, opens its simulated console, types into it, reconnects', { timeout: 240_000 }, async () => {
    const { problems } = await createAndOpenConsole({
      session,
      name: 'fake',
      person: { name: 'Claudine Uwase', email: 'claudine.console@example.rw', phone: '+250788111222' },
      hostName: 'console-fake-01',
      bootMs: 30_000,
      readyLine: (host) => new RegExp(`${host} ready.*${host} login:`),
      typed: 'echo-from-the-browser',
      answer: /login: echo-from-the-browser/,
      simulated: true,
    });
    expect(problems).toEqual([]);
  });
});

/** QEMU and the tiny guest, or why they cannot be used here. */
function prepareTinyGuest(): { dir: string } | { missing: string } {
  for (const binary of ['qemu-system-x86_64', 'qemu-img']) {
    if (spawnSync(binary, ['--version'], { stdio: 'ignore' }).status !== 0) return { missing: `${binary} does not run (apt-get install qemu-system-x86 qemu-utils)` };
  }
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/build-tiny-guest.sh')], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const dir = out.trim().split('\n').pop() ?? '';
    return fs.existsSync(path.join(dir, 'vmlinuz')) ? { dir } : { missing: `scripts/build-tiny-guest.sh printed no build folder (${dir})` };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { missing: `the tiny guest could not be built: ${(err.stderr ?? err.message).trim().split('\n').slice(-2).join(' ')}` };
  }
}

/** Kills the QEMU processes the platform started under its data folder (the driver leaves machines running when it stops). */
function sweepMachines(dataDir: string): void {
  const vms = path.join(dataDir, 'vms');
  for (const name of fs.existsSync(vms) ? fs.readdirSync(vms) : []) {
    const pidFile = path.join(vms, name, 'qemu.pid');
    if (!fs.existsSync(pidFile)) continue;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`strettch-${name}`)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const guest = browserTests ? prepareTinyGuest() : { missing: 'no browser' };

if (browserTests && 'missing' in guest) {
  if (process.env.CI === 'true') {
    it('runs the web console on the qemu driver in CI', () => {
      throw new Error(`The qemu web console cannot be tested here: ${guest.missing}. CI must install qemu-system-x86 and qemu-utils and build the tiny guest.`);
    });
  } else {
    console.warn(`SKIPPED: compute web console on qemu: ${guest.missing}.`);
    it.skip(`compute web console on qemu (skipped: ${guest.missing})`, () => {});
  }
} else if (browserTests && 'dir' in guest) {
  describe('compute web console on the qemu driver (tiny guest)', () => {
    let session: ConsoleSession;

    beforeAll(async () => {
      session = await startConsoleSession({ HYPERVISOR_DRIVER: 'qemu', QEMU_TINY_GUEST_DIR: guest.dir });
    });
    afterAll(async () => {
      if (!session) return;
      // Whatever happened in the test, no QEMU outlives it.
      sweepMachines(session.platform.dataDir);
      await session.close();
    });

    it('creates a compute on QEMU, follows its boot, and shows the guest\'s ready line and key in the console', { timeout: 420_000 }, async () => {
      const { api, computeId, problems } = await createAndOpenConsole({
        session,
        name: 'qemu',
        person: { name: 'Eric Habimana', email: 'eric.console@example.rw', phone: '+250788333444' },
        hostName: 'console-qemu-01',
        bootMs: 240_000,
        readyLine: (host) => new RegExp(`STRETTCH-GUEST READY hostname=${host}`),
        typed: 'uptime',
        answer: /the tiny guest has no shell/,
        simulated: false,
      });
      expect(problems).toEqual([]);
      // The machine is destroyed through the API, and its QEMU with it.
      await api.delete(`/computes/${computeId}`);
      await expect.poll(async () => (await api.get<{ state: string }>(`/computes/${computeId}`)).state, { timeout: 90_000, interval: 1_000 }).toBe('DESTROYED');
    });
  });
}
