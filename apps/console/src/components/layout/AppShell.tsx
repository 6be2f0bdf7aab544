import type { ReactNode } from 'react';
import { PlatformBanners } from '../../features/platform/PlatformBanners.tsx';
import { PrimaryNav } from './PrimaryNav.tsx';
import { TopBar } from './TopBar.tsx';

/** Skip link, top bar, primary navigation, platform banners, then the page. */
export function AppShell({ pathname, children }: { pathname: string; children: ReactNode }) {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="chrome">
        <TopBar />
        <PrimaryNav pathname={pathname} />
      </div>
      <PlatformBanners />
      <main id="main" className="main" tabIndex={-1}>
        <div className="main-inner">{children}</div>
      </main>
    </div>
  );
}
