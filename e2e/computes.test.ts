/**
 * Computes in a real browser against a real `strettch serve` (embedded default, sandboxes on, the
 * fake hypervisor with a 300 ms delay per change): a new customer signs in, onboards, funds the
 * wallet through the IremboPay sandbox, manages the team's SSH keys, creates a compute from the
 * create page (whose live price must match GET /billing/prices), watches it go from CREATING to
 * RUNNING with the progress bar, stops it, upsizes it while stopped, starts it and destroys it.
 * Screenshots (list, create, detail in progress and running, SSH keys; light and dark; desktop
 * and phone width) land in test-results/computes-*.png.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, newSshPublicKey, repoRoot, shouldRunBrowserTests, signInWithDevProvider, startConsoleSession, type ConsoleSession } from './harness.ts';

const screenshotDir = path.join(repoRoot, 'test-results');
const person = { name: 'Aline Mukamana', email: 'aline.computes@example.rw', phone: '+250788654321' };
const desktop = { width: 1280, height: 860 };
const mobile = { width: 390, height: 844 };

interface PriceList {
  hoursPerMonth: number;
  specifications: { specification: string; monthly: number; hourly: number }[];
  publicIpv4Monthly: number;
}
interface Specification {
  specification: string;
  vcpus: number;
  memoryMb: number;
  storageGb: number;
}

/** As the console formats money: "RWF 12,500". */
const rwf = (amount: number) => `RWF ${Math.round(amount).toLocaleString('en-US')}`;
/** As the console formats an hourly rate: up to two decimals. */
const hourly = (amount: number) => `RWF ${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

/** A signed-in API call from the browser's own cookie jar (session cookie, CSRF token, Origin, team). */
async function consoleApi(page: Page, baseUrl: string) {
  const me = (await (await page.request.get(`${baseUrl}/api/v1/me`)).json()) as { data: { csrfToken: string; teams: { id: string }[] } };
  const headers = { origin: baseUrl, 'x-csrf-token': me.data.csrfToken, 'x-team-id': me.data.teams[0]!.id };
  return {
    get: async <T>(pathname: string): Promise<T> => {
      const response = await page.request.get(`${baseUrl}/api/v1${pathname}`, { headers });
      expect(response.status(), `GET ${pathname}`).toBe(200);
      return ((await response.json()) as { data: T }).data;
    },
    post: async <T>(pathname: string, body: unknown): Promise<T> => {
      const response = await page.request.post(`${baseUrl}/api/v1${pathname}`, { headers: { ...headers, 'idempotency-key': randomUUID() }, data: body });
      expect(response.status(), `POST ${pathname}: ${await response.text()}`).toBeLessThan(300);
      return ((await response.json()) as { data: T }).data;
    },
  };
}

/** The compute's state as the detail page's header shows it. */
const headerState = (page: Page) => page.locator('.compute-header .compute-state').getAttribute('data-state');

describe.skipIf(!shouldRunBrowserTests())('computes: create, watch, power, upsize and destroy', () => {
  let session: ConsoleSession;
  let baseUrl: string;

  beforeAll(async () => {
    session = await startConsoleSession({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '300' });
    baseUrl = session.platform.baseUrl;
  });

  afterAll(() => session?.close());

  /** Light and dark, desktop and phone width; nothing may stick out sideways on the phone. */
  async function shootAll(page: Page, name: string): Promise<void> {
    await page.mouse.move(0, 0);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(screenshotDir, `computes-${name}-desktop-light.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: path.join(screenshotDir, `computes-${name}-desktop-dark.png`), fullPage: true });
    await page.setViewportSize(mobile);
    await page.screenshot({ path: path.join(screenshotDir, `computes-${name}-mobile-dark.png`), fullPage: true });
    const wider = await page.evaluate(
      `Array.from(document.querySelectorAll('main *')).filter((e) => e.getBoundingClientRect().right > ${mobile.width} + 1).slice(-3).map((e) => e.tagName + '.' + e.className).join(', ')`,
    );
    expect(Number(await page.evaluate('document.documentElement.scrollWidth')), `${name}: page wider than a phone (${String(wider)})`).toBeLessThanOrEqual(mobile.width);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('light');
    await page.screenshot({ path: path.join(screenshotDir, `computes-${name}-mobile-light.png`), fullPage: true });
    await page.setViewportSize(desktop);
  }

  it('creates a compute with its live price, follows it to RUNNING, stops, upsizes, starts and destroys it', { timeout: 300_000 }, async () => {
    const { page, problems } = await session.openPage({ viewport: desktop });
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 400) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });

    await signInWithDevProvider(page, baseUrl, person, '/computes');
    await completeOnboarding(page, baseUrl, person.phone);
    await page.waitForURL(`${baseUrl}/computes`);
    expect(await session.heading(page)).toBe('Computes');
    await session.settled(page);

    // A new team: nothing yet, a way to create one, and the catalogue with prices to choose from.
    await page.getByText('No computes yet').waitFor();
    expect(await page.getByRole('link', { name: 'Create compute' }).count()).toBeGreaterThan(0);
    const sizesTable = page.getByRole('table', { name: 'Sizes' });
    await sizesTable.waitFor();
    const api = await consoleApi(page, baseUrl);
    const prices = await api.get<PriceList>('/billing/prices');
    const specs = await api.get<Specification[]>('/computes/specifications?limit=100');
    const small = prices.specifications.find((p) => p.specification === 'S-1C-1G')!;
    expect(small).toBeDefined();
    await expect.poll(() => sizesTable.locator('tbody tr', { hasText: 'S-1C-1G' }).textContent()).toContain(rwf(small.monthly));

    // Fund the wallet: a top-up paid on the IremboPay sandbox.
    const topUp = await api.post<{ invoiceNumber: string }>('/billing/top-ups', { amount: 50_000 });
    const paid = await page.request.post(`${baseUrl}/sandbox/irembopay/invoices/${topUp.invoiceNumber}/pay`, { data: { paymentMethod: 'MTN_MOMO' } });
    expect(paid.status(), await paid.text()).toBe(200);
    await expect.poll(async () => (await api.get<{ balance: number }>('/billing/balance')).balance, { timeout: 20_000 }).toBe(50_000);

    // SSH keys: add one (named after its comment unless named), rename it, add and delete another.
    await page.getByRole('navigation', { name: 'Computes pages' }).getByRole('link', { name: 'SSH keys' }).click();
    await page.waitForURL(`${baseUrl}/computes/ssh-keys`);
    expect(await session.heading(page)).toBe('SSH keys');
    await page.getByText('No SSH keys yet').waitFor();
    const addForm = page.getByRole('form', { name: 'Add an SSH key' });
    await addForm.getByLabel('Public key').fill('not a key');
    await addForm.getByRole('button', { name: 'Add SSH key' }).click();
    expect(await addForm.getByRole('alert').first().textContent()).toContain('doesn’t look like an OpenSSH public key');
    const laptop = newSshPublicKey('aline@laptop');
    await addForm.getByLabel('Public key').fill(laptop.line);
    expect(await addForm.getByLabel('Name').getAttribute('placeholder')).toBe('aline@laptop');
    await addForm.getByLabel('Name').fill('Laptop');
    await addForm.getByRole('button', { name: 'Add SSH key' }).click();
    await addForm.getByText('“Laptop” was added to the team.').waitFor();
    const keysTable = page.getByRole('table', { name: 'Team SSH keys' });
    const laptopRow = keysTable.locator('tbody tr', { hasText: laptop.fingerprint });
    await laptopRow.waitFor();
    expect(await laptopRow.textContent()).toContain('ssh-ed25519');
    await laptopRow.getByRole('button', { name: 'Rename Laptop' }).click();
    await laptopRow.getByLabel('New name').fill('Aline laptop');
    await laptopRow.getByRole('button', { name: 'Save' }).click();
    await laptopRow.getByText('Aline laptop', { exact: true }).waitFor();
    const spare = newSshPublicKey('spare@e2e');
    await addForm.getByLabel('Public key').fill(spare.line);
    await addForm.getByRole('button', { name: 'Add SSH key' }).click();
    const spareRow = keysTable.locator('tbody tr', { hasText: spare.fingerprint });
    await spareRow.waitFor();
    expect(await spareRow.textContent()).toContain('spare@e2e');
    expect(await keysTable.locator('tbody tr').count()).toBe(2);
    await shootAll(page, 'ssh-keys');
    await spareRow.getByRole('button', { name: 'Delete spare@e2e' }).click();
    await spareRow.getByRole('button', { name: 'Delete key' }).click();
    await spareRow.waitFor({ state: 'detached' });
    expect(await keysTable.locator('tbody tr').count()).toBe(1);
    expect((await api.get<{ fingerprint: string }[]>('/ssh-keys')).map((k) => k.fingerprint)).toEqual([laptop.fingerprint]);

    // The create page: live price per month and per hour from the price list, the public IP's fee.
    await page.getByRole('navigation', { name: 'Computes pages' }).getByRole('link', { name: 'Computes' }).click();
    await page.waitForURL(`${baseUrl}/computes`);
    await page.getByRole('link', { name: 'Create compute' }).first().click();
    await page.waitForURL(`${baseUrl}/computes/new`);
    expect(await session.heading(page)).toBe('Create compute');
    await session.settled(page);
    const form = page.getByRole('form', { name: 'Create compute' });
    const total = page.getByTestId('create-total');
    const sizeCard = form.locator('[data-specification="S-1C-1G"]');
    expect(await sizeCard.textContent()).toContain(`${rwf(small.monthly)} / month`);
    expect(await sizeCard.textContent()).toContain(`${hourly(small.hourly)} / hour`);
    await sizeCard.click();
    await expect.poll(() => total.textContent()).toContain(`≈ ${rwf(small.monthly)} / month`);
    expect(await total.textContent()).toContain(`${hourly(small.hourly)} / hour, charged per started hour`);
    expect(await form.getByText(`${rwf(prices.publicIpv4Monthly)} / month while it is held`).isVisible()).toBe(true);
    await form.getByRole('switch', { name: /Public IPv4 address/ }).check();
    await expect.poll(() => total.textContent()).toContain(`≈ ${rwf(small.monthly + prices.publicIpv4Monthly)} / month`);
    expect(await page.getByText('Balance RWF 50,000').isVisible()).toBe(true);
    expect(await page.getByText('Top up before creating this compute.').count()).toBe(0);
    // A size whose first 24 hours the balance does not cover gets a warning, not a refusal later.
    const largest = [...prices.specifications].sort((a, b) => b.monthly - a.monthly)[0]!;
    if (Math.ceil(largest.hourly * 24) > 50_000) {
      await form.locator(`[data-specification="${largest.specification}"]`).click();
      await page.getByText('Top up before creating this compute.').waitFor();
      await sizeCard.click();
      await page.getByText('Top up before creating this compute.').waitFor({ state: 'detached' });
    }

    // Inline validation of the host name; spaces become hyphens.
    const hostName = form.getByRole('textbox', { name: 'Host name' });
    await hostName.fill('-web-');
    await hostName.blur();
    expect(await form.getByRole('alert').first().textContent()).toContain('cannot start or end with a hyphen');
    expect(await hostName.getAttribute('aria-invalid')).toBe('true');
    await hostName.fill('web e2e 01');
    expect(await form.getByText('Will be web-e2e-01.').isVisible()).toBe(true);
    expect(await hostName.getAttribute('aria-invalid')).toBeNull();
    await form.getByRole('textbox', { name: /^Tags/ }).fill('e2e, web');
    // The team key, and a new key pasted here (saved as a team key on the way).
    await form.getByRole('checkbox', { name: /Aline laptop/ }).check();
    await form.getByRole('button', { name: 'Paste a new public key' }).click();
    const ci = newSshPublicKey('ci@e2e');
    await form.getByRole('textbox', { name: 'New public key' }).fill(ci.line);
    await form.locator('summary', { hasText: 'User data' }).click();
    await form.getByRole('textbox', { name: /^User data/ }).fill('#cloud-config\npackages:\n  - nginx\n');
    await shootAll(page, 'create');

    // Create: the detail page follows CREATING → RUNNING with the progress bar.
    await form.getByRole('button', { name: 'Create compute' }).click();
    await page.waitForURL((url) => /^\/computes\/[0-9a-f-]{36}$/.test(url.pathname), { timeout: 15_000 });
    const computeId = new URL(page.url()).pathname.split('/')[2]!;
    expect(await session.heading(page)).toBe('web-e2e-01');
    const progress = page.getByRole('progressbar');
    // The create takes three fake delays (900 ms): the page shows it under way before it ends.
    expect(await headerState(page)).toBe('CREATING');
    await progress.waitFor({ timeout: 5_000 });
    expect(await progress.getAttribute('aria-label')).toBe('Creating the compute');
    await page.screenshot({ path: path.join(screenshotDir, 'computes-detail-progress-desktop-light.png'), fullPage: true });
    await expect.poll(() => headerState(page), { timeout: 30_000 }).toBe('RUNNING');
    await progress.waitFor({ state: 'detached' });
    const created = await api.get<{ state: string; specification: string; ipv4?: string; tags: string[] }>(`/computes/${computeId}`);
    expect(created).toMatchObject({ state: 'RUNNING', specification: 'S-1C-1G', tags: ['e2e', 'web'] });
    expect(created.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await page.getByTestId('ssh-command').textContent()).toBe(`ssh -p 222 root@${created.ipv4}`);
    // The pasted key is now a team key.
    expect((await api.get<{ fingerprint: string }[]>('/ssh-keys')).map((k) => k.fingerprint).sort()).toEqual([laptop.fingerprint, ci.fingerprint].sort());
    await page.getByRole('tab', { name: 'Actions' }).click();
    const history = page.getByRole('table', { name: 'Actions' });
    await expect.poll(() => history.locator('tbody tr').first().textContent()).toMatch(/Create.*Succeeded.*100%/);
    await page.getByRole('tab', { name: 'Console' }).click();
    // The web console connects by itself (e2e/compute-console.test.ts tests it through).
    await expect.poll(() => page.getByTestId('console-status').textContent(), { timeout: 15_000 }).toContain('Connected');
    await page.getByRole('tab', { name: 'Overview' }).click();

    // Reverse DNS of the public address: a bad name is refused in place, a good one is saved.
    const reverse = page.getByRole('region', { name: 'Reverse DNS' });
    await reverse.getByText('Not set').waitFor();
    await reverse.getByRole('button', { name: 'Set' }).click();
    await reverse.getByLabel('Host name').fill('not a host');
    await reverse.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => reverse.getByLabel('Host name').getAttribute('aria-invalid')).toBe('true');
    await reverse.getByLabel('Host name').fill('web-e2e-01.example.rw');
    await reverse.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => reverse.getByTestId('reverse-dns').textContent()).toBe('web-e2e-01.example.rw');
    expect((await api.get<{ name: string }>(`/computes/${computeId}/reverse-dns`)).name).toBe('web-e2e-01.example.rw');
    await shootAll(page, 'detail-running');

    // The list shows it, with its addresses, size, tags and a state that says it runs.
    await page.getByRole('link', { name: 'Computes', exact: true }).first().click();
    await page.waitForURL(`${baseUrl}/computes`);
    const row = page.getByRole('table', { name: 'Your computes' }).locator('tbody tr', { hasText: 'web-e2e-01' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Running');
    expect(await row.textContent()).toContain(created.ipv4!);
    expect(await row.textContent()).toContain('S-1C-1G');
    expect(await row.textContent()).toContain('Kigali-1');
    await row.getByRole('button', { name: `Copy the public IPv4 ${created.ipv4}` }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(created.ipv4);
    await page.getByLabel('Tag').selectOption('e2e');
    await expect.poll(() => page.getByRole('table', { name: 'Your computes' }).locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Tag').selectOption('');
    await shootAll(page, 'list');
    await row.getByRole('link', { name: 'web-e2e-01' }).click();
    await page.waitForURL(`${baseUrl}/computes/${computeId}`);

    // Upsize is offered only once the compute is stopped.
    const actions = page.getByRole('group', { name: 'Compute actions' });
    await actions.waitFor();
    expect(await actions.getByRole('button', { name: 'Upsize' }).isDisabled()).toBe(true);
    await actions.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => headerState(page), { timeout: 30_000 }).toBe('STOPPED');
    await progress.waitFor({ state: 'detached' });

    await actions.getByRole('button', { name: 'Upsize' }).click();
    const upsize = page.getByRole('dialog', { name: 'Upsize web-e2e-01' });
    await upsize.waitFor();
    const current = specs.find((s) => s.specification === 'S-1C-1G')!;
    const larger = specs.filter(
      (s) => s.vcpus >= current.vcpus && s.memoryMb >= current.memoryMb && s.storageGb >= current.storageGb && (s.vcpus > current.vcpus || s.memoryMb > current.memoryMb || s.storageGb > current.storageGb),
    );
    expect(await upsize.getByRole('radio').count()).toBe(larger.length);
    expect(await upsize.getByText('S-1C', { exact: true }).count()).toBe(0);
    await upsize.getByRole('button', { name: 'Upsize' }).click();
    expect(await upsize.getByRole('alert').textContent()).toContain('Choose the new size.');
    await upsize.getByRole('radio', { name: /S-2C-4G/ }).check();
    await upsize.getByRole('button', { name: 'Upsize' }).click();
    await upsize.waitFor({ state: 'detached' });
    await expect.poll(async () => (await api.get<{ specification: string; state: string }>(`/computes/${computeId}`)).specification, { timeout: 30_000 }).toBe('S-2C-4G');
    await expect.poll(() => headerState(page), { timeout: 30_000 }).toBe('STOPPED');
    await expect.poll(() => page.locator('.compute-facts').textContent()).toContain('S-2C-4G');

    await actions.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => headerState(page), { timeout: 30_000 }).toBe('RUNNING');

    // The history has every step, newest first.
    await page.getByRole('tab', { name: 'Actions' }).click();
    await expect
      .poll(async () => (await history.locator('tbody tr td:first-child').allTextContents()).map((t) => t.trim().split(/\s/)[0]))
      .toEqual(['Start', 'Upsize', 'Stop', 'Create']);
    await page.getByRole('tab', { name: 'Overview' }).click();

    // Destroy: confirmed by typing the host name.
    await actions.getByRole('button', { name: 'Destroy' }).click();
    const destroy = page.getByRole('dialog', { name: 'Destroy web-e2e-01' });
    await destroy.waitFor();
    await destroy.getByLabel(/Type .* to confirm/).fill('web-e2e');
    await destroy.getByRole('button', { name: 'Destroy compute' }).click();
    expect(await destroy.getByRole('alert').textContent()).toContain('does not match');
    expect(await api.get<{ state: string }>(`/computes/${computeId}`)).toMatchObject({ state: 'RUNNING' });
    await destroy.getByLabel(/Type .* to confirm/).fill('web-e2e-01');
    await destroy.getByRole('button', { name: 'Destroy compute' }).click();
    await destroy.waitFor({ state: 'detached' });
    await expect.poll(() => headerState(page), { timeout: 30_000 }).toBe('DESTROYED');
    await page.getByText('This compute was destroyed.').waitFor();
    expect(await page.getByRole('group', { name: 'Compute actions' }).count()).toBe(0);

    await page.getByRole('link', { name: 'All computes' }).click();
    await page.waitForURL(`${baseUrl}/computes`);
    await page.getByText('No computes yet').waitFor();

    // The one refusal is the bad reverse-DNS name, shown in place.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    expect(refused).toEqual([`PUT /api/v1/computes/${computeId}/reverse-dns`]);
  });
});
