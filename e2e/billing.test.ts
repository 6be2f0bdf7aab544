/**
 * Billing in a real browser against a real `strettch serve` (embedded default, sandboxes on): a
 * new customer signs in, onboards, opens Billing, tops up RWF 10,000 through the dialog, pays on
 * the IremboPay sandbox checkout with MTN MoMo, comes back and sees the balance and a "Payment
 * received" notice within seconds, and the worker's "Payment received" e-mail in the mailbox.
 * Then a running compute gives the wallet an hourly rate, which the balance card and the
 * dialog's suggestions follow. Screenshots (light and dark, desktop and phone, the dialog and the
 * checkout) land in test-results/.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, repoRoot, shouldRunBrowserTests, signInWithDevProvider, startConsoleSession, waitForMail, type ConsoleSession } from './harness.ts';

const screenshotDir = path.join(repoRoot, 'test-results');
const person = { name: 'Diane Ingabire', email: 'diane.billing@example.rw', phone: '+250788456123' };
const desktop = { width: 1280, height: 860 };
const mobile = { width: 390, height: 844 };

/** The balance card: a region named after the team whose wallet it shows. */
const balanceCard = (page: Page) => page.getByRole('region', { name: /^Balance of / });
const balanceText = async (page: Page) => ((await page.getByTestId('billing-balance').textContent()) ?? '').trim();

/**
 * A signed-in API call from the browser's own cookie jar, as the console makes it: the session
 * cookie, the CSRF token from `GET /me`, our Origin, and the team in `X-Team-Id`.
 */
async function consoleApi(page: Page, baseUrl: string) {
  const me = (await (await page.request.get(`${baseUrl}/api/v1/me`)).json()) as { data: { csrfToken: string; teams: { id: string }[] } };
  const headers = { origin: baseUrl, 'x-csrf-token': me.data.csrfToken, 'x-team-id': me.data.teams[0]!.id };
  return {
    teamId: me.data.teams[0]!.id,
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

async function shoot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(screenshotDir, name), fullPage: options.fullPage ?? true });
}

describe.skipIf(!shouldRunBrowserTests())('billing: top up the wallet through IremboPay', () => {
  let session: ConsoleSession;
  let baseUrl: string;
  /** Diane's signed-in page, from the first test to the next. */
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    // The fake hypervisor with no delay: the compute below runs at once, so the test stays light.
    session = await startConsoleSession({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0' });
    baseUrl = session.platform.baseUrl;
  });

  afterAll(() => session?.close());

  it('tops up RWF 10,000 with MTN MoMo on the checkout and shows the new balance on return', { timeout: 180_000 }, async () => {
    ({ page, problems } = await session.openPage({ viewport: desktop }));

    await signInWithDevProvider(page, baseUrl, person, '/billing');
    await completeOnboarding(page, baseUrl, person.phone);
    await page.waitForURL(`${baseUrl}/billing`);
    expect(await session.heading(page)).toBe('Billing');
    await session.settled(page);

    // A new team's wallet: empty, nothing charged, and a way to add credit.
    expect(await balanceText(page)).toBe('RWF 0');
    expect(await page.getByText('Add credit to get started').isVisible()).toBe(true);
    expect(await balanceCard(page).getByText('Nothing is charged').isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'Transactions' }).count()).toBe(0);
    expect(await page.getByText('No transactions yet').isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: 'Daily spend' }).isVisible()).toBe(true);

    // The dialog: suggestions, inline validation, then RWF 10,000.
    await balanceCard(page).getByRole('button', { name: 'Top up' }).click();
    const dialog = page.getByRole('dialog', { name: 'Top up the wallet' });
    await dialog.waitFor();
    const amount = dialog.getByLabel('Amount', { exact: true });
    await amount.fill('500');
    await dialog.getByRole('button', { name: 'Continue to payment' }).click();
    expect(await dialog.getByRole('alert').textContent()).toContain('The smallest top-up is RWF 1,000.');
    expect(await amount.getAttribute('aria-invalid')).toBe('true');
    await amount.fill('2500.50');
    expect(await dialog.getByRole('alert').textContent()).toContain('whole francs');
    expect(page.url()).toBe(`${baseUrl}/billing`);

    const tenThousand = dialog.getByRole('button', { name: 'RWF 10,000' });
    await tenThousand.click();
    expect(await tenThousand.getAttribute('aria-pressed')).toBe('true');
    expect(await amount.inputValue()).toBe('10,000');
    expect(await dialog.getByRole('alert').count()).toBe(0);
    expect(await dialog.getByText('the balance becomes RWF 10,000').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshotDir, 'billing-top-up-dialog-light.png') });

    // IremboPay's hosted checkout (the built-in sandbox), with a way back to this team's Billing page.
    await dialog.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/sandbox/irembopay/checkout/'));
    const returnUrl = new URL(new URL(page.url()).searchParams.get('returnUrl') ?? '', baseUrl);
    expect(returnUrl.origin + returnUrl.pathname).toBe(`${baseUrl}/billing`);
    expect(returnUrl.searchParams.get('topUp')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.getByText('10,000 RWF').first().isVisible()).toBe(true);
    await page.getByLabel('MTN MoMo').check();
    await page.screenshot({ path: path.join(screenshotDir, 'billing-checkout-sandbox.png'), fullPage: true });
    await page.getByRole('button', { name: 'Pay 10,000 RWF' }).click();
    await page.getByRole('status').filter({ hasText: 'Paid' }).waitFor();
    await page.getByRole('link', { name: 'Return to the merchant' }).click();

    // Back on Billing: the confirmation arrives within seconds, and the address is tidied up.
    await page.waitForURL((url) => url.pathname === '/billing');
    const backAt = Date.now();
    await expect.poll(() => balanceText(page), { timeout: 15_000, interval: 250 }).toBe('RWF 10,000');
    expect(Date.now() - backAt).toBeLessThan(15_000);
    const received = page.getByTestId('payment-received');
    await received.waitFor();
    expect(await received.textContent()).toContain('RWF 10,000 was added to the wallet, paid with MTN MoMo');
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getByText('Add credit to get started').count()).toBe(0);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(screenshotDir, 'billing-payment-received-light.png') });

    // The history: the credit in the ledger, the top-up paid.
    const transactions = page.getByRole('table', { name: 'Transactions' });
    await transactions.waitFor();
    expect(await transactions.locator('tbody tr').count()).toBe(1);
    expect(await transactions.locator('tbody tr').first().textContent()).toMatch(/Top-up.*\+RWF 10,000/);
    await page.getByRole('tab', { name: 'Top-ups' }).click();
    const topUps = page.getByRole('table', { name: 'Top-ups' });
    await topUps.waitFor();
    expect(await topUps.locator('tbody tr').first().textContent()).toMatch(/RWF 10,000.*Paid.*MTN MoMo/);
    await page.getByRole('tab', { name: 'Invoices' }).click();
    await page.getByText('No invoices yet').waitFor();
    await page.getByRole('tab', { name: 'Transactions' }).click();

    // The worker e-mails the receipt.
    const mail = await waitForMail(baseUrl, person.email, 'Payment received');
    expect(mail.text).toContain('10,000');

    // The low-balance alert (Owner): inline validation, then saved and shown on the card.
    const threshold = page.getByLabel('Alert me below');
    await threshold.fill('12.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await page.getByText('Enter whole francs in digits').isVisible()).toBe(true);
    await threshold.fill('5,000');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved: you’ll be alerted below RWF 5,000.').waitFor();
    expect(await balanceCard(page).getByText('RWF 5,000').isVisible()).toBe(true);

    // The referral link, copied.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    const link = await page.getByLabel('Your referral link').inputValue();
    expect(link).toMatch(new RegExp(`^${baseUrl.replace(/[.]/g, '\\.')}/sign-in\\?ref=\\w+`));
    await page.getByRole('button', { name: 'Copy the referral link' }).click();
    await page.getByText('Link copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(link);

    // A running compute: the wallet now has an hourly rate, and the dialog estimates the month.
    const api = await consoleApi(page, baseUrl);
    const regions = await api.get<{ region: string }[]>('/regions');
    const images = await api.get<{ image: string }[]>('/images');
    await api.post('/computes', {
      hostName: 'billing-e2e',
      region: regions[0]!.region,
      image: images[0]!.image,
      specification: 'S-2C-4G',
      publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl e2e@billing'],
    });
    await expect.poll(async () => (await api.get<{ hourlyRate: number }>('/billing/balance')).hourlyRate, { timeout: 15_000 }).toBeGreaterThan(0);
    const wallet = await api.get<{ hourlyRate: number; projectedDailySpend: number; daysLeft: number }>('/billing/balance');
    await page.reload();
    await session.settled(page);
    expect(await balanceText(page)).toBe('RWF 10,000');
    expect(await balanceCard(page).getByText(`About ${wallet.daysLeft} days`).isVisible()).toBe(true);
    expect(await balanceCard(page).getByText(`RWF ${wallet.projectedDailySpend.toLocaleString('en-US')}`).isVisible()).toBe(true);
    await balanceCard(page).getByRole('button', { name: 'Top up' }).click();
    await dialog.waitFor();
    // RWF 10,000 covers the rest of this month at this rate, so the estimate runs to the end of the next one.
    const estimate = dialog.getByRole('button', { name: /^Until (30|31|28|29) [A-Z][a-z]{2}/ });
    expect(await estimate.isVisible()).toBe(true);
    expect(await estimate.textContent()).toContain(`at RWF ${wallet.projectedDailySpend.toLocaleString('en-US')} a day`);
    // Pre-selected: the first suggestion.
    expect(await estimate.getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: path.join(screenshotDir, 'billing-top-up-dialog-estimate-light.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Screenshots: light and dark, desktop and phone width (the pointer away from the chart's tooltip).
    await page.mouse.move(0, 0);
    await shoot(page, 'billing-desktop-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await shoot(page, 'billing-desktop-dark.png');
    await page.setViewportSize(mobile);
    await shoot(page, 'billing-mobile-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('light');
    await shoot(page, 'billing-mobile-light.png');
    // Nothing sticks out sideways on a phone, and the amounts are in view without scrolling the table.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(mobile.width);
    const amountCell = page.getByRole('table', { name: 'Transactions' }).getByText('+RWF 10,000');
    const box = await amountCell.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(mobile.width);
    await balanceCard(page).getByRole('button', { name: 'Top up' }).click();
    await dialog.waitFor();
    await page.screenshot({ path: path.join(screenshotDir, 'billing-top-up-dialog-mobile-light.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.setViewportSize(desktop);

    // The inline validation errors are the only failed requests: none was sent.
    expect(problems).toEqual([]);
  });

  /**
   * Dunning takes days of unpaid usage, more than a test can wait: the API's answers for the
   * wallet and the proposal are replaced in the browser (page.route), everything else is real.
   */
  it('explains a termination proposal, asks for a human review and offers to pay what is past due', async () => {
    const proposedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const proposal = { id: randomUUID(), status: 'PROPOSED', proposedAt, balance: -4_650, reviewRequestedAt: null as string | null, decidedAt: null, decisionNote: null };
    const notes: unknown[] = [];
    const envelope = (data: unknown) => ({ success: true, message: 'OK', requestId: 'e2e', timestamp: new Date().toISOString(), data });
    await page.route(`${baseUrl}/api/v1/billing/balance`, async (route) => {
      const real = (await (await route.fetch()).json()) as { data: Record<string, unknown> };
      await route.fulfill({ json: envelope({ ...real.data, balance: -4_650, state: 'TERMINATION_PROPOSED', stateChangedAt: proposedAt, daysLeft: 0 }) });
    });
    await page.route(`${baseUrl}/api/v1/billing/termination-proposal`, (route) => route.fulfill({ json: envelope(proposal) }));
    await page.route(`${baseUrl}/api/v1/billing/termination-proposal/review`, async (route) => {
      notes.push(route.request().postDataJSON());
      proposal.reviewRequestedAt = new Date().toISOString();
      await route.fulfill({ json: envelope(proposal) });
    });

    await page.reload();
    await session.settled(page);
    const banner = page.getByRole('alert').filter({ hasText: 'Termination of this team has been proposed' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Nothing is deleted without a staff member’s decision');
    expect(await banner.textContent()).toContain('RWF 4,650');
    expect(await balanceText(page)).toBe('-RWF 4,650');
    expect(await balanceCard(page).getByText('None: past due').isVisible()).toBe(true);
    expect(await balanceCard(page).getByRole('button', { name: 'Pay past due' }).isVisible()).toBe(true);

    // The review request: a note is needed, then it is sent as typed.
    const ask = banner.getByRole('button', { name: 'Ask for a human review' });
    await ask.click();
    expect(await banner.getByText('Tell the staff member why the team should be kept').isVisible()).toBe(true);
    expect(notes).toEqual([]);
    await banner.getByLabel('Your note to the reviewer').fill('Our payment from the ministry arrives on Friday; please keep the team.');
    await page.mouse.move(0, 0);
    await shoot(page, 'billing-termination-proposed-light.png');
    await ask.click();
    await banner.getByText('You asked for a human review on').waitFor();
    expect(notes).toEqual([{ note: 'Our payment from the ministry arrives on Friday; please keep the team.' }]);

    // Paying what is past due: the dialog says so and starts from that amount.
    await balanceCard(page).getByRole('button', { name: 'Pay past due' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pay past due' });
    await dialog.waitFor();
    const pastDue = dialog.getByRole('button', { name: /^Past due/ });
    expect(await pastDue.getAttribute('aria-pressed')).toBe('true');
    expect(await dialog.getByLabel('Amount', { exact: true }).inputValue()).toBe('4,650');
    expect(await dialog.getByText('the balance becomes RWF 0').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshotDir, 'billing-pay-past-due-dialog-light.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    // A Member sees the same wallet, without the controls only Owners and Admins may use.
    await page.route(`${baseUrl}/api/v1/me`, async (route) => {
      const real = (await (await route.fetch()).json()) as { data: { teams: { role: string }[] } };
      await route.fulfill({ json: { ...real, data: { ...real.data, teams: real.data.teams.map((t) => ({ ...t, role: 'MEMBER' })) } } });
    });
    await page.reload();
    await session.settled(page);
    await banner.waitFor();
    expect(await balanceCard(page).getByRole('button').count()).toBe(0);
    expect(await balanceCard(page).getByText('Only Owners and Admins can top up').isVisible()).toBe(true);
    expect(await banner.getByRole('button').count()).toBe(0);
    expect(await page.getByLabel('Alert me below').count()).toBe(0);
    expect(await page.getByText('An Owner or Admin can change this.').isVisible()).toBe(true);

    await page.unrouteAll({ behavior: 'wait' });
    expect(problems).toEqual([]);
  });

  /** Usage is debited once a day, so a fresh wallet has no spend to draw: the days are given to the browser. */
  it('draws the daily spend, readable by pointer, keyboard and table, in the dark theme', async () => {
    const today = new Date();
    const days = Array.from({ length: 31 }, (_, i) => {
      const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 30 + i)).toISOString().slice(0, 10);
      // Nothing for the first ten days, then a compute (788 a day), a bigger one from day 20, today not yet debited.
      return { day, amount: i < 10 || i === 30 ? 0 : i < 20 ? 788 : 1_576 + (i % 3) * 120 };
    });
    await page.route(`${baseUrl}/api/v1/billing/spend?days=30`, (route) =>
      route.fulfill({ json: { success: true, message: 'OK', requestId: 'e2e', timestamp: new Date().toISOString(), data: days } }),
    );
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await session.settled(page);
    const chart = page.getByRole('img', { name: 'Daily spend' });
    await chart.waitFor();
    const total = days.reduce((sum, d) => sum + d.amount, 0);
    expect(await page.getByText(`RWF ${total.toLocaleString('en-US')} in total, highest RWF 1,816`).isVisible()).toBe(true);
    expect(await chart.locator('.spend-chart-bar').count()).toBe(31);

    // Keyboard: the chart is one tab stop; the arrows move from today backwards and say the day's amount.
    await chart.focus();
    await page.keyboard.press('ArrowLeft');
    const yesterday = days[29]!;
    const spoken = page.locator('.spend-chart [aria-live="polite"]');
    await expect.poll(() => spoken.textContent()).toContain(`RWF ${yesterday.amount.toLocaleString('en-US')}`);
    expect(await page.locator('.spend-chart-tooltip').textContent()).toContain(`RWF ${yesterday.amount.toLocaleString('en-US')}`);
    await page.locator('.spend-chart-figure').screenshot({ path: path.join(screenshotDir, 'billing-spend-chart-dark.png') });

    // The same numbers as a table.
    await page.getByText('Show the numbers').click();
    const table = page.getByRole('table', { name: 'Daily spend' });
    expect(await table.locator('tbody tr').count()).toBe(31);
    expect(await table.locator('tbody tr').nth(1).textContent()).toContain(`RWF ${yesterday.amount.toLocaleString('en-US')}`);
    await page.mouse.move(0, 0);
    await shoot(page, 'billing-with-spend-dark.png');

    await page.unrouteAll({ behavior: 'wait' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(problems).toEqual([]);
  });

  it('sends a mobile-money prompt instead, and says so when the number is on another network', async () => {
    await page.reload();
    await session.settled(page);
    const before = await balanceText(page);
    await balanceCard(page).getByRole('button', { name: 'Top up' }).click();
    const dialog = page.getByRole('dialog', { name: 'Top up the wallet' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'RWF 5,000' }).click();
    await dialog.getByLabel('Send a payment prompt to my phone').check();
    const phone = dialog.getByLabel('Mobile-money number');
    await dialog.getByRole('button', { name: 'Send payment prompt' }).click();
    expect(await dialog.getByRole('alert').textContent()).toContain('Enter the mobile-money number');

    // An MTN number with Airtel chosen: IremboPay refuses the prompt, the checkout still works.
    await phone.fill('0788 123 456');
    expect(await dialog.getByRole('radio', { name: 'MTN MoMo' }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: 'Airtel Money' }).check();
    await dialog.getByRole('button', { name: 'Send payment prompt' }).click();
    const refused = dialog.getByRole('alert').filter({ hasText: 'The prompt wasn’t sent to your phone.' });
    await refused.waitFor();
    expect(await refused.getByRole('link', { name: 'Pay on IremboPay' }).getAttribute('href')).toMatch(/\/sandbox\/irembopay\/checkout\/\d+\?returnUrl=/);

    // The right network: the phone approves, the page follows the payment without leaving.
    await dialog.getByRole('radio', { name: 'MTN MoMo' }).check();
    await dialog.getByRole('button', { name: 'Send payment prompt' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(page.url()).toBe(`${baseUrl}/billing`);
    await page.getByText('Approve the payment prompt sent to 0788123456').waitFor();
    await page.getByTestId('payment-received').waitFor({ timeout: 20_000 });
    const expected = `RWF ${(Number(before.replace(/\D/g, '')) + 5_000).toLocaleString('en-US')}`;
    await expect.poll(() => balanceText(page), { timeout: 10_000 }).toBe(expected);
    const topUps = page.getByRole('table', { name: 'Top-ups' });
    expect(await topUps.locator('tbody tr').first().textContent()).toMatch(/RWF 5,000.*Paid.*MTN MoMo/);
    // The refused prompt's top-up is still open, and can be paid from the list.
    expect(await topUps.getByRole('link', { name: 'Pay the top-up of RWF 5,000' }).count()).toBe(1);

    // The refused prompt is the one failed request (502 PAYMENT_PROVIDER_ERROR), on purpose.
    expect(problems.filter((p) => !p.includes('status of 502'))).toEqual([]);
  });
  it('claims the referral a newcomer followed, once they have signed up and onboarded', { timeout: 120_000 }, async () => {
    const referrer = await consoleApi(page, baseUrl);
    const { link, referred } = await referrer.get<{ link: string; referred: number }>('/me/referral');
    expect(new URL(link).searchParams.get('ref')).toMatch(/^[A-Za-z0-9]+$/);
    const { page: newcomer } = await session.openPage({ viewport: desktop });
    const path = new URL(link);
    await newcomer.goto(`${baseUrl}${path.pathname}${path.search}`);
    // The code leaves the address bar at once.
    await expect.poll(() => new URL(newcomer.url()).searchParams.get('ref')).toBeNull();
    const friend = { name: 'Eric Niyonzima', email: `eric.${randomUUID().slice(0, 8)}@example.rw`, phone: '+250788456987' };
    await signInWithDevProvider(newcomer, baseUrl, friend);
    await completeOnboarding(newcomer, baseUrl, friend.phone);
    await expect.poll(async () => (await referrer.get<{ referred: number }>('/me/referral')).referred, { timeout: 15_000 }).toBe(referred + 1);
    expect(await newcomer.evaluate("sessionStorage.getItem('strettch.console.referral')")).toBeNull();
  });
});
