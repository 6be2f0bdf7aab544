import * as client from 'openid-client';
import type { Config } from '../../config.ts';
import { MINUTE, type Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { TeamsService } from '../teams/teams.service.ts';
import type { SignInProviderId } from './accounts.schema.ts';
import { AccountClosureService } from './account-closure.service.ts';
import type { AccountsService } from './accounts.service.ts';
import type { DevOidcProvider, DevPerson } from './dev-oidc/dev-oidc.provider.ts';
import type { IdentitiesService } from './identities.service.ts';
import { safeReturnTo } from './return-to.ts';
import { sessionOf, type SessionsService } from './sessions.service.ts';
import { signInAttemptsRepository, type SignInAttemptRow } from './sign-in-attempts.repository.ts';
import { GitHubSignInProvider, OidcSignInProvider, SignInError, type ProviderProfile, type SignInFailure, type SignInProvider } from './sign-in-providers.ts';

/** How long a browser has between leaving for the provider and coming back. */
export const ATTEMPT_TTL_MS = 10 * MINUTE;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StartedSignIn {
  /** Goes into the short-lived `sc_signin` cookie; nothing else does. */
  attemptId: string;
  /** Where to send the browser. */
  authorizationUrl: string;
}

export type SignInOutcome =
  | { ok: true; userId: string; created: boolean; linked: boolean; returnTo: string; session: { token: string; expiresAt: Date } | null }
  | { ok: false; reason: SignInFailure; returnTo: string; linking: boolean; error: unknown };

interface ResolvedAccount {
  userId: string;
  created: boolean;
  /** The default team, when the account was created now. */
  teamId: string | null;
}

export interface SignInDeps {
  config: Pick<Config, 'PUBLIC_URL'>;
  clock: Clock;
  accounts: AccountsService;
  teams: Pick<TeamsService, 'create'>;
  sessions: SessionsService;
  identities: IdentitiesService;
  /** The development provider, when it is the active way to sign in. */
  devOidc?: DevOidcProvider;
}

/** The sign-in providers this configuration offers: Google and GitHub when configured, else the development provider. */
export function signInProvidersFor(config: Config, clock: Clock, devOidc: DevOidcProvider | undefined): SignInProvider[] {
  const list: SignInProvider[] = [];
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET) {
    list.push(new OidcSignInProvider({ id: 'google', label: 'Google', issuer: config.GOOGLE_ISSUER, clientId: config.GOOGLE_CLIENT_ID, clientSecret: config.GOOGLE_CLIENT_SECRET }));
  }
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET) {
    list.push(new GitHubSignInProvider({ clientId: config.GITHUB_CLIENT_ID, clientSecret: config.GITHUB_CLIENT_SECRET, base: config.GITHUB_BASE, apiBase: config.GITHUB_API_BASE }));
  }
  if (config.devSignIn && devOidc) {
    list.push(new OidcSignInProvider({ id: 'dev', label: 'Development sign-in', issuer: devOidc.issuer, clientId: devOidc.clientId, clientSecret: devOidc.clientSecret, fetch: devOidc.fetch, clock }));
  }
  return list;
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/**
 * Sign-in through Google, GitHub or the development provider (privacy notice 1A: registration and
 * login only through a provider). Every attempt carries state, PKCE S256 and (OpenID) a nonce,
 * kept server-side in a single-use attempt row that the browser is bound to by the `sc_signin`
 * cookie. A first sign-in creates the account from the provider's profile, its default team and
 * the welcome e-mail; later ones find it by the provider's subject id, never by e-mail.
 */
export class SignInService {
  private readonly byId: Map<SignInProviderId, SignInProvider>;

  constructor(
    private readonly deps: SignInDeps,
    providers: SignInProvider[],
  ) {
    this.byId = new Map(providers.map((p) => [p.id, p]));
  }

  /** The providers offered on the sign-in page, in order. */
  providers(): { id: SignInProviderId; label: string }[] {
    return [...this.byId.values()].map((p) => ({ id: p.id, label: p.label }));
  }

  private provider(id: string): SignInProvider {
    const p = this.byId.get(id as SignInProviderId);
    if (!p) throw new AppError('NOT_FOUND', `Sign-in with ${id.slice(0, 40)} is not available here.`);
    return p;
  }

  redirectUri(provider: SignInProviderId): string {
    return `${this.deps.config.PUBLIC_URL}/auth/${provider}/callback`;
  }

  /**
   * Starts a sign-in, or (with `linkUserId`) the linking of another provider to a signed-in
   * person. `returnTo` is reduced to a safe same-origin path.
   */
  async start(ctx: Context, providerId: string, input: { returnTo?: unknown; linkUserId?: string | null }): Promise<StartedSignIn> {
    const provider = this.provider(providerId);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const now = this.deps.clock.now();
    const attempt = await signInAttemptsRepository.insert(ctx.tx, {
      provider: provider.id,
      state,
      nonce,
      codeVerifier,
      returnTo: safeReturnTo(input.returnTo, this.deps.config.PUBLIC_URL),
      linkUserId: input.linkUserId ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ATTEMPT_TTL_MS),
    });
    const url = await provider.authorizationUrl({ redirectUri: this.redirectUri(provider.id), state, nonce, codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier) });
    return { attemptId: attempt.id, authorizationUrl: url.toString() };
  }

  /** Starts linking another provider to the signed-in person's account (console sessions only). */
  async startLink(ctx: Context, providerId: string, returnTo: unknown): Promise<StartedSignIn> {
    return this.start(ctx, providerId, { returnTo, linkUserId: sessionOf(ctx).userId });
  }

  /**
   * Completes a sign-in from the provider's callback. The attempt is consumed first, so a replayed
   * callback (the same code and state again) finds nothing. On success a new session replaces any
   * the browser had; linking keeps the current session.
   */
  async callback(ctx: Context, providerId: string, input: { attemptId: string | undefined; callbackUrl: URL; previousSessionToken: string | undefined }): Promise<SignInOutcome> {
    const provider = this.provider(providerId);
    let attempt: SignInAttemptRow | undefined;
    try {
      attempt = await this.consume(ctx, provider, input.attemptId);
      const profile = await provider.complete(input.callbackUrl, { state: attempt.state, nonce: attempt.nonce ?? '', codeVerifier: attempt.codeVerifier });
      const account = await this.resolveAccount(ctx, provider.id, profile, attempt.linkUserId);
      if (attempt.linkUserId) return { ok: true, userId: account.userId, created: false, linked: true, returnTo: attempt.returnTo, session: null };
      const session = await inTransaction(ctx, async (ctx) => {
        // No fixation: whatever session the browser brought ends, and a new token is issued.
        await this.deps.sessions.end(ctx, input.previousSessionToken);
        return this.deps.sessions.create(ctx, account.userId);
      });
      return { ok: true, userId: account.userId, created: account.created, linked: false, returnTo: attempt.returnTo, session: { token: session.token, expiresAt: session.expiresAt } };
    } catch (err) {
      const reason: SignInFailure | undefined = err instanceof SignInError ? err.reason : isUniqueViolation(err) ? 'refused' : undefined;
      if (!reason) throw err;
      return { ok: false, reason, returnTo: attempt?.returnTo ?? '/', linking: Boolean(attempt?.linkUserId), error: err };
    }
  }

  /**
   * Signs a person up (or in) through the development provider without a browser: the same
   * attempt, authorization code, token exchange, ID-token checks and account creation as the
   * "Sign in as…" page, for `POST /api/dev/seed`. No session is created.
   */
  async developmentSignIn(ctx: Context, person: DevPerson): Promise<ResolvedAccount> {
    const dev = this.deps.devOidc;
    if (!dev || !this.byId.has('dev')) throw new AppError('NOT_FOUND', 'The development sign-in is not active.');
    const provider = this.provider('dev');
    const started = await this.start(ctx, 'dev', { returnTo: '/' });
    const checked = dev.checkAuthorize(Object.fromEntries(new URL(started.authorizationUrl).searchParams));
    if (!checked.ok) throw new Error(`development provider refused our own request: ${checked.message}`);
    const callbackUrl = dev.approve(checked.params, person);
    const attempt = await this.consume(ctx, provider, started.attemptId);
    const profile = await provider.complete(callbackUrl, { state: attempt.state, nonce: attempt.nonce ?? '', codeVerifier: attempt.codeVerifier });
    return this.resolveAccount(ctx, 'dev', profile, null);
  }

  private async consume(ctx: Context, provider: SignInProvider, attemptId: string | undefined): Promise<SignInAttemptRow> {
    const attempt = attemptId && UUID.test(attemptId) ? await signInAttemptsRepository.consume(ctx.tx, attemptId, this.deps.clock.now()) : undefined;
    if (!attempt) throw new SignInError('expired', 'This sign-in has expired or was already used: start again.');
    if (attempt.provider !== provider.id) throw new SignInError('refused', 'The sign-in came back from another provider than it left for.');
    return attempt;
  }

  /**
   * A closed account signs in (to see its state and reactivate) until its reactivation deadline;
   * after it, sign-in is refused, and the privacy module destroys the data (privacy notice §5).
   */
  private async assertReactivable(ctx: Context, userId: string): Promise<void> {
    const closedAt = await this.deps.accounts.closedAt(ctx.tx, userId);
    if (AccountClosureService.expired(closedAt, this.deps.clock.now())) {
      throw new SignInError('account_closed', 'This account was closed and can no longer be reactivated.');
    }
  }

  private async resolveAccount(ctx: Context, provider: SignInProviderId, profile: ProviderProfile, linkUserId: string | null): Promise<ResolvedAccount> {
    const { accounts, teams, identities } = this.deps;
    return inTransaction(ctx, async (ctx) => {
      const existing = await identities.find(ctx.tx, provider, profile.subject);
      if (linkUserId) {
        if (existing && existing.userId !== linkUserId) throw new SignInError('already_linked', 'This provider account already signs in to another Strettch Cloud account.');
        if (existing) {
          await identities.touch(ctx.tx, existing.id);
          return { userId: linkUserId, created: false, teamId: null };
        }
        if ((await identities.list(ctx.tx, linkUserId)).some((i) => i.provider === provider)) {
          throw new SignInError('provider_linked', `Another ${provider} account is already linked; unlink it first.`);
        }
        await identities.link({ ...ctx, actor: { type: 'user', id: linkUserId } }, linkUserId, provider, profile.subject);
        return { userId: linkUserId, created: false, teamId: null };
      }
      if (existing) {
        await this.assertReactivable(ctx, existing.userId);
        await identities.touch(ctx.tx, existing.id);
        return { userId: existing.userId, created: false, teamId: null };
      }
      const sameEmail = await accounts.findIdByEmail(ctx.tx, profile.email);
      if (sameEmail) {
        await this.assertReactivable(ctx, sameEmail);
        // Linking by e-mail would let whoever controls the address at one provider take over an
        // account made with another: the person signs in as before and links from their settings.
        // The development provider vouches for nothing, so there is nothing to protect.
        if (provider !== 'dev') throw new SignInError('account_exists', 'An account with this e-mail address exists: sign in with the provider you used before, then link this one.');
        await identities.link({ ...ctx, actor: { type: 'user', id: sameEmail } }, sameEmail, provider, profile.subject);
        return { userId: sameEmail, created: false, teamId: null };
      }
      const user = await accounts.create(ctx, { email: profile.email, name: profile.name, avatarUrl: profile.avatarUrl });
      const asUser: Context = { ...ctx, actor: { type: 'user', id: user.id } };
      const team = await teams.create(asUser, { name: TeamsService.defaultTeamName(profile.name), ownerId: user.id });
      await identities.link(asUser, user.id, provider, profile.subject);
      return { userId: user.id, created: true, teamId: team.id };
    });
  }
}
