import { useId, useState, type FormEvent } from 'react';
import { useMe, type Me, type TeamMembership } from '../../api/account.ts';
import { getSelectedTeamId, useSelectedTeamId } from '../../api/client.ts';
import {
  useApiKeys,
  useAuditLog,
  useCreateApiKey,
  useInvitations,
  useInvite,
  useAcceptReceivedInvitation,
  useReceivedInvitations,
  useRevokeApiKey,
  useRevokeInvitation,
  useTeamMembers,
  type ApiKey,
  type AuditLogEntry,
  type CreatedApiKey,
} from '../../api/team.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { ConfirmAction } from '../../components/ui/ConfirmAction.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { navigate } from '../../routes/router.tsx';
import { CreateTeamDialog } from './CreateTeamDialog.tsx';
import { Members, OwnershipCard, TransferRequestNotice } from './Members.tsx';
import { canManage, isOwner, roleLabel, roleTone } from './team-rules.ts';
import { DeleteTeamCard, TeamSettingsCard } from './TeamSettings.tsx';

/** Invitations sent to the signed-in person's address, each with Accept. */
function ReceivedInvitations({ me }: { me: Me }) {
  const received = useReceivedInvitations({ enabled: true });
  const accept = useAcceptReceivedInvitation();
  const now = useNow();
  if (received.isPending || (received.isSuccess && received.data.length === 0)) return null;
  return (
    <Card
      title="Invitations for you"
      headingId="received-invitations-heading"
      description={
        <>
          Teams that invited <strong>{me.email}</strong>. Accepting makes you a member with the role shown.
        </>
      }
      flush
    >
      {accept.isError ? (
        <div className="card-pad">
          <Notice tone="danger" role="alert" title="The invitation wasn’t accepted.">
            {accept.error.message}
          </Notice>
        </div>
      ) : null}
      <QueryView query={received} what="your invitations">
        {(list) => (
          <div className="table-scroll">
            <table className="table" aria-labelledby="received-invitations-heading">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Role</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((invitation) => (
                  <tr key={invitation.id}>
                    <td className="person-name">{invitation.teamName}</td>
                    <td>
                      <Badge tone={roleTone[invitation.role]}>{roleLabel[invitation.role]}</Badge>
                    </td>
                    <td className="cell-muted">{formatRelativeTime(invitation.createdAt, now)}</td>
                    <td className="cell-muted" title={formatDate(invitation.expiresAt)}>
                      {formatRelativeTime(invitation.expiresAt, now)}
                    </td>
                    <td className="cell-actions">
                      <Button
                        size="sm"
                        variant="primary"
                        disabled={accept.isPending}
                        onClick={() => accept.mutate(invitation.id, { onSuccess: () => navigate('/team') })}
                        aria-label={`Accept the invitation to ${invitation.teamName}`}
                      >
                        Accept
                      </Button>
                    </td>
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

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function Invitations() {
  const invitations = useInvitations({ enabled: true });
  const invite = useInvite();
  const revoke = useRevokeInvitation();
  const now = useNow();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'ADMIN' | 'MEMBER'>('MEMBER');
  const [touched, setTouched] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const id = useId();
  const problem = email.trim() === '' ? 'Enter the e-mail address to invite.' : EMAIL.test(email.trim()) ? null : 'Enter a valid e-mail address, e.g. name@example.rw.';
  const shown = touched ? problem : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    const address = email.trim();
    invite.mutate(
      { email: address, role },
      {
        onSuccess: () => {
          setSentTo(address);
          setEmail('');
          setTouched(false);
        },
      },
    );
  };

  return (
    <Card title="Invitations" headingId="invitations-heading" description="Invite people by e-mail. The link works once, for 7 days, for whoever signs in with that address." flush>
      <div className="card-pad">
        <form className="form form-inline" onSubmit={onSubmit} noValidate aria-label="Invite someone">
          <div className="field">
            <label className="field-label" htmlFor={`${id}-email`}>
              E-mail address
            </label>
            <input
              id={`${id}-email`}
              className="input"
              type="email"
              autoComplete="off"
              placeholder="name@example.rw"
              value={email}
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? `${id}-error` : undefined}
              onChange={(event) => setEmail(event.target.value)}
              onBlur={() => email !== '' && setTouched(true)}
            />
            {shown ? (
              <p id={`${id}-error`} className="field-error" role="alert">
                <Icon name="alert" size={14} />
                {shown}
              </p>
            ) : null}
          </div>
          <div className="field field-narrow">
            <label className="field-label" htmlFor={`${id}-role`}>
              Role
            </label>
            <select id={`${id}-role`} className="select" value={role} onChange={(event) => setRole(event.target.value as 'ADMIN' | 'MEMBER')}>
              <option value="MEMBER">Member</option>
              <option value="ADMIN">Admin</option>
            </select>
          </div>
          <div className="form-actions">
            <Button type="submit" variant="primary" disabled={invite.isPending}>
              {invite.isPending ? 'Sending…' : 'Send invitation'}
            </Button>
          </div>
        </form>
        {invite.isError ? (
          <Notice tone="danger" role="alert" title="The invitation wasn’t sent.">
            {invite.error.message}
          </Notice>
        ) : sentTo ? (
          <Notice tone="info" role="status" icon="mail" title={`Invitation sent to ${sentTo}.`} />
        ) : null}
        {revoke.isError ? (
          <Notice tone="danger" role="alert" title="The invitation wasn’t revoked.">
            {revoke.error.message}
          </Notice>
        ) : null}
      </div>
      <QueryView query={invitations} what="pending invitations">
        {(list) =>
          list.length === 0 ? (
            <p className="muted-text">No pending invitations.</p>
          ) : (
            <div className="table-scroll">
              <table className="table" aria-label="Pending invitations">
                <thead>
                  <tr>
                    <th scope="col">Invited</th>
                    <th scope="col">Role</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((inv) => (
                    <tr key={inv.id}>
                      <td>{inv.email ?? '—'}</td>
                      <td>
                        <Badge tone={roleTone[inv.role]}>{roleLabel[inv.role]}</Badge>
                      </td>
                      <td className="cell-muted">{formatRelativeTime(inv.createdAt, now)}</td>
                      <td className="cell-muted" title={formatDate(inv.expiresAt)}>
                        {formatRelativeTime(inv.expiresAt, now)}
                      </td>
                      <td className="cell-actions">
                        <ConfirmAction
                          label="Revoke"
                          ariaLabel={`Revoke the invitation to ${inv.email ?? 'this address'}`}
                          confirmLabel="Revoke now"
                          pendingLabel="Revoking…"
                          pending={revoke.isPending && revoke.variables === inv.id}
                          onConfirm={() => revoke.mutate(inv.id)}
                        />
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

function SecretReveal({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="secret-reveal" role="status" data-testid="api-key-secret">
      <p className="secret-reveal-title">
        <Icon name="key" size={18} />
        API key “{created.name}” created
      </p>
      <div className="secret-row">
        <code className="secret-value">{created.secret}</code>
        <Button onClick={() => void copy()}>{copied === 'yes' ? 'Copied' : 'Copy'}</Button>
      </div>
      <p className="secret-warning">Copy it now and keep it somewhere safe: you won’t see it again. {copied === 'failed' ? 'Copying was refused by the browser; select the key and copy it by hand.' : ''}</p>
      <div className="form-actions">
        <Button size="sm" variant="secondary" onClick={onDone}>
          I’ve saved it
        </Button>
      </div>
    </div>
  );
}

function RevokeButton({ apiKey }: { apiKey: ApiKey }) {
  const revoke = useRevokeApiKey();
  if (revoke.isError) return <span className="field-error">{revoke.error.message}</span>;
  return (
    <ConfirmAction
      label="Revoke"
      ariaLabel={`Revoke ${apiKey.name}`}
      confirmLabel="Revoke now"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      onConfirm={() => revoke.mutate(apiKey.id)}
    />
  );
}

function ApiKeys() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const now = useNow();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const id = useId();
  const problem = name.trim() === '' ? 'Give the key a name, e.g. “CI deploys”.' : null;
  const shown = touched ? problem : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    create.mutate(name.trim(), {
      onSuccess: (key) => {
        setCreated(key);
        setName('');
        setTouched(false);
      },
    });
  };

  return (
    <Card title="API keys" headingId="api-keys-heading" description="For scripts and tools: send as “Authorization: Bearer <key>”. A key acts with its creator’s role in this team." flush>
      <div className="card-pad">
        {created ? <SecretReveal created={created} onDone={() => setCreated(null)} /> : null}
        <form className="form form-inline" onSubmit={onSubmit} noValidate aria-label="Create an API key">
          <div className="field">
            <label className="field-label" htmlFor={`${id}-name`}>
              Key name
            </label>
            <input
              id={`${id}-name`}
              className="input"
              type="text"
              maxLength={100}
              placeholder="CI deploys"
              value={name}
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? `${id}-error` : undefined}
              onChange={(event) => setName(event.target.value)}
            />
            {shown ? (
              <p id={`${id}-error`} className="field-error" role="alert">
                <Icon name="alert" size={14} />
                {shown}
              </p>
            ) : null}
          </div>
          <div className="form-actions">
            <Button type="submit" variant="primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create key'}
            </Button>
          </div>
        </form>
        {create.isError ? (
          <Notice tone="danger" role="alert" title="The key wasn’t created.">
            {create.error.message}
          </Notice>
        ) : null}
      </div>
      <QueryView query={keys} what="API keys">
        {(list) =>
          list.length === 0 ? (
            <p className="muted-text">No API keys yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="table" aria-label="API keys">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Key</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((key) => (
                    <tr key={key.id}>
                      <td className="person-name">{key.name}</td>
                      <td>
                        <code className="slug">{key.prefix}…</code>
                      </td>
                      <td className="cell-muted">{formatRelativeTime(key.createdAt, now)}</td>
                      <td className="cell-muted">{key.lastUsedAt ? formatRelativeTime(key.lastUsedAt, now) : 'Never'}</td>
                      <td className="cell-actions">
                        <RevokeButton apiKey={key} />
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

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** "team.member.role_change" → "team member role change", for the line under the action. */
function describeTarget(entry: AuditLogEntry): string | null {
  if (!entry.targetType) return null;
  return `${entry.targetType.replace(/_/g, ' ')}${entry.targetId ? ` ${entry.targetId.slice(0, 8)}` : ''}`;
}

function AuditLog({ me }: { me: Me }) {
  const log = useAuditLog();
  const members = useTeamMembers().data;
  const keys = useApiKeys().data;
  const actor = (entry: AuditLogEntry): string => {
    if (entry.actorType === 'system') return 'System';
    if (entry.actorType === 'api_key') return `API key ${keys?.find((k) => k.id === entry.actorId)?.name ?? ''}`.trim();
    if (entry.actorId === me.id) return 'You';
    return members?.find((m) => m.userId === entry.actorId)?.name ?? 'A former member';
  };
  return (
    <Card title="Audit log" headingId="audit-heading" description="What happened in this team, newest first.">
      <QueryView query={log} what="the audit log">
        {(entries) => {
          if (entries.length === 0) return <p className="muted-text">Nothing has happened in this team yet.</p>;
          const days: Array<{ day: string; entries: AuditLogEntry[] }> = [];
          for (const entry of entries) {
            const day = dayFormat.format(new Date(entry.at));
            const last = days[days.length - 1];
            if (last?.day === day) last.entries.push(entry);
            else days.push({ day, entries: [entry] });
          }
          return days.map((group) => (
            <section key={group.day} className="audit-day" aria-label={group.day}>
              <h3 className="audit-day-title">{group.day}</h3>
              <ol>
                {group.entries.map((entry) => (
                  <li key={entry.id} className="audit-entry">
                    <time className="audit-time" dateTime={entry.at}>
                      {timeFormat.format(new Date(entry.at))}
                    </time>
                    <span>
                      <span className="audit-action">{entry.action}</span>
                      {describeTarget(entry) ? <span className="audit-detail"> · {describeTarget(entry)}</span> : null}
                    </span>
                    <span className="audit-actor">{actor(entry)}</span>
                  </li>
                ))}
              </ol>
            </section>
          ));
        }}
      </QueryView>
    </Card>
  );
}

/** Said once the selected team is gone (left or deleted), on the team selected next. */
interface Flash {
  text: string;
  teamId: string | null;
}

function TeamSections({ me, team, onGone }: { me: Me; team: TeamMembership; onGone: (text: string) => void }) {
  const manager = canManage(team.role);
  return (
    <>
      <TransferRequestNotice me={me} team={team} />
      <Notice tone="neutral" icon="users" title={`${team.name}`}>
        You are {team.role === 'OWNER' ? 'the Owner' : `${team.role === 'ADMIN' ? 'an Admin' : 'a Member'}`} of this team.
        {me.teams.length > 1 ? ' Switch teams from the top bar.' : ''}
      </Notice>
      <Members me={me} team={team} onLeft={(name) => onGone(`You left ${name}.`)} />
      {manager ? <Invitations /> : null}
      <ApiKeys />
      {manager ? <TeamSettingsCard /> : null}
      {isOwner(team.role) ? <OwnershipCard me={me} /> : null}
      <AuditLog me={me} />
      {isOwner(team.role) ? <DeleteTeamCard team={team} onDeleted={(name) => onGone(`${name} was deleted.`)} /> : null}
    </>
  );
}

export function TeamPage() {
  const me = useMe();
  const teamId = useSelectedTeamId();
  const team = me.data?.teams.find((t) => t.id === teamId);
  const [creating, setCreating] = useState(false);
  const [flash, setFlash] = useState<Flash | null>(null);
  // By the time a leave or delete reports back, the next team is already selected.
  const onGone = (text: string) => setFlash({ text, teamId: getSelectedTeamId() });
  return (
    <>
      <PageHeader
        title="Team"
        description="Members and their roles (Owner, Admin, Member), invitations, API keys, settings and the team’s audit log."
        actions={
          me.data ? (
            <Button onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} />
              Create team
            </Button>
          ) : undefined
        }
      />
      {flash && flash.teamId === teamId ? (
        <Notice
          tone="info"
          role="status"
          title={flash.text}
          action={
            <Button size="sm" variant="ghost" onClick={() => setFlash(null)}>
              Dismiss
            </Button>
          }
        />
      ) : null}
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading your team…" />
        </Card>
      ) : !me.data ? (
        <SignInPrompt title="Sign in to see your team">Members, pending invitations, API keys and the audit log are listed here once you are signed in.</SignInPrompt>
      ) : (
        <>
          <ReceivedInvitations me={me.data} />
          {team ? (
            <TeamSections key={team.id} me={me.data} team={team} onGone={onGone} />
          ) : (
            <Card>
              <EmptyState
                icon="users"
                title="You’re not in a team"
                action={
                  <Button variant="primary" onClick={() => setCreating(true)}>
                    Create a team
                  </Button>
                }
              >
                <p>Create a team of your own, accept an invitation, or ask a team’s Owner or an Admin to invite you.</p>
              </EmptyState>
            </Card>
          )}
        </>
      )}
      {creating ? <CreateTeamDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}
