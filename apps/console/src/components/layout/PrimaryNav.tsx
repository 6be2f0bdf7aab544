import { useEffect, useRef } from 'react';
import { Link } from '../../routes/router.tsx';
import { findSection, sections } from '../../routes/routes.ts';
import { Icon } from '../ui/Icon.tsx';

/** Tabs under the top bar, as in the product; scrolls sideways on narrow screens. */
export function PrimaryNav({ pathname }: { pathname: string }) {
  const current = findSection(pathname);
  const navRef = useRef<HTMLElement>(null);

  // On a narrow screen the tabs scroll sideways: keep the current one in view.
  useEffect(() => {
    const nav = navRef.current;
    const link = nav?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!nav || !link) return;
    const box = link.getBoundingClientRect();
    const start = box.left - nav.getBoundingClientRect().left + nav.scrollLeft;
    const end = start + box.width;
    if (start < nav.scrollLeft || end > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = Math.max(0, end - nav.clientWidth + 32);
  }, [current?.path]);

  return (
    <nav className="primary-nav" aria-label="Primary" ref={navRef}>
      <ul className="primary-nav-list">
        {sections.map((section) => {
          const active = current?.path === section.path;
          return (
            <li key={section.path}>
              <Link to={section.path} className="primary-nav-link" aria-current={active ? 'page' : undefined}>
                <Icon name={section.icon} size={16} />
                <span>{section.label}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
