/**
 * The console's development pages against a real `strettch serve`: the built-in mailbox
 * (`/dev/mail`, `/dev/mail/:id`) and SMS outbox (`/dev/sms`), reached from the sandbox banner
 * and the help menu. A new account's welcome e-mail travels the whole way (seed → job queue →
 * worker → sandbox mailbox → console) and is read in the sandboxed HTML frame. Screenshots
 * land in test-results/. With the sandboxes off the pages say so and the API answers 404.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, seedAccount, shouldRunBrowserTests, startConsoleSession, startPlatform, type ConsoleSession, type PageOptions, type Platform } from './harness.ts';

const screenshotDir = path.join(repoRoot, 'test-results');
/** The worker delivers queued e-mail within a few seconds; the page polls every 3 s. */
const MAIL_ARRIVES_MS = 30_000;

describe.skipIf(!shouldRunBrowserTests())('console development pages', () => {
  let session: ConsoleSession;
  let platform: Platform;
  const openPage = (options?: PageOptions) => session.openPage(options);
  const heading = (page: Page) => session.heading(page);
  const settled = (page: Page) => session.settled(page);

  beforeAll(async () => {
    session = await startConsoleSession();
    platform = session.platform;
  });

  afterAll(() => session?.close());

  it('links to the mailbox and the SMS outbox from the sandbox banner and the help menu, not the primary navigation', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${platform.baseUrl}/computes`);
    const nav = page.getByRole('navigation', { name: 'Primary' });
    expect((await nav.getByRole('link').allTextContents()).join(' ')).not.toMatch(/Mailbox|SMS/);

    const banner = page.locator('[data-testid="sandbox-banner"]');
    await banner.getByRole('link', { name: 'Open the mailbox' }).click();
    await page.waitForURL(`${platform.baseUrl}/dev/mail`);
    await expect.poll(() => heading(page)).toBe('Mailbox');
    expect(await page.title()).toBe('Mailbox · Strettch Cloud');
    expect(await nav.locator('[aria-current="page"]').count()).toBe(0);

    await banner.getByRole('link', { name: 'SMS outbox' }).click();
    await page.waitForURL(`${platform.baseUrl}/dev/sms`);
    await expect.poll(() => heading(page)).toBe('SMS outbox');

    await page.goto(`${platform.baseUrl}/domains`);
    await settled(page);
    await page.getByRole('button', { name: 'Help' }).click();
    await page.getByRole('menuitem', { name: /^Mailbox/ }).click();
    await page.waitForURL(`${platform.baseUrl}/dev/mail`);
    await expect.poll(() => heading(page)).toBe('Mailbox');
    await page.getByRole('button', { name: 'Help' }).click();
    await page.getByRole('menuitem', { name: /^SMS outbox/ }).click();
    await page.waitForURL(`${platform.baseUrl}/dev/sms`);
    await expect.poll(() => heading(page)).toBe('SMS outbox');
    expect(problems).toEqual([]);
  });

  it('shows a new account’s welcome e-mail, with its HTML in a sandboxed frame', async () => {
    const person = { email: `welcome-${Date.now()}@example.rw`, name: 'Uwase Ineza' };
    const { page, problems } = await openPage();
    await page.goto(`${platform.baseUrl}/dev/mail`);
    await settled(page);
    expect(await heading(page)).toBe('Mailbox');

    await seedAccount(platform.baseUrl, person);

    // Arrives without a reload: the list asks for new mail every 3 s.
    const item = page.locator(`[data-testid="mail-item"][data-to="${person.email}"]`);
    try {
      await item.waitFor({ timeout: MAIL_ARRIVES_MS });
    } catch (error) {
      const mailbox = await fetch(`${platform.baseUrl}/api/dev/mail?limit=50`).then(async (r) => `${r.status} ${await r.text()}`);
      throw new Error(`no e-mail to ${person.email} in the mailbox after ${MAIL_ARRIVES_MS / 1000} s (GET /api/dev/mail → ${mailbox.slice(0, 500)})\n${platform.output()}`, { cause: error });
    }
    await item.click();
    await page.waitForURL(new RegExp(`${platform.baseUrl}/dev/mail/[^/]+$`));
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await item.getAttribute('aria-current')).toBe('page');

    const reader = page.locator('[data-testid="mail-reader"]');
    await reader.waitFor();
    expect(await reader.locator('h2').textContent()).toMatch(/Strettch Cloud|welcome/i);
    expect(await reader.getByTestId('mail-to').textContent()).toBe(person.email);

    // The HTML renders under the console's CSP in a frame without scripts or our origin.
    const frame = reader.getByTestId('mail-html');
    const sandbox = (await frame.getAttribute('sandbox')) ?? '';
    expect(sandbox.split(/\s+/)).not.toContain('allow-scripts');
    expect(sandbox.split(/\s+/)).not.toContain('allow-same-origin');
    await expect.poll(() => page.frameLocator('[data-testid="mail-html"]').locator('body').textContent(), { timeout: 10_000 }).toContain(person.name);
    await page.screenshot({ path: path.join(screenshotDir, 'console-dev-mail-light.png'), fullPage: true });

    await reader.getByRole('tab', { name: 'Text' }).click();
    expect(await reader.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected')).toBe('true');
    expect((await reader.getByTestId('mail-text').textContent())?.trim()).not.toBe('');

    // The message's own address opens it directly, in the dark theme too.
    const dark = await openPage({ colorScheme: 'dark' });
    await dark.page.goto(`${platform.baseUrl}/dev/mail/${encodeURIComponent(id)}`);
    await settled(dark.page);
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await expect.poll(() => dark.page.frameLocator('[data-testid="mail-html"]').locator('body').textContent(), { timeout: 10_000 }).toContain(person.name);
    await dark.page.screenshot({ path: path.join(screenshotDir, 'console-dev-mail-dark.png'), fullPage: true });

    expect(problems).toEqual([]);
    expect(dark.problems).toEqual([]);
  });

  it('says so when a message is not in the mailbox', async () => {
    const { page } = await openPage();
    await page.goto(`${platform.baseUrl}/dev/mail/00000000-0000-4000-8000-000000000000`);
    await settled(page);
    await page.getByText('This message is not in the mailbox.').waitFor();
    await page.getByRole('link', { name: 'Back to the mailbox' }).click();
    await page.waitForURL(`${platform.baseUrl}/dev/mail`);
  });

  it('lists the SMS outbox', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${platform.baseUrl}/dev/sms`);
    await settled(page);
    expect(await heading(page)).toBe('SMS outbox');
    const rows = page.getByTestId('sms-row');
    if ((await rows.count()) === 0) {
      await page.getByText('No text messages yet').waitFor();
    } else {
      expect(await rows.first().locator('.badge').textContent()).toMatch(/^(Pindo|AWS SNS)$/);
    }
    await page.screenshot({ path: path.join(screenshotDir, 'console-dev-sms-light.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  describe('with the sandboxes off', () => {
    let production: Platform;

    beforeAll(async () => {
      // Real providers (e-mail, SMS, sign-in) must be configured when the sandboxes are off; nothing is sent here.
      production = await startPlatform({
        SANDBOXES: 'off', RESEND_API_KEY: 're_e2e_unused', PINDO_API_TOKEN: 'e2e-unused', AWS_SNS_REGION: 'eu-west-1',
        GITHUB_CLIENT_ID: 'e2e-unused', GITHUB_CLIENT_SECRET: 'e2e-unused', IREMBOPAY_SECRET_KEY: 'e2e-unused',
      });
    });

    afterAll(async () => {
      await production?.stop();
    });

    it('shows a notice instead of the pages, and the API has no such endpoints', async () => {
      expect((await fetch(`${production.baseUrl}/api/dev/mail?limit=50`)).status).toBe(404);
      const { page, problems } = await openPage();
      for (const [pathname, title] of [
        ['/dev/mail', 'The mailbox is off on this installation'],
        ['/dev/sms', 'The SMS outbox is off on this installation'],
      ] as const) {
        await page.goto(`${production.baseUrl}${pathname}`);
        const notice = page.getByTestId('dev-pages-off');
        await notice.waitFor();
        expect(await notice.textContent()).toContain(title);
        expect(await page.locator('[data-testid="sandbox-banner"]').count()).toBe(0);
      }
      await page.getByRole('button', { name: 'Help' }).click();
      expect(await page.getByRole('menuitem', { name: /^Mailbox/ }).count()).toBe(0);
      expect(problems).toEqual([]);
    });
  });
});
