import type { ComponentType } from 'react';
import type { IconName } from '../components/ui/Icon.tsx';
import { ComputesPage } from '../features/computes/ComputesPage.tsx';
import { DnsPage } from '../features/dns/DnsPage.tsx';
import { BillingPage } from '../features/billing/BillingPage.tsx';
import { TeamPage } from '../features/team/TeamPage.tsx';
import { AccountPage } from '../features/account/AccountPage.tsx';

export interface Section {
  path: string;
  label: string;
  icon: IconName;
  page: ComponentType;
}

/** The primary navigation, in order. Each section is one client-side route. */
export const sections: readonly Section[] = [
  { path: '/computes', label: 'Computes', icon: 'server', page: ComputesPage },
  { path: '/dns', label: 'DNS', icon: 'globe', page: DnsPage },
  { path: '/billing', label: 'Billing', icon: 'wallet', page: BillingPage },
  { path: '/team', label: 'Team', icon: 'users', page: TeamPage },
  { path: '/account', label: 'Account & Privacy', icon: 'shield', page: AccountPage },
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
