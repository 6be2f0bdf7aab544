import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.tsx';

type Tone = 'info' | 'warning' | 'danger' | 'neutral';

const toneIcon: Record<Tone, IconName> = { info: 'info', warning: 'alert', danger: 'alert', neutral: 'lock' };

/** An inline message inside a page or card. */
export function Notice({
  tone = 'info',
  icon,
  title,
  children,
  action,
  role,
}: {
  tone?: Tone;
  icon?: IconName;
  title: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
  role?: 'status' | 'alert';
}) {
  return (
    <div className={`notice notice-${tone}`} role={role}>
      <Icon name={icon ?? toneIcon[tone]} className="notice-icon" />
      <div className="notice-text">
        <p className="notice-title">{title}</p>
        {children ? <div className="notice-body">{children}</div> : null}
      </div>
      {action ? <div className="notice-action">{action}</div> : null}
    </div>
  );
}
