import { useEffect } from 'react';
import type { components } from '@strettch/sdk';
import { safeReturnTo, useMe, useSignInProviders } from '../../api/account.ts';
import { FocusShell } from '../../components/layout/FocusShell.tsx';
import { Icon, type IconName } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { navigate } from '../../routes/router.tsx';
import { ACCEPT_INVITATION_PATH } from '../team/invitation-link.ts';

type Provider = components['schemas']['SignInProvider'];

/** What `/sign-in?error=<reason>` means, in words (reasons from the API's SignInFailure). */
const errorMessages: Record<string, { title: string; text: string }> = {
  expired: { title: 'That sign-in expired.', text: 'It took too long or the link was already used. Please start again.' },
  refused: { title: 'We couldn’t confirm that sign-in.', text: 'The provider’s answer did not pass our checks, so you were not signed in. Please try again.' },
  access_denied: { title: 'Sign-in cancelled.', text: 'You cancelled at the provider. Choose a way to sign in when you are ready.' },
  email_unverified: { title: 'Your e-mail address isn’t verified.', text: 'The provider did not give us a verified e-mail address. Verify it there, then sign in again.' },
  account_exists: {
    title: 'You already have an account.',
    text: 'An account with this e-mail address signs in with another provider. Use that one; you can link more from Account & Privacy.',
  },
  already_linked: { title: 'That account is linked elsewhere.', text: 'This provider account already belongs to another Strettch Cloud account.' },
  provider_linked: { title: 'A different account is already linked.', text: 'Your account already has another account of this provider linked.' },
  account_closed: {
    title: 'This account was closed.',
    text: 'It was closed more than six months ago, so it can no longer be reactivated: its data is destroyed as our privacy notice says.',
  },
};

const fallbackError = { title: 'Sign-in didn’t complete.', text: 'Something went wrong on the way back from the provider. Please try again.' };

const providerIcon: Record<Provider['id'], IconName> = { google: 'globe', github: 'key', dev: 'flask' };

function providerHref(provider: Provider, returnTo: string): string {
  return `${provider.startUrl}?returnTo=${encodeURIComponent(returnTo)}`;
}

/**
 * `/sign-in`: one button per provider from `GET /auth/providers`. Signing in is a full-page
 * trip (`/auth/{provider}/start` → provider → callback) that comes back to `returnTo` with the
 * session cookie set, or here with `?error=<reason>`.
 */
export function SignInPage() {
  const params = new URLSearchParams(window.location.search);
  const returnTo = safeReturnTo(params.get('returnTo'));
  const error = params.get('error');
  const signedOut = params.get('signedOut') === '1';
  const providers = useSignInProviders();
  const me = useMe();

  // Already signed in: nothing to do here.
  useEffect(() => {
    if (me.data) navigate(returnTo, { replace: true });
  }, [me.data, returnTo]);

  const message = error ? (errorMessages[error] ?? fallbackError) : null;
  const forInvitation = returnTo === ACCEPT_INVITATION_PATH;

  return (
    <FocusShell>
      <section className="auth-card card" aria-labelledby="sign-in-title">
        <div className="auth-card-body">
          <h1 id="sign-in-title" className="auth-title" tabIndex={-1}>
            Sign in to Strettch Cloud
          </h1>
          <p className="auth-lead">Computes, DNS and billing for your team, hosted in Rwanda. New here? Signing in creates your account.</p>

          {message ? (
            <Notice tone="danger" role="alert" title={message.title}>
              {message.text}
            </Notice>
          ) : null}
          {signedOut && !message ? <Notice tone="info" role="status" title="You’re signed out." /> : null}
          {forInvitation ? (
            <Notice tone="info" icon="mail" title="Sign in to accept your invitation.">
              Use the e-mail address the invitation was sent to. You’ll come back to the invitation afterwards.
            </Notice>
          ) : null}

          <QueryView query={providers} what="the ways to sign in">
            {(list) =>
              list.length === 0 ? (
                <Notice tone="warning" title="No way to sign in is configured.">
                  An operator must set up Google or GitHub sign-in for this installation.
                </Notice>
              ) : (
                <ul className="provider-list">
                  {list.map((provider) => (
                    <li key={provider.id}>
                      <a className="btn btn-secondary provider-button" href={providerHref(provider, returnTo)} data-provider={provider.id}>
                        <Icon name={providerIcon[provider.id]} size={18} />
                        <span>{provider.id === 'dev' ? provider.name : `Continue with ${provider.name}`}</span>
                      </a>
                      {provider.id === 'dev' ? <p className="provider-hint">Sandbox only: sign in as any name and e-mail address.</p> : null}
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
        </div>
        <p className="auth-card-footer">
          By signing in you agree to the terms of service and acknowledge the privacy notice. We set one cookie, to keep you signed in.
        </p>
      </section>
    </FocusShell>
  );
}
