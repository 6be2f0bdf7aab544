import { useEffect, useRef } from 'react';
import { isClosed, useMe, useOnboarding } from './api/account.ts';
import { AppShell } from './components/layout/AppShell.tsx';
import { ClosedAccountPage } from './features/account/AccountClosure.tsx';
import { useClaimReferral } from './features/billing/referral-link.ts';
import { NotFoundPage } from './features/not-found/NotFoundPage.tsx';
import { navigate, usePathname } from './routes/router.tsx';
import { DEFAULT_PATH, findRoute, isStandalone, normalisePath, ONBOARDING_PATH } from './routes/routes.ts';

/**
 * After sign-in, the date of birth and a verified phone number come first: until both are
 * done every page of the console leads to /onboarding (which comes back here afterwards). The
 * development pages stay open, since the SMS outbox is where a sandbox code arrives.
 */
function useOnboardingGate(pathname: string) {
  const me = useMe().data;
  const onboarding = useOnboarding(me);
  const pending = Boolean(me) && !isClosed(me) && !onboarding.loading && !onboarding.complete && !onboarding.age.isError && !onboarding.phone.isError;
  // A referral link followed before signing up is claimed once the newcomer is fully set up.
  useClaimReferral(Boolean(me) && !isClosed(me) && !onboarding.loading && onboarding.complete);
  useEffect(() => {
    if (!pending || pathname === '/' || isStandalone(pathname) || pathname.startsWith('/dev/')) return;
    navigate(`${ONBOARDING_PATH}?returnTo=${encodeURIComponent(pathname + window.location.search)}`, { replace: true });
  }, [pending, pathname]);
}

export function App() {
  const pathname = normalisePath(usePathname());
  const route = findRoute(pathname);
  // Moving between `/dev/mail/:id` messages stays on the same page: no scroll or focus jump.
  const pageKey = route ? route.path : pathname;
  const firstRender = useRef(true);
  const me = useMe().data;
  // A closed account may only see its state and reactivate: that page replaces every other one.
  const closed = isClosed(me);
  useOnboardingGate(pathname);

  useEffect(() => {
    if (pathname === '/') navigate(DEFAULT_PATH, { replace: true });
  }, [pathname]);

  useEffect(() => {
    document.title = `${closed ? 'Account closed' : route ? route.label : 'Page not found'} · Strettch Cloud`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After client-side navigation, start at the top and move focus to the new page's heading
    // so keyboard and screen-reader users land where sighted users look.
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [pageKey, route, closed]);

  if (me && closed) return <ClosedAccountPage me={me} />;
  if (route && isStandalone(pathname)) return <route.page />;
  if (pathname === '/') return <AppShell pathname={pathname}>{null}</AppShell>;
  const Page = route?.page;
  return <AppShell pathname={pathname}>{Page ? <Page /> : <NotFoundPage pathname={pathname} />}</AppShell>;
}
