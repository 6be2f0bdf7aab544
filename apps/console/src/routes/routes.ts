import type { ComponentType } from 'react';
import type { IconName } from '../components/ui/Icon.tsx';
import { ComputesPage } from '../features/computes/ComputesPage.tsx';
import { ComputeCreatePage } from '../features/computes/ComputeCreatePage.tsx';
import { ComputeDetailPage } from '../features/computes/ComputeDetailPage.tsx';
import { SshKeysPage } from '../features/computes/SshKeysPage.tsx';
import { DomainsPage } from '../features/dns/DomainsPage.tsx';
import { DomainDetailPage } from '../features/dns/DomainDetailPage.tsx';
import { BillingPage } from '../features/billing/BillingPage.tsx';
import { TeamPage } from '../features/team/TeamPage.tsx';
import { AccountPage } from '../features/account/AccountPage.tsx';
import { DevMailPage } from '../features/dev/DevMailPage.tsx';
import { DevSmsPage } from '../features/dev/DevSmsPage.tsx';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from '../features/dev/paths.ts';
import { SignInPage } from '../features/auth/SignInPage.tsx';
import { OnboardingPage } from '../features/auth/OnboardingPage.tsx';
import { AccountClosedPage } from '../features/account/AccountClosure.tsx';
import { ACCOUNT_CLOSED_PATH } from '../api/account.ts';
import { AcceptInvitationPage } from '../features/team/AcceptInvitationPage.tsx';
import { ACCEPT_INVITATION_PATH } from '../features/team/invitation-link.ts';

/** One client-side page: its path, the label in the tab title, and what it renders. */
export interface Route {
  path: string;
  label: string;
  page: ComponentType;
  /** Also answers one level below, e.g. `/dev/mail/:id`; the page reads the rest of the path. */
  withId?: boolean;
}

export interface Section extends Route {
  icon: IconName;
}

/** The primary navigation, in order. Each section is one client-side route. */
export const sections: readonly Section[] = [
  { path: '/computes', label: 'Computes', icon: 'server', page: ComputesPage },
  { path: '/domains', label: 'Domains', icon: 'globe', page: DomainsPage },
  { path: '/billing', label: 'Billing', icon: 'wallet', page: BillingPage },
  { path: '/team', label: 'Team', icon: 'users', page: TeamPage },
  { path: '/account', label: 'Account & Privacy', icon: 'shield', page: AccountPage },
];

/** Pages inside a section (its navigation entry stays current): fixed paths first, then `/:id`. */
export const sectionPages: readonly Route[] = [
  { path: '/computes/new', label: 'Create compute', page: ComputeCreatePage },
  { path: '/computes/ssh-keys', label: 'SSH keys', page: SshKeysPage },
  { path: '/computes', label: 'Compute', page: ComputeDetailPage, withId: true },
  { path: '/domains', label: 'Domain', page: DomainDetailPage, withId: true },
];

/**
 * Development pages: the built-in mailbox and SMS outbox. Not in the primary navigation; the
 * sandbox banner and the help menu link to them while the sandboxes are on.
 */
export const devPages: readonly Route[] = [
  { path: DEV_MAIL_PATH, label: 'Mailbox', page: DevMailPage, withId: true },
  { path: DEV_SMS_PATH, label: 'SMS outbox', page: DevSmsPage },
];

/**
 * Pages with their own, quieter frame (no primary navigation): signing in, the first steps
 * after it, and accepting an invitation (where an e-mail link lands, often before the person
 * has an account). They are reachable signed in or not, and the onboarding gate never sends you
 * away from them.
 */
export const SIGN_IN_PATH = '/sign-in';
export const ONBOARDING_PATH = '/onboarding';
export const standalonePages: readonly Route[] = [
  { path: SIGN_IN_PATH, label: 'Sign in', page: SignInPage },
  { path: ONBOARDING_PATH, label: 'Get started', page: OnboardingPage },
  { path: ACCOUNT_CLOSED_PATH, label: 'Account closed', page: AccountClosedPage },
  { path: ACCEPT_INVITATION_PATH, label: 'Accept invitation', page: AcceptInvitationPage },
];

export const DEFAULT_PATH = '/computes';

/** "/dns/" and "/dns" are the same page. */
export function normalisePath(pathname: string): string {
  return pathname.length > 1 ? pathname.replace(/\/+$/, '') || '/' : pathname;
}

/** The section a path belongs to (also for sub-paths such as /computes/123 later). */
export function findSection(pathname: string): Section | undefined {
  const path = normalisePath(pathname);
  return sections.find((s) => path === s.path || path.startsWith(`${s.path}/`));
}

/** Whether a path is shown without the app frame (sign-in, onboarding, the account-closed notice, accepting an invitation). */
export function isStandalone(pathname: string): boolean {
  const path = normalisePath(pathname);
  return standalonePages.some((route) => route.path === path);
}

/** The page a path shows: a section, a standalone page, or a development page (with `/:id` where it takes one). */
export function findRoute(pathname: string): Route | undefined {
  const path = normalisePath(pathname);
  const exact = (route: Route) => route.path === path;
  const withId = (route: Route) => route.withId === true && path.startsWith(`${route.path}/`) && !path.slice(route.path.length + 1).includes('/');
  return (
    sections.find(exact) ??
    standalonePages.find(exact) ??
    sectionPages.find(exact) ??
    sectionPages.find(withId) ??
    devPages.find((route) => exact(route) || withId(route))
  );
}
