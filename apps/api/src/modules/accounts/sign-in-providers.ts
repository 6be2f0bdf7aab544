import * as client from 'openid-client';
import type { Clock } from '../../shared/clock.ts';
import type { SignInProviderId } from './accounts.schema.ts';

/** What we keep from a provider's profile at first sign-in (privacy notice 1B). */
export interface ProviderProfile {
  /** The provider's stable id of the person: Google `sub`, GitHub numeric `id`, development `sub`. */
  subject: string;
  /** A verified e-mail address. */
  email: string;
  name: string;
  avatarUrl: string | null;
}

/** Why a sign-in did not complete; the console shows a message per reason. */
export type SignInFailure =
  | 'expired' // no attempt, an expired one, or one already used
  | 'refused' // state, PKCE, nonce or token checks failed, or the provider refused the code
  | 'access_denied' // the person cancelled at the provider
  | 'email_unverified' // no verified e-mail address at the provider
  | 'account_exists' // an account with this e-mail exists, signed in through another provider
  | 'already_linked' // this provider account belongs to another Strettch account
  | 'provider_linked' // the account already has another account of this provider
  | 'account_closed'; // the account was closed and its reactivation period has ended

export class SignInError extends Error {
  constructor(
    readonly reason: SignInFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SignInError';
  }
}

export interface AuthorizationInput {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface CallbackChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** One way to sign in: builds the redirect to the provider and turns its callback into a profile. */
export interface SignInProvider {
  readonly id: SignInProviderId;
  /** Name on the sign-in button. */
  readonly label: string;
  authorizationUrl(input: AuthorizationInput): Promise<URL>;
  /** Exchanges the callback's code (state, PKCE and, for OpenID, nonce checked) and reads the profile. */
  complete(callbackUrl: URL, checks: CallbackChecks): Promise<ProviderProfile>;
}

const MAX_NAME = 200;

/** Provider avatars are shown in the console, whose CSP allows https images only. */
export function safeAvatarUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  try {
    return new URL(value).protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

function displayName(name: unknown, fallback: string): string {
  const n = typeof name === 'string' ? name.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() : '';
  return (n || fallback).slice(0, MAX_NAME);
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
function checkedEmail(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value) ? value : null;
}

/** Maps openid-client's errors onto our reasons; the cause is kept for the (scrubbed) log. */
function failure(err: unknown): SignInError {
  if (err instanceof SignInError) return err;
  if (err instanceof client.AuthorizationResponseError && err.error === 'access_denied') {
    return new SignInError('access_denied', 'The sign-in was cancelled at the provider.', { cause: err });
  }
  return new SignInError('refused', 'The provider did not confirm this sign-in.', { cause: err });
}

export interface OidcProviderOptions {
  id: SignInProviderId;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Outbound HTTP to the provider; global fetch when absent. */
  fetch?: client.CustomFetch;
  /**
   * The provider signs with our clock port (the development provider): tokens are then checked
   * against the same clock, so tests that move time keep working.
   */
  clock?: Clock;
}

/**
 * An OpenID Connect provider (Google; the development provider): discovery, authorization code
 * with PKCE S256, state and nonce, and an ID token whose signature, issuer, audience, expiry and
 * nonce openid-client verifies. Accounts key on `sub`, never on the e-mail address.
 */
export class OidcSignInProvider implements SignInProvider {
  readonly id: SignInProviderId;
  readonly label: string;
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly opts: OidcProviderOptions) {
    this.id = opts.id;
    this.label = opts.label;
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= client
      .discovery(new URL(this.opts.issuer), this.opts.clientId, this.opts.clientSecret, undefined, {
        ...(this.opts.fetch ? { [client.customFetch]: this.opts.fetch } : {}),
        ...(this.opts.issuer.startsWith('http://') ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        // Try discovery again on the next sign-in rather than remembering an outage.
        this.discovered = undefined;
        throw err;
      });
    return this.discovered;
  }

  /** The discovered configuration, with openid-client's notion of "now" taken from the clock port when one is given. */
  private async grantConfiguration(): Promise<client.Configuration> {
    const config = await this.configuration();
    if (!this.opts.clock) return config;
    const skew = Math.round((this.opts.clock.now().getTime() - Date.now()) / 1000);
    if (skew === 0) return config;
    const c = new client.Configuration(config.serverMetadata(), this.opts.clientId, { client_secret: this.opts.clientSecret, [client.clockSkew]: skew });
    if (this.opts.fetch) c[client.customFetch] = this.opts.fetch;
    if (this.opts.issuer.startsWith('http://')) client.allowInsecureRequests(c);
    return c;
  }

  async authorizationUrl(input: AuthorizationInput): Promise<URL> {
    return client.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: input.redirectUri,
      scope: 'openid email profile',
      state: input.state,
      nonce: input.nonce,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async complete(callbackUrl: URL, checks: CallbackChecks): Promise<ProviderProfile> {
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(await this.grantConfiguration(), callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      throw failure(err);
    }
    if (!claims?.sub) throw new SignInError('refused', 'The ID token names nobody.');
    const email = checkedEmail(claims.email);
    // Google sets email_verified; an unverified address could belong to someone else.
    if (!email || claims.email_verified !== true) throw new SignInError('email_unverified', 'The provider has no verified e-mail address for this account.');
    return { subject: claims.sub, email, name: displayName(claims.name, email.split('@')[0]!), avatarUrl: safeAvatarUrl(claims.picture) };
  }
}

export interface GitHubProviderOptions {
  clientId: string;
  clientSecret: string;
  /** https://github.com (authorize and token endpoints). */
  base: string;
  /** https://api.github.com */
  apiBase: string;
}

interface GitHubUser {
  id?: unknown;
  login?: unknown;
  name?: unknown;
  avatar_url?: unknown;
}
interface GitHubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

/**
 * GitHub sign-in: plain OAuth 2.0 (no OpenID), so the Configuration is built by hand. Quirks:
 * the token endpoint answers errors with HTTP 200 and `{ error }` (openid-client refuses a
 * response without an access token); the stable id is the numeric `id` (logins can be renamed);
 * the address is the primary *verified* one from `/user/emails`; the REST API refuses requests
 * without a `User-Agent`.
 */
export class GitHubSignInProvider implements SignInProvider {
  readonly id = 'github' as const;
  readonly label = 'GitHub';
  private readonly config: client.Configuration;

  constructor(private readonly opts: GitHubProviderOptions) {
    const base = opts.base.replace(/\/$/, '');
    this.config = new client.Configuration(
      // GitHub sends no `iss`; this is only a stable name for the server.
      { issuer: 'https://github.com', authorization_endpoint: `${base}/login/oauth/authorize`, token_endpoint: `${base}/login/oauth/access_token` },
      opts.clientId,
      opts.clientSecret,
    );
    if (base.startsWith('http://')) client.allowInsecureRequests(this.config);
  }

  async authorizationUrl(input: AuthorizationInput): Promise<URL> {
    return client.buildAuthorizationUrl(this.config, {
      redirect_uri: input.redirectUri,
      scope: 'read:user user:email',
      state: input.state,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
      allow_signup: 'true',
    });
  }

  async complete(callbackUrl: URL, checks: CallbackChecks): Promise<ProviderProfile> {
    let accessToken: string;
    try {
      const tokens = await client.authorizationCodeGrant(this.config, callbackUrl, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state });
      accessToken = tokens.access_token;
    } catch (err) {
      throw failure(err);
    }
    const [user, emails] = await Promise.all([this.api<GitHubUser>('/user', accessToken), this.api<GitHubEmail[]>('/user/emails', accessToken)]);
    if (typeof user.id !== 'number' || !Number.isSafeInteger(user.id)) throw new SignInError('refused', 'GitHub did not name the account.');
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && e.verified === true) : undefined;
    const email = checkedEmail(primary?.email);
    if (!email) throw new SignInError('email_unverified', 'The GitHub account has no verified primary e-mail address.');
    const login = typeof user.login === 'string' ? user.login : email.split('@')[0]!;
    return { subject: String(user.id), email, name: displayName(user.name, login), avatarUrl: safeAvatarUrl(user.avatar_url) };
  }

  private async api<T>(path: string, token: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.apiBase.replace(/\/$/, '')}${path}`, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'strettch-cloud',
        },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new SignInError('refused', `GitHub ${path} did not answer.`, { cause: err });
    }
    if (!res.ok) throw new SignInError('refused', `GitHub ${path} answered ${res.status}.`);
    return (await res.json()) as T;
  }
}
