import type { ReactNode } from 'react';

/**
 * Title and one-line description of a page. The heading takes focus after client-side
 * navigation (see App.tsx), so screen readers announce the new page.
 */
export function PageHeader({ title, description, actions }: { title: string; description: string; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div className="page-header-text">
        <h1 tabIndex={-1} className="page-title">
          {title}
        </h1>
        <p className="page-description">{description}</p>
      </div>
      {actions ? <div className="page-header-actions">{actions}</div> : null}
    </header>
  );
}
