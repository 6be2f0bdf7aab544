import { isDevPagesOff, useDevSms, type SmsMessage } from '../../api/dev.ts';
import { useHealth } from '../../api/queries.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatDateTime, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { DevPageFrame, DevPagesOff } from './DevPageFrame.tsx';

const routes: Record<SmsMessage['route'], { label: string; tone: 'accent' | 'neutral'; hint: string }> = {
  pindo: { label: 'Pindo', tone: 'accent', hint: 'Rwandan numbers (+250) go through Pindo.' },
  sns: { label: 'AWS SNS', tone: 'neutral', hint: 'Numbers outside Rwanda go through AWS SNS.' },
};

function RouteBadge({ route }: { route: SmsMessage['route'] }) {
  const meta = routes[route] ?? { label: route, tone: 'neutral' as const, hint: '' };
  return (
    <span title={meta.hint}>
      <Badge tone={meta.tone}>{meta.label}</Badge>
    </span>
  );
}

function Outbox() {
  const health = useHealth();
  const query = useDevSms({ enabled: health.data?.sandboxes !== false });
  const now = useNow();

  if (query.isError && isDevPagesOff(query.error)) return <DevPagesOff page="sms" />;
  return (
    <Card
      title="Sent messages"
      headingId="sms-heading"
      description="Newest first. Checked for new messages every 3 seconds."
      flush
      actions={query.data ? <span className="live-status"><span className="live-dot" aria-hidden="true" />{query.data.length === 1 ? '1 message' : `${query.data.length} messages`}</span> : null}
    >
      <QueryView query={query} what="the SMS outbox">
        {(messages) =>
          messages.length === 0 ? (
            <EmptyState icon="smartphone" title="No text messages yet">
              <p>Phone-number checks and other alerts send SMS here while the sandboxes are on. New messages show up within a few seconds.</p>
              <p className="empty-state-note">Numbers starting +250 go through Pindo, all others through AWS SNS.</p>
            </EmptyState>
          ) : (
            <div className="table-scroll">
              <table className="table sms-table" aria-labelledby="sms-heading">
                <thead>
                  <tr>
                    <th scope="col">To</th>
                    <th scope="col">Route</th>
                    <th scope="col">Message</th>
                    <th scope="col">Sent</th>
                  </tr>
                </thead>
                <tbody>
                  {messages.map((sms) => (
                    <tr key={sms.id} data-testid="sms-row">
                      <td>
                        <code className="sms-to">{sms.to}</code>
                      </td>
                      <td>
                        <RouteBadge route={sms.route} />
                      </td>
                      <td className="sms-text">{sms.text}</td>
                      <td className="sms-sent">
                        <time dateTime={sms.createdAt} title={formatDateTime(sms.createdAt)}>
                          {formatRelativeTime(sms.createdAt, now)}
                        </time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </Card>
  );
}

/** `/dev/sms`: the built-in SMS outbox, newest first. */
export function DevSmsPage() {
  return (
    <DevPageFrame page="sms">
      <Outbox />
    </DevPageFrame>
  );
}
