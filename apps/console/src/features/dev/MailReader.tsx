import { useMemo, type Ref } from 'react';
import type { MailMessage } from '../../api/dev.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { Tabs, tabIds, type Tab } from '../../components/ui/Tabs.tsx';
import { formatDateTime, formatRelativeTime } from '../../lib/format.ts';
import { prepareMailHtml } from './mail-html.ts';

export type MailView = 'html' | 'text';

const views: readonly Tab<MailView>[] = [
  { id: 'html', label: 'HTML' },
  { id: 'text', label: 'Text' },
];

const SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

/**
 * One e-mail: subject, sender, recipient, time and tags, then its HTML (in a sandboxed frame;
 * see mail-html.ts for why it is safe under the console's CSP) or its plain text.
 */
export function MailReader({
  message,
  now,
  view,
  onViewChange,
  headingRef,
}: {
  message: MailMessage;
  now: Date;
  view: MailView;
  onViewChange: (view: MailView) => void;
  headingRef?: Ref<HTMLHeadingElement>;
}) {
  const srcDoc = useMemo(() => (message.html.trim() ? prepareMailHtml(message.html) : null), [message.html]);
  // A message with only one part opens on that part.
  const shown: MailView = view === 'html' && srcDoc === null && message.text.trim() ? 'text' : view;
  const ids = tabIds('mail-view', shown);
  const tags = Object.entries(message.tags ?? {});

  return (
    <article className="mail-reader" aria-labelledby="mail-subject" data-testid="mail-reader">
      <header className="mail-reader-header">
        <h2 className="mail-subject" id="mail-subject" tabIndex={-1} ref={headingRef}>
          {message.subject || '(no subject)'}
        </h2>
        <dl className="mail-meta">
          <div>
            <dt>From</dt>
            <dd>{message.from}</dd>
          </div>
          <div>
            <dt>To</dt>
            <dd data-testid="mail-to">{message.to}</dd>
          </div>
          <div>
            <dt>Sent</dt>
            <dd>
              <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
              <span className="mail-meta-relative"> · {formatRelativeTime(message.createdAt, now)}</span>
            </dd>
          </div>
        </dl>
        {tags.length > 0 ? (
          <ul className="mail-tags" aria-label="Tags">
            {tags.map(([key, value]) => (
              <li key={key}>
                <Badge>
                  {key}: {value}
                </Badge>
              </li>
            ))}
          </ul>
        ) : null}
      </header>
      <div className="mail-reader-tabs">
        <Tabs label="Show the message as" idBase="mail-view" tabs={views} value={shown} onChange={onViewChange} />
      </div>
      <div className="mail-reader-body" role="tabpanel" id={ids.panel} aria-labelledby={ids.tab}>
        {shown === 'html' ? (
          srcDoc === null ? (
            <Notice tone="neutral" icon="info" title="This message has no HTML part." />
          ) : (
            <iframe
              key={message.id}
              className="mail-html"
              title={`HTML of “${message.subject || 'no subject'}”`}
              sandbox={SANDBOX}
              referrerPolicy="no-referrer"
              srcDoc={srcDoc}
              data-testid="mail-html"
            />
          )
        ) : message.text.trim() ? (
          <pre className="mail-text" data-testid="mail-text">
            {message.text}
          </pre>
        ) : (
          <Notice tone="neutral" icon="info" title="This message has no text part." />
        )}
      </div>
    </article>
  );
}
