/**
 * Closing an account and coming back (privacy notice §5), in a real browser against a real
 * `strettch serve`: sign in through the development provider, onboard, close the account from
 * the Account page (typing the e-mail address to confirm), land on a signed-out page with the
 * reactivation deadline, sign in again, see the closed-account page instead of the console,
 * reactivate, and land on Computes. Screenshot: test-results/console-account-closed-light.png.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, shouldRunBrowserTests, signInWithDevProvider, startConsoleSession, type ConsoleSession } from './harness.ts';

const person = { name: 'Jean Habimana', email: 'jean@example.rw' };
const PHONE = '+250788654321';

describe.skipIf(!shouldRunBrowserTests())('closing an account and reactivating it', () => {
  let session: ConsoleSession;

  beforeAll(async () => {
    session = await startConsoleSession();
  });

  afterAll(() => session?.close());

  it('closes the account from the Account page, then reactivates it by signing in again', async () => {
    const { page, problems } = await session.openPage();
    const { baseUrl } = session.platform;

    await signInWithDevProvider(page, baseUrl, person, '/account');
    await completeOnboarding(page, baseUrl, PHONE);
    await page.waitForURL(`${baseUrl}/account`);
    await expect.poll(() => session.heading(page)).toBe('Account & Privacy');
    await session.settled(page);

    // The danger zone says what closing does before anything can be closed.
    const card = page.getByRole('region', { name: 'Close account' });
    expect(await card.textContent()).toContain('six months');
    await card.getByRole('button', { name: 'Close account…' }).click();

    // The confirm step wants this account's e-mail address.
    const confirm = card.getByLabel(/to confirm$/);
    await confirm.fill('someone@example.rw');
    await card.getByRole('button', { name: 'Close my account' }).click();
    expect(await card.getByText('That isn’t the e-mail address of this account.').isVisible()).toBe(true);
    await confirm.fill(person.email.toUpperCase());
    await card.getByRole('button', { name: 'Close my account' }).click();

    // Signed out, with the date until which the account can come back.
    await page.waitForURL((url) => url.pathname === '/account-closed');
    expect(await session.heading(page)).toBe('Your account is closed');
    const until = new URL(page.url()).searchParams.get('until');
    expect(until).not.toBeNull();
    expect(Date.parse(until!) - Date.now()).toBeGreaterThan(150 * 24 * 3600_000);
    expect(await page.getByText('You can reactivate it until').textContent()).toMatch(/\d{1,2} \w{3} \d{4}/);
    const gone = await fetch(`${baseUrl}/api/v1/me`, { headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(gone.status).toBe(401);

    expect(problems).toEqual([]);

    // Signing in again: every page is the closed-account page until the person reactivates.
    // A page's own first requests leave before `GET /me` says the account is closed, and the API
    // refuses them (403 ACCOUNT_CLOSED); the page is replaced, so those are the only failures allowed.
    await signInWithDevProvider(page, baseUrl, person, '/team');
    await expect.poll(() => session.heading(page)).toBe('Your account is closed');
    expect(new URL(page.url()).pathname).toBe('/team');
    await session.settled(page);
    expect(await page.getByRole('button', { name: 'Reactivate my account' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await page.title()).toBe('Account closed · Strettch Cloud');
    await page.goto(`${baseUrl}/computes`);
    await expect.poll(() => session.heading(page)).toBe('Your account is closed');
    await session.settled(page);
    expect(await page.locator('main').textContent()).toMatch(/Until \d{1,2} \w{3} \d{4} you can reactivate it/);
    await page.screenshot({ path: path.join(session.screenshotDir, 'console-account-closed-light.png'), fullPage: true });

    await page.getByRole('button', { name: 'Reactivate my account' }).click();
    await expect.poll(() => session.heading(page)).toBe('Computes');
    expect(new URL(page.url()).pathname).toBe('/computes');
    await session.settled(page);
    expect(await page.getByRole('button', { name: `Account: ${person.name}` }).isVisible()).toBe(true);
    expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
  });
});
