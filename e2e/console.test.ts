/**
 * The web console in a real browser against a real `strettch serve`: routing, navigation,
 * theme, the sandbox banner, and full-page screenshots of every page (light and dark, desktop
 * and mobile) in test-results/ for people to look at.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrettchClient } from '@strettch/sdk';
import { repoRoot, seedAccount, shouldRunBrowserTests, startConsoleSession, type ConsoleSession, type PageOptions, type Platform } from './harness.ts';

const sections = [
  { path: '/computes', label: 'Computes', slug: 'computes' },
  { path: '/domains', label: 'Domains', slug: 'domains' },
  { path: '/billing', label: 'Billing', slug: 'billing' },
  { path: '/team', label: 'Team', slug: 'team' },
  { path: '/account', label: 'Account & Privacy', slug: 'account' },
] as const;

const desktop = { width: 1280, height: 800 };
const mobile = { width: 390, height: 844 };
const screenshotDir = path.join(repoRoot, 'test-results');

describe.skipIf(!shouldRunBrowserTests())('web console', () => {
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

  it('opens on Computes when visiting /', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${platform.baseUrl}/`);
    await page.waitForURL(`${platform.baseUrl}/computes`);
    expect(await heading(page)).toBe('Computes');
    expect(await page.title()).toBe('Computes · Strettch Cloud');
    await settled(page);
    expect(problems).toEqual([]);
  });

  it('shows the five sections and each link changes the page', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${platform.baseUrl}/computes`);
    const nav = page.getByRole('navigation', { name: 'Primary' });
    const links = nav.getByRole('link');
    expect((await links.allTextContents()).map((t) => t.trim())).toEqual(sections.map((s) => s.label));

    for (const section of [...sections].reverse()) {
      await nav.getByRole('link', { name: section.label, exact: true }).click();
      await page.waitForURL(`${platform.baseUrl}${section.path}`);
      await expect.poll(() => heading(page)).toBe(section.label);
      expect(await nav.getByRole('link', { name: section.label, exact: true }).getAttribute('aria-current')).toBe('page');
    }

    // Client-side routing keeps the history: Back returns to the previous section.
    await page.goBack();
    await page.waitForURL(`${platform.baseUrl}/domains`);
    await expect.poll(() => heading(page)).toBe('Domains');
    expect(problems).toEqual([]);
  });

  it('serves client routes directly and shows a not-found page inside the layout', async () => {
    const { page } = await openPage();
    await page.goto(`${platform.baseUrl}/billing`);
    expect(await heading(page)).toBe('Billing');

    await page.goto(`${platform.baseUrl}/no-such-page`);
    expect(await heading(page)).toBe('Page not found');
    expect(await page.getByRole('navigation', { name: 'Primary' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Go to Computes' }).click();
    await expect.poll(() => heading(page)).toBe('Computes');
  });

  it('switches between light and dark, remembers the choice, and follows the system', async () => {
    const { page } = await openPage({ colorScheme: 'light' });
    await page.goto(`${platform.baseUrl}/computes`);
    const theme = () => page.locator('html').getAttribute('data-theme');
    expect(await theme()).toBe('light');

    await page.getByRole('button', { name: 'Dark theme' }).click();
    expect(await theme()).toBe('dark');
    expect(await page.getByRole('button', { name: 'Dark theme' }).getAttribute('aria-pressed')).toBe('true');
    await page.reload();
    await heading(page);
    expect(await theme()).toBe('dark');

    await page.getByRole('button', { name: 'Light theme' }).click();
    expect(await theme()).toBe('light');
    // The documented key (apps/console/src/lib/theme.ts).
    expect(await page.evaluate("localStorage.getItem('strettch.console.theme')")).toBe('light');

    await page.getByRole('button', { name: 'System theme' }).click();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
  });

  it('shows the sandbox banner, since `serve` starts with the built-in test providers', async () => {
    const { page } = await openPage();
    await page.goto(`${platform.baseUrl}/domains`);
    const banner = page.locator('[data-testid="sandbox-banner"]');
    await banner.waitFor();
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain('Sandbox mode');
    expect(await banner.textContent()).toContain('nothing real is charged or sent');
    // The harness runs computes on the fake hypervisor, which the console labels as such.
    expect(await banner.textContent()).toContain('Computes are simulated');
  });

  it('asks the visitor to sign in before listing sizes, regions and images', async () => {
    const { page } = await openPage();
    await page.goto(`${platform.baseUrl}/computes`);
    await settled(page);
    for (const what of ['the available sizes', 'the regions', 'the images']) {
      expect(await page.getByText(`Sign in to see ${what}.`).isVisible()).toBe(true);
    }
  });

  it('lists the real sizes, regions and images for an authenticated visitor', async () => {
    // Until the console has its own sign-in, an API key sent with every request stands in for it.
    const { apiKey } = await seedAccount(platform.baseUrl, { email: 'console-e2e@example.rw', name: 'Console Test' });
    const sdk = createStrettchClient({ baseUrl: platform.baseUrl, apiKey });
    const sizes = (await sdk.GET('/computes/specifications', { params: { query: { limit: 100 } } })).data?.data ?? [];
    const regions = (await sdk.GET('/regions')).data?.data ?? [];
    expect(sizes.length).toBeGreaterThan(0);
    expect(regions.length).toBeGreaterThan(0);

    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, problems } = await openPage({ apiKey, colorScheme });
      await page.goto(`${platform.baseUrl}/computes`);
      await settled(page);
      const table = page.getByRole('table', { name: 'Sizes' });
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBe(sizes.length);
      const first = sizes[0]!;
      const cells = (await rows.first().locator('td').allTextContents()).map((t) => t.trim());
      expect(cells).toEqual([first.specification, String(first.vcpus), expect.stringMatching(/^\d+(\.\d)? (MB|GB)$/), `${first.storageGb} GB`]);
      expect(await page.getByText(regions[0]!.name, { exact: true }).isVisible()).toBe(true);
      expect(await page.getByText(/^Sign in to see the/).count()).toBe(0);
      await page.screenshot({ path: path.join(screenshotDir, `console-computes-catalog-${colorScheme}.png`), fullPage: true });
      expect(problems).toEqual([]);
    }
  });

  it('saves full-page screenshots of every page in light and dark, desktop and mobile', async () => {
    const pages = [...sections, { path: '/no-such-page', label: 'Page not found', slug: 'not-found' }];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [viewportName, viewport] of [['', desktop], ['-mobile', mobile]] as const) {
        const { page, problems } = await openPage({ viewport, colorScheme });
        for (const section of pages) {
          await page.goto(`${platform.baseUrl}${section.path}`);
          expect(await heading(page)).toBe(section.label);
          await settled(page);
          expect(await page.locator('html').getAttribute('data-theme')).toBe(colorScheme);
          // Nothing may stick out sideways at this width (the nav scrolls inside itself).
          expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(viewport.width);
          await page.screenshot({ path: path.join(screenshotDir, `console-${section.slug}${viewportName}-${colorScheme}.png`), fullPage: true });
        }
        expect(problems).toEqual([]);
      }
    }
  });
});
