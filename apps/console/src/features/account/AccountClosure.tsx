import { useId, useState, type FormEvent } from 'react';
import { useCloseAccount, useReactivateAccount, useSignOut, type Me } from '../../api/account.ts';
import { FocusShell } from '../../components/layout/FocusShell.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatDate } from '../../lib/format.ts';
import { Link } from '../../routes/router.tsx';

/**
 * Closing an account (privacy notice §5): the danger-zone card of the Account page, the
 * signed-out page shown right after closing, and the page a closed account sees instead of the
 * console when it signs in again before its reactivation deadline.
 */

/** What closing does, in the order it happens. */
const consequences: readonly string[] = [
  'Every API key you created and every session you have, this one included, is revoked: you are signed out everywhere.',
  'Teams you own alone are deleted. Destroy their resources and settle what they owe first.',
  'You leave every other team you belong to. If you own a team with other members, transfer its ownership first.',
  'Your data is kept for six months, so you can come back: sign in again before then and reactivate your account.',
  'After six months your account and its data are destroyed, as section 5 of our privacy notice says.',
];

function sameEmail(typed: string, email: string): boolean {
  return typed.trim().toLowerCase() === email.trim().toLowerCase();
}

/** The danger zone of the Account page: what happens, then a confirm step where the person types their e-mail. */
export function CloseAccountCard({ me }: { me: Me }) {
  const close = useCloseAccount();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [touched, setTouched] = useState(false);
  const inputId = useId();
  const problem = typed.trim() === '' ? 'Type your e-mail address to confirm.' : sameEmail(typed, me.email) ? null : 'That isn’t the e-mail address of this account.';
  const shown = touched ? problem : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    close.mutate();
  };

  const cancel = () => {
    setConfirming(false);
    setTyped('');
    setTouched(false);
    close.reset();
  };

  return (
    <Card
      tone="danger"
      title="Close account"
      headingId="close-account-heading"
      description="Stop using Strettch Cloud. You can change your mind for six months."
    >
      <ul className="closure-list">
        {consequences.map((text) => (
          <li key={text}>{text}</li>
        ))}
      </ul>
      {confirming ? (
        <form className="form closure-form" onSubmit={onSubmit} noValidate aria-label="Confirm closing your account">
          <div className="field">
            <label className="field-label" htmlFor={inputId}>
              Type <strong>{me.email}</strong> to confirm
            </label>
            <input
              id={inputId}
              className="input"
              type="email"
              name="confirmEmail"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? `${inputId}-error` : close.isError ? `${inputId}-server` : undefined}
              onChange={(event) => setTyped(event.target.value)}
              onBlur={() => setTouched(typed !== '')}
            />
            {shown ? (
              <p id={`${inputId}-error`} className="field-error" role="alert">
                <Icon name="alert" size={14} />
                {shown}
              </p>
            ) : null}
          </div>
          {close.isError ? (
            <div id={`${inputId}-server`}>
              <Notice tone="danger" role="alert" title="Your account wasn’t closed.">
                {close.error.message}
              </Notice>
            </div>
          ) : null}
          <div className="form-actions">
            <Button type="submit" className="btn-danger" disabled={close.isPending}>
              {close.isPending ? 'Closing…' : 'Close my account'}
            </Button>
            <Button variant="ghost" onClick={cancel} disabled={close.isPending}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="form-actions">
          <Button className="btn-danger" onClick={() => setConfirming(true)}>
            Close account…
          </Button>
        </div>
      )}
    </Card>
  );
}

/** `/account-closed?until=…`: signed out right after closing, with the reactivation deadline. */
export function AccountClosedPage() {
  const until = new URLSearchParams(window.location.search).get('until');
  return (
    <FocusShell>
      <section className="auth-card card" aria-labelledby="account-closed-title">
        <div className="auth-card-body">
          <h1 id="account-closed-title" className="auth-title" tabIndex={-1}>
            Your account is closed
          </h1>
          <Notice tone="info" role="status" title="You’re signed out everywhere." />
          <p className="auth-lead">
            {until ? (
              <>
                You can reactivate it until <strong>{formatDate(until)}</strong>: sign in again before then.
              </>
            ) : (
              <>You can reactivate it for six months: sign in again before then.</>
            )}{' '}
            After that, your account and its data are destroyed, as section 5 of our privacy notice says.
          </p>
          <div className="form-actions">
            <Link to="/sign-in" className="btn btn-secondary">
              Sign in again
            </Link>
          </div>
        </div>
      </section>
    </FocusShell>
  );
}

/** What a closed account sees on every page: the deadline, reactivation and sign-out. */
export function ClosedAccountPage({ me }: { me: Me }) {
  const reactivate = useReactivateAccount();
  const signOut = useSignOut();
  const busy = reactivate.isPending || reactivate.isSuccess || signOut.isPending;
  return (
    <FocusShell>
      <section className="auth-card card" aria-labelledby="closed-account-title">
        <div className="auth-card-body">
          <h1 id="closed-account-title" className="auth-title" tabIndex={-1}>
            Your account is closed
          </h1>
          <p className="auth-lead">
            You closed it on {formatDate(me.closedAt)}. Until <strong>{formatDate(me.reactivationDeadline)}</strong> you can reactivate it and carry on
            where you left off; after that, your account and its data are destroyed, as section 5 of our privacy notice says.
          </p>
          <p className="muted-text">Teams deleted and API keys revoked when you closed it don’t come back.</p>
          {reactivate.isError ? (
            <Notice tone="danger" role="alert" title="Your account wasn’t reactivated.">
              {reactivate.error.message}
            </Notice>
          ) : null}
          {signOut.isError ? (
            <Notice tone="danger" role="alert" title="Couldn’t sign you out.">
              {signOut.error.message}
            </Notice>
          ) : null}
          <div className="form-actions">
            <Button variant="primary" onClick={() => reactivate.mutate()} disabled={busy}>
              {reactivate.isPending || reactivate.isSuccess ? 'Reactivating…' : 'Reactivate my account'}
            </Button>
            <Button variant="ghost" onClick={() => signOut.mutate()} disabled={busy}>
              {signOut.isPending ? 'Signing out…' : 'Sign out'}
            </Button>
          </div>
        </div>
      </section>
    </FocusShell>
  );
}
