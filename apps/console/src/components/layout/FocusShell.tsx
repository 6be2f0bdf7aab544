import type { ReactNode } from 'react';
import { PlatformBanners } from '../../features/platform/PlatformBanners.tsx';
import { Link } from '../../routes/router.tsx';
import { LogoMark } from '../ui/Icon.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';
import { AccountMenu } from './TopBar.tsx';

/**
 * The frame of sign-in and onboarding: the brand, the theme and (once signed in) the account
 * menu, without the primary navigation, and one narrow column for the task at hand.
 */
export function FocusShell({ children }: { children: ReactNode }) {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="chrome">
        <header className="topbar">
          <div className="topbar-inner focus-topbar">
            <Link to="/computes" className="brand" aria-label="Strettch Cloud, home">
              <LogoMark size={26} />
              <span className="brand-name">Strettch Cloud</span>
            </Link>
            <div className="topbar-end">
              <ThemeToggle />
              <AccountMenu hideWhenSignedOut />
            </div>
          </div>
        </header>
      </div>
      <PlatformBanners />
      <main id="main" className="main" tabIndex={-1}>
        <div className="focus-inner">{children}</div>
      </main>
    </div>
  );
}
