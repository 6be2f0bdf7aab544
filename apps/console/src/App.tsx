import { useEffect, useRef } from 'react';
import { AppShell } from './components/layout/AppShell.tsx';
import { NotFoundPage } from './features/not-found/NotFoundPage.tsx';
import { navigate, usePathname } from './routes/router.tsx';
import { DEFAULT_PATH, findRoute, normalisePath } from './routes/routes.ts';

export function App() {
  const pathname = normalisePath(usePathname());
  const route = findRoute(pathname);
  // Moving between `/dev/mail/:id` messages stays on the same page: no scroll or focus jump.
  const pageKey = route ? route.path : pathname;
  const firstRender = useRef(true);

  useEffect(() => {
    if (pathname === '/') navigate(DEFAULT_PATH, { replace: true });
  }, [pathname]);

  useEffect(() => {
    document.title = `${route ? route.label : 'Page not found'} · Strettch Cloud`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After client-side navigation, start at the top and move focus to the new page's heading
    // so keyboard and screen-reader users land where sighted users look.
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [pageKey, route]);

  if (pathname === '/') return <AppShell pathname={pathname}>{null}</AppShell>;
  const Page = route?.page;
  return <AppShell pathname={pathname}>{Page ? <Page /> : <NotFoundPage pathname={pathname} />}</AppShell>;
}
