import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { CustomFetch } from 'openid-client';
import type { Clock } from '../../../shared/clock.ts';
import type { KeyedHasher } from '../../privacy/index.ts';

/** Where the development provider lives on our own server. */
export const DEV_OIDC_PATH = '/dev/oidc';

const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 300;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_PARAM = 512;

/** The parameters of an authorization request this provider accepts. */
export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  response_type: 'code';
  scope: string;
  state: string;
  nonce: string;
  code_challenge: string;
  code_challenge_method: 'S256';
}

export interface DevPerson {
  name: string;
  email: string;
}

interface CodeGrant {
  params: AuthorizeParams;
  person: DevPerson;
  sub: string;
  expiresAt: number;
}

export type OidcReply = { status: number; body: Record<string, unknown> };

/** Something that answers HTTP requests in process (a Fastify app's `inject`). */
export interface InjectTarget {
  inject(opts: { method: string; url: string; headers: Record<string, string>; payload?: string }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    rawPayload: Buffer;
  }>;
}

/**
 * The built-in development OpenID provider ("sign in as…") of the embedded default, mounted on
 * our own server at `/dev/oidc` while no real provider is configured and the sandboxes are on.
 * It speaks the OpenID Connect contract our client needs: discovery, authorization code with PKCE
 * S256 (required), single-use codes, ES256 ID tokens with the nonce, JWKS and userinfo. It checks
 * nobody's identity: whoever reaches the page can sign in as anyone, which is why it only exists in
 * sandbox mode, behind the console's sandbox banner.
 *
 * Codes, access tokens and the signing key live in this process's memory, so it serves one
 * process (`strettch serve`); a restart ends sign-ins in progress, not sessions.
 *
 * Our own client reaches it in process: `fetch` hands each back-channel request (discovery,
 * token, JWKS) to the Fastify app through `inject`, so the real openid-client flow runs without
 * the server calling itself over the network (PUBLIC_URL may name a proxy or a host name the
 * server cannot resolve, and tests need no listening socket).
 */
export class DevOidcProvider {
  readonly issuer: string;
  readonly clientId = 'strettch-console-dev';
  /** Per process: only our own client, in this process, ever knows it. */
  readonly clientSecret = crypto.randomBytes(32).toString('base64url');
  readonly redirectUri: string;
  private readonly origin: string;
  private readonly codes = new Map<string, CodeGrant>();
  private readonly accessTokens = new Map<string, { sub: string; person: DevPerson; expiresAt: number }>();
  private keys: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined;
  private target: InjectTarget | undefined;

  constructor(
    publicUrl: string,
    private readonly clock: Clock,
    private readonly hasher: KeyedHasher,
  ) {
    this.issuer = `${publicUrl}${DEV_OIDC_PATH}`;
    this.redirectUri = `${publicUrl}/auth/dev/callback`;
    this.origin = new URL(publicUrl).origin;
  }

  /** Connects the in-process transport; called when the routes are mounted. */
  attach(target: InjectTarget): void {
    this.target = target;
  }

  /** openid-client's fetch for this provider: requests to our own origin, answered in process. */
  readonly fetch: CustomFetch = async (url, init) => {
    const u = new URL(url);
    if (!this.target) throw new Error('The development sign-in provider is not mounted.');
    if (u.origin !== this.origin || !u.pathname.startsWith(`${DEV_OIDC_PATH}/`)) throw new Error('The development sign-in client only talks to the development provider.');
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : Buffer.from(init.body as ArrayBuffer).toString('utf8');
    const res = await this.target.inject({ method: init.method, url: `${u.pathname}${u.search}`, headers: init.headers, payload: body });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [String(v)]) headers.append(k, one);
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };

  /** The same person always gets the same subject on this installation (keyed by the key file). */
  subjectFor(email: string): string {
    return `dev-${this.hasher.hash('dev-oidc-subject', email.trim().toLowerCase()).slice(0, 32)}`;
  }

  metadata(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      userinfo_endpoint: `${this.issuer}/userinfo`,
      jwks_uri: `${this.issuer}/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid', 'email', 'profile'],
      claims_supported: ['sub', 'name', 'email', 'email_verified'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  /**
   * Checks an authorization request. `fatal` problems (unknown client or redirect URI) must not
   * redirect anywhere (RFC 6749 §4.1.2.1); the others could, but a developer reads them better on
   * the page.
   */
  checkAuthorize(q: Record<string, unknown>): { ok: true; params: AuthorizeParams } | { ok: false; message: string } {
    const str = (k: string) => (typeof q[k] === 'string' && (q[k] as string).length <= MAX_PARAM ? (q[k] as string) : undefined);
    if (str('client_id') !== this.clientId) return { ok: false, message: 'Unknown client.' };
    if (str('redirect_uri') !== this.redirectUri) return { ok: false, message: 'The redirect URI is not registered for this client.' };
    if (str('response_type') !== 'code') return { ok: false, message: 'Only response_type=code is supported.' };
    const scope = str('scope');
    if (!scope?.split(' ').includes('openid')) return { ok: false, message: 'The scope must include openid.' };
    const state = str('state');
    const nonce = str('nonce');
    if (!state || !nonce) return { ok: false, message: 'state and nonce are required.' };
    const challenge = str('code_challenge');
    if (str('code_challenge_method') !== 'S256' || !challenge || challenge.length !== 43 || !B64URL.test(challenge)) {
      return { ok: false, message: 'PKCE with code_challenge_method=S256 is required.' };
    }
    return { ok: true, params: { client_id: this.clientId, redirect_uri: this.redirectUri, response_type: 'code', scope, state, nonce, code_challenge: challenge, code_challenge_method: 'S256' } };
  }

  /** The person chose to sign in: a single-use code, sent back to the client's redirect URI. */
  approve(params: AuthorizeParams, person: DevPerson): URL {
    this.sweep();
    const code = crypto.randomBytes(32).toString('base64url');
    this.codes.set(code, { params, person, sub: this.subjectFor(person.email), expiresAt: this.clock.now().getTime() + CODE_TTL_MS });
    const to = new URL(params.redirect_uri);
    to.searchParams.set('code', code);
    to.searchParams.set('state', params.state);
    to.searchParams.set('iss', this.issuer);
    return to;
  }

  /** The person cancelled: RFC 6749 §4.1.2.1 `access_denied`. */
  deny(params: AuthorizeParams): URL {
    const to = new URL(params.redirect_uri);
    to.searchParams.set('error', 'access_denied');
    to.searchParams.set('state', params.state);
    to.searchParams.set('iss', this.issuer);
    return to;
  }

  /** The token endpoint (RFC 6749 §4.1.3, PKCE RFC 7636 §4.6). */
  async token(body: Record<string, unknown>, authorization: string | undefined): Promise<OidcReply> {
    const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    let clientId = field('client_id');
    let secret = field('client_secret');
    if (authorization?.startsWith('Basic ')) {
      const [id, s] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').map((p) => decodeURIComponent(p));
      clientId = id;
      secret = s;
    }
    if (clientId !== this.clientId || !secret || !safeEqual(secret, this.clientSecret)) return { status: 401, body: { error: 'invalid_client' } };
    if (field('grant_type') !== 'authorization_code') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const code = field('code') ?? '';
    const grant = this.codes.get(code);
    // Single use: the code is gone whatever happens next (RFC 6749 §4.1.2).
    this.codes.delete(code);
    const now = this.clock.now().getTime();
    if (!grant || grant.expiresAt <= now) return { status: 400, body: { error: 'invalid_grant', error_description: 'The code is unknown, used or expired.' } };
    if (field('redirect_uri') !== grant.params.redirect_uri) return { status: 400, body: { error: 'invalid_grant', error_description: 'redirect_uri does not match.' } };
    const verifier = field('code_verifier') ?? '';
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    if (verifier.length < 43 || !safeEqual(challenge, grant.params.code_challenge)) return { status: 400, body: { error: 'invalid_grant', error_description: 'PKCE verification failed.' } };

    const { privateKey, jwk } = await this.signingKey();
    const iat = Math.floor(now / 1000);
    const idToken = await new SignJWT({ nonce: grant.params.nonce, email: grant.person.email, email_verified: true, name: grant.person.name, auth_time: iat })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(grant.sub)
      .setAudience(this.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_TTL_S)
      .sign(privateKey);
    const accessToken = crypto.randomBytes(32).toString('base64url');
    this.accessTokens.set(accessToken, { sub: grant.sub, person: grant.person, expiresAt: now + TOKEN_TTL_S * 1000 });
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S, id_token: idToken, scope: grant.params.scope } };
  }

  userinfo(authorization: string | undefined): OidcReply {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const found = this.accessTokens.get(token);
    if (!found || found.expiresAt <= this.clock.now().getTime()) return { status: 401, body: { error: 'invalid_token' } };
    return { status: 200, body: { sub: found.sub, name: found.person.name, email: found.person.email, email_verified: true } };
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.signingKey()).jwk] };
  }

  private signingKey(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    this.keys ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      return { privateKey, jwk: { ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'ES256', use: 'sig' } };
    })();
    return this.keys;
  }

  /** Drops expired codes and tokens so the maps cannot grow without bound. */
  private sweep(): void {
    const now = this.clock.now().getTime();
    if (this.codes.size > 1000) for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
    if (this.accessTokens.size > 1000) for (const [k, v] of this.accessTokens) if (v.expiresAt <= now) this.accessTokens.delete(k);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
