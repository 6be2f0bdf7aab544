import type { ReactNode } from 'react';

/** A titled section of a page. `headingId` lets tables and lists point at their caption. */
export function Card({
  title,
  description,
  headingId,
  actions,
  children,
  flush = false,
  tone,
}: {
  title?: string;
  description?: ReactNode;
  headingId?: string;
  actions?: ReactNode;
  children: ReactNode;
  flush?: boolean;
  /** `danger`: an irreversible or destructive action lives here (a danger zone). */
  tone?: 'danger';
}) {
  return (
    <section className={tone ? `card card-${tone}` : 'card'} aria-labelledby={title ? headingId : undefined}>
      {title ? (
        <div className="card-header">
          <div>
            <h2 className="card-title" id={headingId}>
              {title}
            </h2>
            {description ? <p className="card-description">{description}</p> : null}
          </div>
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      <div className={flush ? 'card-body card-body-flush' : 'card-body'}>{children}</div>
    </section>
  );
}
