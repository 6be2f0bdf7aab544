import { Link } from '../../routes/router.tsx';
import { findSection, sections } from '../../routes/routes.ts';
import { Icon } from '../ui/Icon.tsx';

/** Tabs under the top bar, as in the product; scrolls sideways on narrow screens. */
export function PrimaryNav({ pathname }: { pathname: string }) {
  const current = findSection(pathname);
  return (
    <nav className="primary-nav" aria-label="Primary">
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
