/**
 * Teams in a real browser against a real `strettch serve`, with two people in two browser
 * contexts. Aline signs in, creates a second team and invites Jean by e-mail; the invitation link
 * (read from the built-in mailbox) hides its token, sends a signed-out visitor to sign in, and is
 * refused for the wrong account; Jean signs in, opens it, accepts and lands in Aline's team; Aline
 * sees Jean and makes him an Admin. Then the team limit, settings, deleting a team, an ownership
 * transfer and the language of messages on the Account page. Screenshots in test-results/.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeOnboarding,
  linkInMail,
  repoRoot,
  shouldRunBrowserTests,
  signInWithDevProvider,
  startConsoleSession,
  waitForMail,
  type ConsoleSession,
} from './harness.ts';

const screenshotDir = path.join(repoRoot, 'test-results');
const aline = { name: 'Aline Uwase', email: 'aline.teams@example.rw', phone: '+250788111222' };
const jean = { name: 'Jean Mugisha', email: 'jean.teams@example.rw', phone: '+250788333444' };
const TEAM = 'Inyange Labs';
const ACCEPT_PATH = '/invitations/accept';
const TOKEN_KEY = 'strettch.console.invitation';
const mobile = { width: 390, height: 844 };

/** Requests a step makes fail on purpose; Chromium logs each as "Failed to load resource". */
const expectedFailure = (status: number) => (problem: string) => !problem.includes(`status of ${status}`);

/** Picks a team in the top bar's switcher. */
async function selectTeam(page: Page, name: string): Promise<void> {
  await page.locator('.topbar').getByRole('button', { name: /^(Team: |No team)/ }).click();
  await page.getByRole('menuitem', { name: new RegExp(`^${name}`) }).click();
  await expect.poll(() => page.locator('.topbar .team-switcher-text').textContent()).toBe(name);
}

const STANDING = /^You are (the|an|a) \w+ of this team\./;

/** The "You are … of this team." sentence about the selected team. */
async function standing(page: Page): Promise<string> {
  const line = page.getByRole('main').getByText(STANDING);
  await line.waitFor();
  return STANDING.exec(((await line.textContent()) ?? '').trim())?.[0] ?? '';
}

describe.skipIf(!shouldRunBrowserTests())('teams: create, invite, accept, manage', () => {
  let session: ConsoleSession;
  let baseUrl: string;
  let alinePage: Page;
  let alineProblems: string[];
  let jeanPage: Page;
  let jeanProblems: string[];
  let link: string;

  beforeAll(async () => {
    session = await startConsoleSession();
    baseUrl = session.platform.baseUrl;
  });

  afterAll(() => session?.close());

  it('creates a second team from the team switcher and invites someone by e-mail', async () => {
    ({ page: alinePage, problems: alineProblems } = await session.openPage());
    await signInWithDevProvider(alinePage, baseUrl, aline, '/team');
    await completeOnboarding(alinePage, baseUrl, aline.phone);
    await alinePage.waitForURL(`${baseUrl}/team`);
    await session.settled(alinePage);
    expect(await standing(alinePage)).toBe('You are the Owner of this team.');

    // Create team, from the switcher: the name is checked before anything is sent.
    await alinePage.locator('.topbar').getByRole('button', { name: /^Team: / }).click();
    await alinePage.getByRole('menuitem', { name: /^Create team…/ }).click();
    const dialog = alinePage.getByRole('dialog', { name: 'Create a team' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Create team' }).click();
    expect(await dialog.getByText('Give the team a name').isVisible()).toBe(true);
    await dialog.getByLabel('Team name').fill(TEAM);
    await dialog.getByRole('button', { name: 'Create team' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The new team is selected, with its creator as Owner.
    await expect.poll(() => alinePage.locator('.topbar .team-switcher-text').textContent()).toBe(TEAM);
    expect(await standing(alinePage)).toBe('You are the Owner of this team.');
    await alinePage.getByRole('table', { name: 'Members' }).getByText(aline.email).waitFor();

    // Invite Jean, and someone else whose invitation is then revoked.
    const invite = alinePage.getByRole('form', { name: 'Invite someone' });
    for (const email of ['someone.else@example.rw', jean.email]) {
      await invite.getByLabel('E-mail address').fill(email);
      await invite.getByRole('button', { name: 'Send invitation' }).click();
      await alinePage.getByText(`Invitation sent to ${email}.`).waitFor();
    }
    const pending = alinePage.getByRole('table', { name: 'Pending invitations' });
    await expect.poll(() => pending.locator('tbody tr').count()).toBe(2);
    await pending.getByRole('button', { name: 'Revoke the invitation to someone.else@example.rw' }).click();
    await pending.getByRole('button', { name: 'Revoke now' }).click();
    await expect.poll(() => pending.locator('tbody tr').count()).toBe(1);
    expect(await pending.textContent()).toContain(jean.email);

    // The e-mail's link leads to the console's accept page, under PUBLIC_URL.
    const mail = await waitForMail(baseUrl, jean.email, TEAM);
    expect(mail.subject).toBe(`${aline.name} invited you to join ${TEAM} on Strettch Cloud`);
    link = linkInMail(mail, baseUrl, ACCEPT_PATH);
    expect(link).toMatch(new RegExp(`^${baseUrl}${ACCEPT_PATH}\\?token=sci_[\\w-]+$`));
    expect(alineProblems).toEqual([]);
  });

  it('hides the token, sends a signed-out visitor to sign in, and refuses the wrong account', async () => {
    const token = new URL(link).searchParams.get('token');

    // Signed out: on to sign-in, the token kept in this tab and out of every address.
    const visitor = await session.openPage();
    await visitor.page.goto(link);
    await visitor.page.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(visitor.page.url()).searchParams.get('returnTo')).toBe(ACCEPT_PATH);
    expect(visitor.page.url()).not.toContain('sci_');
    await visitor.page.getByText('Sign in to accept your invitation.').waitFor();
    expect(await visitor.page.evaluate(`sessionStorage.getItem('${TOKEN_KEY}')`)).toBe(token);
    await session.settled(visitor.page);
    await visitor.page.screenshot({ path: path.join(screenshotDir, 'console-sign-in-invitation-light.png'), fullPage: true });
    expect(visitor.problems).toEqual([]);

    // Aline opens Jean's link in another tab: the API's refusal, put plainly.
    const tab = await alinePage.context().newPage();
    const tabProblems: string[] = [];
    tab.on('pageerror', (error) => tabProblems.push(error.message));
    await tab.goto(link);
    await tab.getByRole('heading', { name: 'Join a team' }).waitFor();
    expect(new URL(tab.url()).search).toBe('');
    await tab.getByRole('button', { name: 'Accept invitation' }).click();
    const alert = tab.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This invitation isn’t for this account.');
    expect(await alert.textContent()).toContain('sent to another e-mail address');
    expect(await alert.textContent()).toContain(`You’re signed in as ${aline.email}`);
    // Trying again with this account cannot work, so the way forward is another account.
    expect(await tab.getByRole('button', { name: 'Use another account' }).isVisible()).toBe(true);
    expect(await tab.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    await tab.screenshot({ path: path.join(screenshotDir, 'console-invitation-wrong-account-light.png'), fullPage: true });
    await tab.close();
    expect(tabProblems).toEqual([]);
  });

  it('lets the invited person accept from the e-mail link and lands them in the team', async () => {
    ({ page: jeanPage, problems: jeanProblems } = await session.openPage());
    await signInWithDevProvider(jeanPage, baseUrl, jean);
    await completeOnboarding(jeanPage, baseUrl, jean.phone);
    await session.settled(jeanPage);

    // The invitation waits for him in the team switcher and on the Team page.
    await jeanPage.locator('.topbar').getByRole('button', { name: /\(1 invitation for you\)$/ }).waitFor();
    await jeanPage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Team', exact: true }).click();
    const received = jeanPage.getByRole('region', { name: 'Invitations for you' });
    await received.waitFor();
    expect(await received.getByRole('table').textContent()).toContain(TEAM);
    await session.settled(jeanPage);
    await jeanPage.locator('.topbar').getByRole('button', { name: /^Team: / }).click();
    await jeanPage.getByRole('menuitem', { name: `Invitation: ${TEAM}` }).waitFor();
    await jeanPage.screenshot({ path: path.join(screenshotDir, 'console-team-invitations-for-you-light.png'), fullPage: true });
    await jeanPage.keyboard.press('Escape');

    await jeanPage.goto(link);
    await jeanPage.getByRole('heading', { name: `Join ${TEAM}` }).waitFor();
    expect(jeanPage.url()).toBe(`${baseUrl}${ACCEPT_PATH}`);
    expect(await jeanPage.title()).toBe('Accept invitation · Strettch Cloud');
    expect(await jeanPage.getByText(`Signed in as ${jean.email}`).isVisible()).toBe(true);
    await session.settled(jeanPage);
    await jeanPage.screenshot({ path: path.join(screenshotDir, 'console-invitation-accept-light.png'), fullPage: true });
    await jeanPage.emulateMedia({ colorScheme: 'dark' });
    await jeanPage.setViewportSize(mobile);
    await jeanPage.screenshot({ path: path.join(screenshotDir, 'console-invitation-accept-mobile-dark.png'), fullPage: true });
    await jeanPage.emulateMedia({ colorScheme: 'light' });
    await jeanPage.setViewportSize({ width: 1280, height: 800 });

    await jeanPage.getByRole('button', { name: 'Accept invitation' }).click();
    await jeanPage.waitForURL(`${baseUrl}/team`);
    await expect.poll(() => jeanPage.locator('.topbar .team-switcher-text').textContent()).toBe(TEAM);
    expect(await standing(jeanPage)).toBe('You are a Member of this team.');
    const members = jeanPage.getByRole('table', { name: 'Members' });
    await members.getByText(aline.email).waitFor();
    expect(await members.getByText(jean.email).isVisible()).toBe(true);
    expect(await jeanPage.evaluate(`sessionStorage.getItem('${TOKEN_KEY}')`)).toBeNull();
    await expect.poll(() => jeanPage.getByRole('region', { name: 'Invitations for you' }).count()).toBe(0);

    // The link works once.
    await jeanPage.goto(link);
    await jeanPage.getByRole('button', { name: 'Accept invitation' }).click();
    const alert = jeanPage.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This invitation can’t be accepted.');
    expect(await alert.textContent()).toContain('already been used');
    await jeanPage.getByRole('link', { name: 'Go to your team' }).click();
    await jeanPage.waitForURL(`${baseUrl}/team`);
    expect(jeanProblems.filter(expectedFailure(409))).toEqual([]);
  });

  it('shows the new member to the Owner, who makes him an Admin', async () => {
    await alinePage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Computes', exact: true }).click();
    await alinePage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Team', exact: true }).click();
    const members = alinePage.getByRole('table', { name: 'Members' });
    await members.getByText(jean.email).waitFor();
    // Accepted, so no longer pending.
    await expect.poll(() => alinePage.getByRole('table', { name: 'Pending invitations' }).count()).toBe(0);

    // Aline's own row (the Owner) has no role select; Jean's has one.
    expect(await members.getByRole('combobox').count()).toBe(1);
    const role = members.getByLabel(`Role of ${jean.name}`);
    expect(await role.inputValue()).toBe('MEMBER');
    await role.selectOption('ADMIN');
    // Saved: the select is usable again, shows the new role, and nothing went wrong.
    await expect.poll(() => role.isEnabled()).toBe(true);
    expect(await role.inputValue()).toBe('ADMIN');
    expect(await alinePage.getByRole('region', { name: 'Members' }).getByRole('alert').count()).toBe(0);
    await expect.poll(() => alinePage.locator('.audit-entry').filter({ hasText: 'team.member.role_change' }).count()).toBe(1);
    await session.settled(alinePage);
    await alinePage.evaluate('window.scrollTo(0, 0)');
    await alinePage.screenshot({ path: path.join(screenshotDir, 'console-team-manage-light.png'), fullPage: true });
    for (const [name, viewport, colorScheme] of [
      ['console-team-manage-dark.png', { width: 1280, height: 800 }, 'dark'],
      ['console-team-manage-mobile-light.png', mobile, 'light'],
    ] as const) {
      await alinePage.emulateMedia({ colorScheme });
      await alinePage.setViewportSize(viewport);
      await alinePage.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
      // Nothing may stick out sideways at this width (wide tables scroll inside their card).
      const width = Number(await alinePage.evaluate('document.documentElement.scrollWidth'));
      const wide = width <= viewport.width ? '' : await alinePage.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${viewport.width} && !e.closest('.primary-nav')).map((e) => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 12).join(', ')`);
      expect(`${width}: ${wide}`).toBe(`${Math.min(width, viewport.width)}: `);
    }
    await alinePage.emulateMedia({ colorScheme: 'light' });
    await alinePage.setViewportSize({ width: 1280, height: 800 });

    // Jean sees his new role once he looks again.
    await jeanPage.reload();
    await session.settled(jeanPage);
    await selectTeam(jeanPage, TEAM);
    expect(await standing(jeanPage)).toBe('You are an Admin of this team.');
    expect(alineProblems).toEqual([]);
  });

  it('keeps to the team limit, renames a team and deletes one by its name', async () => {
    // Aline owns two teams; a third is allowed (TEAM_OWNERSHIP_LIMIT, 3 by default), a fourth is not.
    for (const [name, refused] of [['Scratch', false], ['One too many', true]] as const) {
      await alinePage.getByRole('main').getByRole('button', { name: 'Create team' }).click();
      const dialog = alinePage.getByRole('dialog', { name: 'Create a team' });
      await dialog.getByLabel('Team name').fill(name);
      await dialog.getByRole('button', { name: 'Create team' }).click();
      if (!refused) {
        await dialog.waitFor({ state: 'detached' });
        continue;
      }
      const alert = dialog.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('The team wasn’t created.');
      expect(await alert.textContent()).toContain('You own 3 teams');
      expect(await dialog.getByLabel('Team name').inputValue()).toBe(name);
      await alinePage.screenshot({ path: path.join(screenshotDir, 'console-create-team-refused-light.png') });
      await alinePage.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    await expect.poll(() => alinePage.locator('.topbar .team-switcher-text').textContent()).toBe('Scratch');

    // Settings: a picture address must be https; what was typed stays.
    const settings = alinePage.getByRole('form', { name: 'Team settings' });
    await settings.getByLabel('Team name').fill('Scratch Pad');
    await settings.getByLabel(/^Picture address/).fill('http://example.rw/logo.png');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    expect(await settings.getByText('must start with https://').isVisible()).toBe(true);
    expect(await settings.getByLabel('Team name').inputValue()).toBe('Scratch Pad');
    await settings.getByLabel(/^Picture address/).fill('');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await settings.getByText('Settings saved.').waitFor();
    await expect.poll(() => alinePage.locator('.topbar .team-switcher-text').textContent()).toBe('Scratch Pad');

    // Delete, confirmed by the team's name; the next team is selected.
    const danger = alinePage.getByRole('region', { name: 'Delete team' });
    await danger.getByRole('button', { name: 'Delete team…' }).click();
    await danger.getByLabel(/to confirm$/).fill('Scratch');
    await danger.getByRole('button', { name: 'Delete this team' }).click();
    expect(await danger.getByText('That isn’t this team’s name.').isVisible()).toBe(true);
    await danger.getByLabel(/to confirm$/).fill('Scratch Pad');
    await danger.getByRole('button', { name: 'Delete this team' }).click();
    await alinePage.getByText('Scratch Pad was deleted.').waitFor();
    await expect.poll(() => alinePage.locator('.topbar .team-switcher-text').textContent()).not.toBe('Scratch Pad');
    await alinePage.locator('.topbar').getByRole('button', { name: /^Team: / }).click();
    expect(await alinePage.getByRole('menuitem', { name: /^Scratch/ }).count()).toBe(0);
    await alinePage.keyboard.press('Escape');
    expect(alineProblems.filter(expectedFailure(403))).toEqual([]);
  });

  it('hands the team to another member, who accepts; the former Owner can then leave', async () => {
    await selectTeam(alinePage, TEAM);
    const ownership = alinePage.getByRole('region', { name: 'Ownership' });
    await ownership.getByLabel('New Owner').selectOption({ label: `${jean.name} (${jean.email})` });
    await ownership.getByRole('button', { name: 'Ask to become Owner' }).click();
    await ownership.getByText(`Waiting for ${jean.name} to accept.`).waitFor();
    await alinePage.getByRole('table', { name: 'Members' }).getByText('Asked to become Owner').waitFor();

    await jeanPage.reload();
    await session.settled(jeanPage);
    await selectTeam(jeanPage, TEAM);
    const request = jeanPage.getByRole('status').filter({ hasText: `${aline.name} asks you to become the Owner of ${TEAM}.` });
    await request.waitFor();
    await session.settled(jeanPage);
    await jeanPage.screenshot({ path: path.join(screenshotDir, 'console-team-ownership-request-light.png') });
    await request.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => standing(jeanPage)).toBe('You are the Owner of this team.');
    expect(await request.count()).toBe(0);

    await alinePage.reload();
    await session.settled(alinePage);
    await selectTeam(alinePage, TEAM);
    expect(await standing(alinePage)).toBe('You are an Admin of this team.');

    // No longer the Owner, Aline may leave; she lands in her own team.
    const own = alinePage.getByRole('table', { name: 'Members' }).locator('tr', { hasText: aline.email });
    await own.getByRole('button', { name: 'Leave team' }).click();
    await own.getByRole('button', { name: 'Leave now' }).click();
    await alinePage.getByText(`You left ${TEAM}.`).waitFor();
    expect(await alinePage.locator('.topbar .team-switcher-text').textContent()).not.toBe(TEAM);
    await jeanPage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Computes', exact: true }).click();
    await jeanPage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Team', exact: true }).click();
    await expect.poll(() => jeanPage.getByRole('table', { name: 'Members' }).getByText(aline.email).count()).toBe(0);
    expect(alineProblems.filter(expectedFailure(403))).toEqual([]);
    expect(jeanProblems.filter(expectedFailure(409))).toEqual([]);
  });

  it('saves the language of messages on the Account page', async () => {
    await alinePage.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Account & Privacy', exact: true }).click();
    const language = alinePage.getByRole('region', { name: 'Language' });
    const select = language.getByLabel('Language of messages');
    await select.waitFor();
    expect(await select.inputValue()).toBe('en');
    expect((await select.locator('option').allTextContents()).map((t) => t.trim())).toEqual(['English', 'Kinyarwanda', 'Français']);
    await select.selectOption('rw');
    await language.getByRole('button', { name: 'Save language' }).click();
    await language.getByText('Saved: we’ll write to you in Kinyarwanda.').waitFor();
    expect(await alinePage.getByRole('region', { name: 'Profile' }).getByText('Kinyarwanda').isVisible()).toBe(true);
    await session.settled(alinePage);
    await alinePage.screenshot({ path: path.join(screenshotDir, 'console-account-language-light.png'), fullPage: true });

    // Kept by the API, not just the page.
    await alinePage.reload();
    await session.settled(alinePage);
    expect(await alinePage.getByRole('region', { name: 'Language' }).getByLabel('Language of messages').inputValue()).toBe('rw');
    expect(alineProblems.filter(expectedFailure(403))).toEqual([]);
  });
});
