import { useEffect, useState, type ReactNode } from 'react';
import { signInHref, useMe, useSignOut, type Me } from '../../api/account.ts';
import { ApiError } from '../../api/errors.ts';
import { useAcceptInvitation, useReceivedInvitations, type ReceivedInvitation } from '../../api/team.ts';
import { FocusShell } from '../../components/layout/FocusShell.tsx';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate, formatRelativeTime } from '../../lib/format.ts';
import { useNow } from '../../lib/now.ts';
import { Link, navigate } from '../../routes/router.tsx';
import { ACCEPT_INVITATION_PATH, forgetInvitationToken, readInvitationToken, takeTokenFromAddress } from './invitation-link.ts';
import { roleLabel, roleTone } from './team-rules.ts';

/** What each role the API can invite with lets the person do (reference §1.3). */
const roleMeaning = {
  ADMIN: 'Admins create, change and delete the team’s resources, manage members and pay.',
  MEMBER: 'Members see the team’s resources, billing and audit log, and use read-only API keys.',
} as const;

interface Problem {
  title: string;
  body: ReactNode;
  /** The link can never work (expired, used, revoked, not valid): it is forgotten. */
  final: boolean;
  /** The invitation is for another address: signing in with it may still work. */
  otherAccount?: boolean;
}

/** The API's refusal, put plainly; its own message is always shown. */
function describe(error: Error, me: Me): Problem {
  if (!(error instanceof ApiError)) return { title: 'The invitation wasn’t accepted.', body: error.message, final: false };
  switch (error.code) {
    case 'INVITATION_EMAIL_MISMATCH':
      return {
        title: 'This invitation isn’t for this account.',
        body: (
          <>
            {error.message} You’re signed in as <strong>{me.email}</strong>.
          </>
        ),
        final: false,
        otherAccount: true,
      };
    case 'INVITATION_EXPIRED':
      return { title: 'This invitation has expired.', body: error.message, final: true };
    case 'CONFLICT':
      return { title: 'This invitation can’t be accepted.', body: error.message, final: true };
    case 'RESOURCE_NOT_FOUND':
      return { title: 'This invitation link isn’t valid.', body: `${error.message} Check that you opened the whole link from the e-mail.`, final: true };
    default:
      return {
        title: 'The invitation wasn’t accepted.',
        body: (
          <>
            {error.message}
            {error.requestId ? (
              <>
                {' '}
                Request id <code>{error.requestId}</code>.
              </>
            ) : null}
          </>
        ),
        final: false,
      };
  }
}

function InvitationSummary({ invitation, now }: { invitation: ReceivedInvitation; now: Date }) {
  return (
    <div className="invitation-summary">
      <span className="invitation-team-mark" aria-hidden="true">
        <Icon name="users" size={20} />
      </span>
      <div className="invitation-summary-text">
        <p className="invitation-team">{invitation.teamName}</p>
        <p className="muted-text">
          <Badge tone={roleTone[invitation.role]}>{roleLabel[invitation.role]}</Badge>{' '}
          <span title={formatDate(invitation.expiresAt)}>· expires {formatRelativeTime(invitation.expiresAt, now)}</span>
        </p>
      </div>
    </div>
  );
}

function Accept({ me, token }: { me: Me; token: string }) {
  const received = useReceivedInvitations({ enabled: true });
  const accept = useAcceptInvitation();
  const signOut = useSignOut({ returnTo: ACCEPT_INVITATION_PATH });
  const now = useNow();
  const list = received.data ?? [];
  // The API has no look-up by token, so the team is named from the invitations sent to this
  // address: certain when there is one, a short list when there are several.
  const only = list.length === 1 ? list[0] : undefined;
  const problem = accept.isError ? describe(accept.error, me) : null;
  const busy = accept.isPending || accept.isSuccess;

  const onAccept = () =>
    accept.mutate(token, {
      onSuccess: () => {
        forgetInvitationToken();
        navigate('/team');
      },
      onError: (error) => {
        if (describe(error, me).final) forgetInvitationToken();
      },
    });

  const notNow = () => {
    forgetInvitationToken();
    navigate('/team');
  };

  return (
    <>
      <InvitationTitle>{only ? `Join ${only.teamName}` : 'Join a team'}</InvitationTitle>
      {received.isPending ? (
        <Skeleton lines={2} label="Loading your invitations…" />
      ) : only ? (
        <>
          <p className="auth-lead">You’re invited to join this team on Strettch Cloud. {roleMeaning[only.role]}</p>
          <InvitationSummary invitation={only} now={now} />
        </>
      ) : list.length > 1 ? (
        <>
          <p className="auth-lead">Several teams have invited you. This link joins the one whose e-mail you opened:</p>
          <ul className="invitation-list">
            {list.map((invitation) => (
              <li key={invitation.id}>
                <InvitationSummary invitation={invitation} now={now} />
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="auth-lead">Accept to join the team that invited you. The link works once, for 7 days, for the e-mail address it was sent to.</p>
      )}

      <p className="invitation-account">
        <Icon name="user" size={16} />
        <span>
          Signed in as <strong>{me.email}</strong>
        </span>
      </p>

      {problem ? (
        <Notice tone="danger" role="alert" title={problem.title}>
          {problem.body}
        </Notice>
      ) : null}
      {signOut.isError ? (
        <Notice tone="danger" role="alert" title="Couldn’t sign you out.">
          {signOut.error.message}
        </Notice>
      ) : null}

      <div className="form-actions">
        {problem?.final ? (
          <Link to="/team" className="btn btn-primary">
            Go to your team
          </Link>
        ) : (
          <>
            {problem?.otherAccount ? (
              // Trying again with this account cannot work: signing in with the invited address can.
              <Button variant="primary" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
                {signOut.isPending ? 'Signing out…' : 'Use another account'}
              </Button>
            ) : (
              <Button variant="primary" onClick={onAccept} disabled={busy}>
                {busy ? 'Joining…' : 'Accept invitation'}
              </Button>
            )}
            <Button variant="ghost" onClick={notNow} disabled={busy}>
              Not now
            </Button>
          </>
        )}
      </div>
    </>
  );
}

function InvitationTitle({ children = 'Team invitation' }: { children?: string }) {
  return (
    <h1 id="invitation-title" className="auth-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/**
 * `/invitations/accept?token=…`, where an invitation e-mail leads. The token leaves the address
 * bar at once (see invitation-link.ts). Signed out, the page sends the person to sign in and
 * back here, the token waiting in this tab; signed in, it names the inviting team and accepts on
 * request, then opens that team's page with the team selected.
 */
export function AcceptInvitationPage() {
  const me = useMe();
  const [token] = useState(readInvitationToken);

  useEffect(() => {
    takeTokenFromAddress();
  }, []);

  const signedOut = !me.isPending && !me.isError && !me.data;
  useEffect(() => {
    if (token && signedOut) navigate(signInHref(ACCEPT_INVITATION_PATH), { replace: true });
  }, [token, signedOut]);

  let body: ReactNode;
  if (!token) {
    body = (
      <>
        <InvitationTitle>No invitation to accept</InvitationTitle>
        <p className="auth-lead">
          This page opens from the link in an invitation e-mail. Open that link again; if it has expired, ask the team’s Owner or an Admin to send a new
          one.
        </p>
        <div className="form-actions">
          <Link to={me.data ? '/team' : signInHref('/team')} className="btn btn-primary">
            {me.data ? 'See invitations sent to you' : 'Sign in'}
          </Link>
        </div>
      </>
    );
  } else if (me.isError) {
    body = (
      <>
        <InvitationTitle />
        <Notice tone="danger" role="alert" title="Couldn’t check who is signed in." action={<Button size="sm" onClick={() => void me.refetch()}>Retry</Button>}>
        {me.error.message}
        </Notice>
      </>
    );
  } else if (!me.data) {
    body = (
      <>
        <InvitationTitle />
        <Skeleton lines={3} label={signedOut ? 'Taking you to sign-in…' : 'Loading your invitation…'} />
      </>
    );
  } else {
    body = <Accept me={me.data} token={token} />;
  }

  return (
    <FocusShell>
      <section className="auth-card card auth-card-wide" aria-labelledby="invitation-title">
        <div className="auth-card-body">{body}</div>
      </section>
    </FocusShell>
  );
}
