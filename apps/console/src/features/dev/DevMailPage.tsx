import { useEffect, useRef, useState } from 'react';
import { isDevPagesOff, useDevMail, useDevMailMessage, type MailMessage } from '../../api/dev.ts';
import { ApiError } from '../../api/errors.ts';
import { useHealth } from '../../api/queries.ts';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDateTime, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { Link, usePathname } from '../../routes/router.tsx';
import { DevPageFrame, DevPagesOff } from './DevPageFrame.tsx';
import { MailReader, type MailView } from './MailReader.tsx';
import { DEV_MAIL_PATH, devMailMessagePath, mailMessageIdFromPath } from './paths.ts';

/** The first words of the text part, for the list. */
function snippet(message: MailMessage): string {
  return message.text.replace(/\s+/g, ' ').trim().slice(0, 140);
}

function MailList({ messages, selectedId, now }: { messages: MailMessage[]; selectedId: string | null; now: Date }) {
  return (
    <ul className="mail-list" aria-labelledby="mail-list-heading">
      {messages.map((message) => (
        <li key={message.id}>
          <Link
            to={devMailMessagePath(message.id)}
            className="mail-item"
            aria-current={message.id === selectedId ? 'page' : undefined}
            data-testid="mail-item"
            data-to={message.to}
          >
            <span className="mail-item-top">
              <span className="mail-item-to">{message.to}</span>
              <time className="mail-item-time" dateTime={message.createdAt} title={formatDateTime(message.createdAt)}>
                {formatRelativeTime(message.createdAt, now)}
              </time>
            </span>
            <span className="mail-item-subject">{message.subject || '(no subject)'}</span>
            {snippet(message) ? <span className="mail-item-snippet">{snippet(message)}</span> : null}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function NoMail() {
  return (
    <Card>
      <EmptyState icon="inbox" title="No e-mail yet">
        <p>Sign-in and other events send e-mail here while the sandboxes are on. New messages show up within a few seconds.</p>
        <p className="empty-state-note">
          To try it, create an account with <code>POST /api/dev/seed</code>: the platform sends its welcome e-mail.
        </p>
      </EmptyState>
    </Card>
  );
}

/** The reading pane for `/dev/mail/:id`. */
function MessagePane({ id, now, view, onViewChange }: { id: string; now: Date; view: MailView; onViewChange: (view: MailView) => void }) {
  const query = useDevMailMessage(id);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const opened = useRef<string | null>(null);

  // Once a message is shown after the visitor picked it, take them to it (on a narrow screen
  // the pane sits below the list). Not on the first load of a /dev/mail/:id address.
  useEffect(() => {
    if (!query.data || opened.current === id) return;
    if (opened.current !== null) headingRef.current?.focus();
    opened.current = id;
  }, [id, query.data]);

  if (query.isError && query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400)) {
    return (
      <div className="mail-pane-message">
        <Notice tone="warning" title="This message is not in the mailbox." action={<Link to={DEV_MAIL_PATH} className="btn btn-sm btn-secondary">Back to the mailbox</Link>}>
          It may have been sent by an earlier run of the platform, or the address is mistyped.
        </Notice>
      </div>
    );
  }
  return (
    <QueryView query={query} what="this message">
      {(message) => <MailReader message={message} now={now} view={view} onViewChange={onViewChange} headingRef={headingRef} />}
    </QueryView>
  );
}

function Mailbox() {
  const health = useHealth();
  const pathname = usePathname();
  const selectedId = mailMessageIdFromPath(pathname);
  const query = useDevMail({ enabled: health.data?.sandboxes !== false });
  const [view, setView] = useState<MailView>('html');
  const now = useNow();

  if (query.isError && isDevPagesOff(query.error)) return <DevPagesOff page="mail" />;
  if (query.isPending) {
    return (
      <Card>
        <Skeleton label="Loading the mailbox…" lines={4} />
      </Card>
    );
  }
  if (query.isSuccess && query.data.length === 0 && selectedId === null) return <NoMail />;

  const count = query.data?.length ?? 0;
  return (
    <div className="mailbox" data-selected={selectedId !== null ? 'true' : undefined}>
      <section className="card mailbox-list" aria-labelledby="mail-list-heading">
        <div className="mailbox-list-header">
          <h2 className="card-title" id="mail-list-heading">
            Inbox
          </h2>
          <span className="live-status" title="The list is checked for new mail every 3 seconds.">
            <span className="live-dot" aria-hidden="true" />
            {count === 1 ? '1 message' : `${count} messages`}
          </span>
        </div>
        <div className="mailbox-list-body">
          <QueryView query={query} what="the mailbox">
            {(messages) =>
              messages.length === 0 ? <p className="muted-text mailbox-list-empty">No e-mail yet.</p> : <MailList messages={messages} selectedId={selectedId} now={now} />
            }
          </QueryView>
        </div>
      </section>
      <section className="card mailbox-pane" aria-label="Message">
        {selectedId === null ? (
          <div className="mailbox-pane-placeholder">
            <Icon name="mail" size={22} />
            <p>Choose a message to read it.</p>
          </div>
        ) : (
          <>
            <div className="mailbox-pane-back">
              <Link to={DEV_MAIL_PATH} className="btn btn-sm btn-ghost">
                <Icon name="arrowLeft" size={16} />
                All messages
              </Link>
            </div>
            <MessagePane id={selectedId} now={now} view={view} onViewChange={setView} />
          </>
        )}
      </section>
    </div>
  );
}

/** `/dev/mail` and `/dev/mail/:id`: the built-in mailbox, newest first, with a reading pane. */
export function DevMailPage() {
  return (
    <DevPageFrame page="mail">
      <Mailbox />
    </DevPageFrame>
  );
}
