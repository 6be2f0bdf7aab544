import { useEffect, useRef } from 'react';
import { AppShell } from './components/layout/AppShell.tsx';
import { NotFoundPage } from './features/not-found/NotFoundPage.tsx';
import { navigate, usePathname } from './routes/router.tsx';
import { DEFAULT_PATH, normalisePath, sections } from './routes/routes.ts';

export function App() {
  const pathname = normalisePath(usePathname());
  const section = sections.find((s) => s.path === pathname);
  const firstRender = useRef(true);

  useEffect(() => {
    if (pathname === '/') navigate(DEFAULT_PATH, { replace: true });
  }, [pathname]);

  useEffect(() => {
    document.title = `${section ? section.label : 'Page not found'} · Strettch Cloud`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After client-side navigation, start at the top and move focus to the new page's heading
    // so keyboard and screen-reader users land where sighted users look.
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [pathname, section]);

  if (pathname === '/') return <AppShell pathname={pathname}>{null}</AppShell>;
  const Page = section?.page;
  return <AppShell pathname={pathname}>{Page ? <Page /> : <NotFoundPage pathname={pathname} />}</AppShell>;
}
