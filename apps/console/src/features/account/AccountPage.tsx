import { useId, useState, type FormEvent } from 'react';
import { useMe, useRevokeOtherSessions, useSessions, useUpdateProfile, type Locale, type Me } from '../../api/account.ts';
import { Avatar } from '../../components/ui/Avatar.tsx';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate, formatDateTime, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { CloseAccountCard } from './AccountClosure.tsx';

/**
 * The data subject's rights under Rwanda's Law relating to the protection of personal data
 * and privacy, as our privacy notice (section 6) lists them. Each becomes a request the user
 * can make from this page.
 */
const rights: Array<{ name: string; text: string }> = [
  { name: 'Access', text: 'A copy of your data, why it is processed, and who has had access to it.' },
  { name: 'Rectification', text: 'Correct inaccurate data and complete what is missing.' },
  { name: 'Erasure', text: 'Have your data deleted when there is no longer a reason to keep it.' },
  { name: 'Portability', text: 'Receive the data you gave us in a structured, readable format.' },
  { name: 'Objection and restriction', text: 'Object to processing, or pause it while a question is settled.' },
  { name: 'Heir', text: 'Designate who may exercise these rights for your data after you.' },
];

const providerName = { google: 'Google', github: 'GitHub', dev: 'Development sign-in' } as const;
/** The languages of e-mails and text messages, each named in itself where that is the usual label. */
const localeName: Record<Locale, string> = { en: 'English', rw: 'Kinyarwanda', fr: 'Français' };
const locales = Object.keys(localeName) as Locale[];

function Profile({ me }: { me: Me }) {
  return (
    <Card title="Profile" headingId="profile-heading" description="From your sign-in provider. Your e-mail address is the one it verified.">
      <div className="profile">
        <Avatar name={me.name} url={me.avatarUrl} size={56} />
        <div>
          <p className="profile-name">{me.name}</p>
          <p className="muted-text">{me.email}</p>
          <div className="profile-meta">
            {me.identities.map((identity) => (
              <Badge key={identity.provider} tone="accent">
                {providerName[identity.provider]} · since {formatDate(identity.linkedAt)}
              </Badge>
            ))}
            <Badge>{localeName[me.locale]}</Badge>
          </div>
        </div>
      </div>
    </Card>
  );
}

/** `PATCH /me { locale }`: the language of what we send this person. */
function Language({ me }: { me: Me }) {
  const update = useUpdateProfile();
  const [locale, setLocale] = useState<Locale>(me.locale);
  const id = useId();
  const changed = locale !== me.locale;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!changed) return;
    update.mutate({ locale });
  };

  return (
    <Card
      title="Language"
      headingId="language-heading"
      description="E-mails and text messages from Strettch Cloud are written in this language. The console itself is in English for now."
    >
      <form className="form form-inline" onSubmit={onSubmit} noValidate aria-label="Language">
        <div className="field field-narrow-wide">
          <label className="field-label" htmlFor={`${id}-locale`}>
            Language of messages
          </label>
          <select
            id={`${id}-locale`}
            className="select"
            value={locale}
            onChange={(event) => {
              setLocale(event.target.value as Locale);
              update.reset();
            }}
          >
            {locales.map((code) => (
              <option key={code} value={code} lang={code}>
                {localeName[code]}
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" disabled={update.isPending || !changed}>
            {update.isPending ? 'Saving…' : 'Save language'}
          </Button>
        </div>
      </form>
      {update.isError ? (
        <Notice tone="danger" role="alert" title="Your language wasn’t saved.">
          {update.error.message}
        </Notice>
      ) : update.isSuccess ? (
        <Notice tone="info" role="status" title={`Saved: we’ll write to you in ${localeName[update.data.locale]}.`} />
      ) : null}
    </Card>
  );
}

function Sessions() {
  const sessions = useSessions();
  const revoke = useRevokeOtherSessions();
  const now = useNow();
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;
  return (
    <Card
      title="Where you’re signed in"
      headingId="sessions-heading"
      description="Every browser signed in to your account, most recent first."
      actions={
        <Button size="sm" onClick={() => revoke.mutate()} disabled={revoke.isPending || others === 0} title={others === 0 ? 'No other sessions' : undefined}>
          {revoke.isPending ? 'Signing out…' : 'Sign out everywhere else'}
        </Button>
      }
      flush
    >
      {revoke.isError ? (
        <Notice tone="danger" role="alert" title="Couldn’t sign the other sessions out.">
          {revoke.error.message}
        </Notice>
      ) : revoke.isSuccess ? (
        <Notice tone="info" role="status" title={revoke.data.revoked === 1 ? 'Signed out of 1 other session.' : `Signed out of ${revoke.data.revoked} other sessions.`} />
      ) : null}
      <QueryView query={sessions} what="your sessions">
        {(list) => (
          <div className="table-scroll">
            <table className="table" aria-labelledby="sessions-heading">
              <thead>
                <tr>
                  <th scope="col">Browser</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Last active</th>
                  <th scope="col">Signed in</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <span className="person-name">{[s.browser, s.os].filter(Boolean).join(' on ') || 'Unknown browser'}</span>{' '}
                      {s.current ? <Badge tone="success">This browser</Badge> : null}
                    </td>
                    <td className="cell-muted mono">{s.ip ?? '—'}</td>
                    <td className="cell-muted">{formatRelativeTime(s.lastUsedAt, now)}</td>
                    <td className="cell-muted">{formatDateTime(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

export function AccountPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Account & Privacy" description="Your profile, sign-in methods and phone number, and your privacy centre: see, export, correct or erase your data." />
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading your account…" />
        </Card>
      ) : me.data ? (
        <>
          <Profile me={me.data} />
          <Language me={me.data} />
          <Sessions />
        </>
      ) : (
        <SignInPrompt title="Sign in to see your account">Your profile, where you are signed in and your privacy requests are shown here once you are signed in.</SignInPrompt>
      )}
      <Card>
        <EmptyState icon="shield" title="No privacy requests yet">
          <p>Requests you make will be listed here with their status and the date we must answer by.</p>
        </EmptyState>
      </Card>
      <Card title="Your rights" headingId="rights-heading" description="Under Rwanda’s law on the protection of personal data and privacy.">
        <ul className="rights-list">
          {rights.map((r) => (
            <li key={r.name}>
              <span className="rights-name">{r.name}</span>
              <span className="rights-text">{r.text}</span>
            </li>
          ))}
        </ul>
      </Card>
      {me.data ? <CloseAccountCard me={me.data} /> : null}
    </>
  );
}
