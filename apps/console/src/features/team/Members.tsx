import { useId, useState, type FormEvent } from 'react';
import type { Me, TeamMembership } from '../../api/account.ts';
import {
  useAcceptTransfer,
  useCancelTransfer,
  useChangeRole,
  useLeaveTeam,
  useOwnershipTransfer,
  useRemoveMember,
  useRequestTransfer,
  useTeamMembers,
  type OwnershipTransfer,
  type TeamMember,
} from '../../api/team.ts';
import { Avatar } from '../../components/ui/Avatar.tsx';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { ConfirmAction } from '../../components/ui/ConfirmAction.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatDate, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { canManage, canManageMember, isOwner, roleLabel, roleTone } from './team-rules.ts';

const displayName = (m: TeamMember | undefined): string => m?.name ?? m?.email ?? 'a former member';

/**
 * Everyone in the team with their role. Owners and Admins change roles (a select) and remove
 * people; everyone but the Owner can leave from their own row. The member asked to become Owner
 * is marked.
 */
export function Members({ me, team, onLeft }: { me: Me; team: TeamMembership; onLeft: (teamName: string) => void }) {
  const members = useTeamMembers();
  const transfer = useOwnershipTransfer().data ?? null;
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  const leave = useLeaveTeam();
  const now = useNow();
  const list = members.data ?? [];
  const nameOf = (userId: string | undefined) => displayName(list.find((m) => m.userId === userId));

  const failure = changeRole.isError
    ? { title: `Couldn’t change the role of ${nameOf(changeRole.variables.userId)}.`, message: changeRole.error.message }
    : remove.isError
      ? { title: `Couldn’t remove ${nameOf(remove.variables)}.`, message: remove.error.message }
      : leave.isError
        ? { title: 'You’re still in the team.', message: leave.error.message }
        : null;
  const removed = remove.isSuccess ? `${nameOf(remove.variables)} is no longer in the team.` : null;

  return (
    <Card
      title="Members"
      headingId="members-heading"
      description={
        canManage(team.role)
          ? 'Everyone in this team and their role. As an Owner or Admin you change roles and remove people; the Owner changes only by a transfer.'
          : 'Everyone in this team and their role. Owners and Admins manage members and keys.'
      }
      flush
    >
      {failure ? (
        <div className="card-pad">
          <Notice tone="danger" role="alert" title={failure.title}>
            {failure.message}
          </Notice>
        </div>
      ) : removed ? (
        <div className="card-pad">
          <Notice tone="info" role="status" title={removed} />
        </div>
      ) : null}
      <QueryView query={members} what="the team’s members">
        {(rows) => (
          <div className="table-scroll">
            <table className="table members-table" aria-labelledby="members-heading">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="col-joined">
                    Joined
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => {
                  const self = m.userId === me.id;
                  const manageable = canManageMember(team.role, m.role, self);
                  const changing = changeRole.isPending && changeRole.variables.userId === m.userId;
                  const role = changing ? changeRole.variables.role : m.role;
                  const name = m.name ?? 'Closed account';
                  return (
                    <tr key={m.userId} data-user-id={m.userId}>
                      <td>
                        <div className="person">
                          <Avatar name={m.name ?? m.email ?? '?'} size={30} />
                          <span className="person-text">
                            <span className="person-name">
                              {name}
                              {self ? <span className="cell-muted"> (you)</span> : null}
                            </span>
                            {m.email ? <span className="person-email">{m.email}</span> : null}
                          </span>
                          {transfer?.toUserId === m.userId ? <Badge tone="warning">Asked to become Owner</Badge> : null}
                        </div>
                      </td>
                      <td>
                        {manageable ? (
                          <select
                            className="select select-sm"
                            aria-label={`Role of ${name}`}
                            value={role}
                            disabled={changing}
                            onChange={(event) => changeRole.mutate({ userId: m.userId, role: event.target.value as 'ADMIN' | 'MEMBER' })}
                          >
                            <option value="ADMIN">Admin</option>
                            <option value="MEMBER">Member</option>
                          </select>
                        ) : (
                          <Badge tone={roleTone[m.role]}>{roleLabel[m.role]}</Badge>
                        )}
                      </td>
                      <td className="cell-muted col-joined" title={formatDate(m.joinedAt)}>
                        {formatRelativeTime(m.joinedAt, now)}
                      </td>
                      <td className="cell-actions">
                        {manageable ? (
                          <ConfirmAction
                            label="Remove"
                            ariaLabel={`Remove ${name}`}
                            confirmLabel="Remove now"
                            pendingLabel="Removing…"
                            pending={remove.isPending && remove.variables === m.userId}
                            onConfirm={() => remove.mutate(m.userId)}
                          />
                        ) : self && !isOwner(m.role) ? (
                          <ConfirmAction
                            label="Leave team"
                            confirmLabel="Leave now"
                            pendingLabel="Leaving…"
                            keepLabel="Stay"
                            pending={leave.isPending}
                            // Not mutate's onSuccess, which is dropped once this table unmounts (the next team is selected by then).
                            onConfirm={() => leave.mutateAsync().then(() => onLeft(team.name), () => undefined)}
                          />
                        ) : self ? (
                          <span className="cell-muted cell-note">Transfer ownership to leave</span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

/**
 * What the member asked to become Owner sees at the top of the Team page: who asks, what it
 * means, and Accept or Decline.
 */
export function TransferRequestNotice({ me, team }: { me: Me; team: TeamMembership }) {
  const transfer = useOwnershipTransfer().data ?? null;
  const members = useTeamMembers().data ?? [];
  const accept = useAcceptTransfer();
  const decline = useCancelTransfer();
  const now = useNow();
  if (!transfer || transfer.toUserId !== me.id) return null;
  const from = displayName(members.find((m) => m.userId === transfer.fromUserId));
  const busy = accept.isPending || decline.isPending;
  return (
    <Notice
      tone="warning"
      icon="shield"
      role="status"
      title={`${from} asks you to become the Owner of ${team.name}.`}
      action={
        <span className="form-actions">
          <Button size="sm" variant="primary" disabled={busy} onClick={() => accept.mutate()}>
            {accept.isPending ? 'Accepting…' : 'Accept'}
          </Button>
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => decline.mutate()}>
            {decline.isPending ? 'Declining…' : 'Decline'}
          </Button>
        </span>
      }
    >
      As Owner you can delete the team and hand it on; {from} becomes an Admin. The request lapses {formatRelativeTime(transfer.expiresAt, now)}.
      {accept.isError ? <span className="field-error notice-error">{accept.error.message}</span> : null}
      {decline.isError ? <span className="field-error notice-error">{decline.error.message}</span> : null}
    </Notice>
  );
}

function PendingTransfer({ transfer, members }: { transfer: OwnershipTransfer; members: TeamMember[] }) {
  const cancel = useCancelTransfer();
  const now = useNow();
  const to = displayName(members.find((m) => m.userId === transfer.toUserId));
  return (
    <>
      <Notice
        tone="info"
        icon="shield"
        role="status"
        title={`Waiting for ${to} to accept.`}
        action={
          <Button size="sm" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel request'}
          </Button>
        }
      >
        Asked {formatRelativeTime(transfer.createdAt, now)}; the request lapses {formatRelativeTime(transfer.expiresAt, now)} unless accepted.
      </Notice>
      {cancel.isError ? (
        <Notice tone="danger" role="alert" title="The request wasn’t cancelled.">
          {cancel.error.message}
        </Notice>
      ) : null}
    </>
  );
}

/** The Owner's side of a transfer: ask a member to become Owner, or see and cancel the request. */
export function OwnershipCard({ me }: { me: Me }) {
  const transfer = useOwnershipTransfer();
  const members = useTeamMembers();
  const request = useRequestTransfer();
  const [userId, setUserId] = useState('');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const candidates = (members.data ?? []).filter((m) => m.userId !== me.id && m.role !== 'OWNER');
  const problem = userId === '' ? 'Choose the member who should become Owner.' : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    request.mutate(userId, { onSuccess: () => setUserId('') });
  };

  return (
    <Card
      title="Ownership"
      headingId="ownership-heading"
      description="A team has one Owner. Hand it to another member: nothing changes until they accept, then they become Owner and you become an Admin."
    >
      <QueryView query={transfer} what="the ownership transfer">
        {(pending) =>
          pending ? (
            <PendingTransfer transfer={pending} members={members.data ?? []} />
          ) : candidates.length === 0 ? (
            <p className="muted-text">Ownership can only go to a member of the team: invite someone first.</p>
          ) : (
            <form className="form form-inline" onSubmit={onSubmit} noValidate aria-label="Transfer ownership">
              <div className="field">
                <label className="field-label" htmlFor={`${id}-member`}>
                  New Owner
                </label>
                <select
                  id={`${id}-member`}
                  className="select"
                  value={userId}
                  aria-invalid={touched && problem ? true : undefined}
                  aria-describedby={touched && problem ? `${id}-error` : undefined}
                  onChange={(event) => setUserId(event.target.value)}
                >
                  <option value="">Choose a member…</option>
                  {candidates.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {displayName(m)}
                      {m.email && m.name ? ` (${m.email})` : ''}
                    </option>
                  ))}
                </select>
                {touched && problem ? (
                  <p id={`${id}-error`} className="field-error" role="alert">
                    {problem}
                  </p>
                ) : null}
              </div>
              <div className="form-actions">
                <Button type="submit" disabled={request.isPending}>
                  {request.isPending ? 'Asking…' : 'Ask to become Owner'}
                </Button>
              </div>
            </form>
          )
        }
      </QueryView>
      {request.isError ? (
        <Notice tone="danger" role="alert" title="The request wasn’t sent.">
          {request.error.message}
        </Notice>
      ) : null}
    </Card>
  );
}
