import type { ReactNode } from 'react';
import { useHealth } from '../../api/queries.ts';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { Link } from '../../routes/router.tsx';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from './paths.ts';

type DevPage = 'mail' | 'sms';

const pages: Record<DevPage, { path: string; label: string; title: string; description: string; off: string; what: string }> = {
  mail: {
    path: DEV_MAIL_PATH,
    label: 'Mailbox',
    title: 'Mailbox',
    description: 'Development only: every e-mail this installation sends lands here instead of a real inbox while the sandboxes are on.',
    off: 'The mailbox is off on this installation',
    what: 'e-mail',
  },
  sms: {
    path: DEV_SMS_PATH,
    label: 'SMS outbox',
    title: 'SMS outbox',
    description: 'Development only: every text message this installation sends is kept here instead of going to a phone while the sandboxes are on.',
    off: 'The SMS outbox is off on this installation',
    what: 'text messages',
  },
};

/** Switches between the two development pages. */
function DevSwitch({ current }: { current: DevPage }) {
  return (
    <nav className="segmented" aria-label="Development pages">
      {(Object.keys(pages) as DevPage[]).map((key) => (
        <Link key={key} to={pages[key].path} className="segmented-option" aria-current={key === current ? 'page' : undefined}>
          <Icon name={key === 'mail' ? 'mail' : 'smartphone'} size={16} />
          {pages[key].label}
        </Link>
      ))}
    </nav>
  );
}

/** What the development pages show when the platform runs with real providers. */
export function DevPagesOff({ page }: { page: DevPage }) {
  const { off, what } = pages[page];
  return (
    <Card>
      <div data-testid="dev-pages-off">
        <EmptyState icon="flask" title={off}>
          <p>
            The built-in sandboxes are off, so {what} goes to real recipients through the configured providers and nothing is collected here.
          </p>
          <p className="empty-state-note">
            Start the platform with its sandboxes (for example <code>strettch serve</code> with no <code>DATABASE_URL</code>, or <code>SANDBOXES=on</code>) to use this page.
          </p>
        </EmptyState>
      </div>
    </Card>
  );
}

/**
 * Header and guard shared by the development pages: `children` renders only while
 * `GET /api/v1/health` says the sandboxes are on (or health itself cannot be read, in which
 * case the page's own request decides).
 */
export function DevPageFrame({ page, children }: { page: DevPage; children: ReactNode }) {
  const health = useHealth();
  const { title, description } = pages[page];
  let body: ReactNode;
  if (health.isPending) body = <Skeleton label="Checking whether the sandboxes are on…" />;
  else if (health.data?.sandboxes === false) body = <DevPagesOff page={page} />;
  else body = children;
  return (
    <>
      <PageHeader title={title} description={description} actions={<DevSwitch current={page} />} />
      {body}
    </>
  );
}
