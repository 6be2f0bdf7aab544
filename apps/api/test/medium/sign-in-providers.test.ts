/**
 * Google and GitHub sign-in through the real openid-client flow: oauth2-mock-server stands in for
 * Google (discovery, PKCE, signed ID tokens with the nonce), a loopback fake for GitHub and its
 * quirks. Linking several providers to one account, and unlinking.
 */
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';
import { TestBrowser } from '../browser.ts';
import { startGitHubFake, type GitHubAccount } from '../fakes/github.fake.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;
const PUBLIC_URL = 'http://localhost:8080';

interface GooglePerson {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  picture?: string;
}

let seq = 0;
const uniq = () => `${process.pid}${++seq}${Math.floor(Math.random() * 1e6)}`;

describe(`Google and GitHub sign-in (${dbKind})`, () => {
  let google: OAuth2Server;
  let github: Awaited<ReturnType<typeof startGitHubFake>>;
  let t: TestPlatform;
  let googlePerson: GooglePerson;

  beforeAll(async () => {
    google = new OAuth2Server();
    await google.issuer.keys.generate('RS256');
    await google.start(0, '127.0.0.1');
    google.issuer.url = `http://127.0.0.1:${google.address().port}`;
    // Shape the ID token like Google's.
    google.service.on('beforeTokenSigning', (token) => {
      Object.assign(token.payload, googlePerson);
    });
    github = await startGitHubFake();
    t = await startTestPlatform({
      PUBLIC_URL,
      GOOGLE_CLIENT_ID: 'google-client.apps.example',
      GOOGLE_CLIENT_SECRET: 'google-secret',
      GOOGLE_ISSUER: google.issuer.url,
      ...github.env,
    });
  });
  afterAll(async () => {
    await t?.close();
    await github?.close();
    await google?.stop();
  });

  const browser = () => new TestBrowser(t.app, PUBLIC_URL);

  /** Follows a provider's redirects over real HTTP until it sends the browser back to us. */
  async function throughProvider(b: TestBrowser, authorizationUrl: string) {
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = res.headers.get('location')!;
    expect(back.startsWith(`${PUBLIC_URL}/auth/`)).toBe(true);
    return b.get(back);
  }

  async function signInWith(b: TestBrowser, provider: 'google' | 'github', returnTo = '/') {
    const start = await b.get(`/auth/${provider}/start?returnTo=${encodeURIComponent(returnTo)}`);
    expect(start.statusCode).toBe(302);
    return throughProvider(b, String(start.headers.location));
  }

  const newGooglePerson = (over: Partial<GooglePerson> = {}): GooglePerson => {
    const id = uniq();
    return { sub: `1098765${id}`, email: `grace.${id}@gmail.example`, email_verified: true, name: 'Grace Ingabire', picture: `https://lh3.example/a/${id}`, ...over };
  };
  const newGitHubAccount = (over: Partial<GitHubAccount> = {}): GitHubAccount => {
    const id = Number(uniq().slice(0, 12));
    return {
      id,
      login: `octo${id}`,
      name: 'Olivier Habimana',
      avatarUrl: `https://avatars.example/u/${id}`,
      emails: [
        { email: `old.${id}@example.rw`, primary: false, verified: true },
        { email: `olivier.${id}@example.rw`, primary: true, verified: true },
        { email: `spare.${id}@example.rw`, primary: false, verified: false },
      ],
      ...over,
    };
  };

  it('offers Google and GitHub, and no development sign-in or seed', async () => {
    const res = await t.app.inject({ url: '/api/v1/auth/providers' });
    expect(res.json().data.map((p: { id: string }) => p.id)).toEqual(['google', 'github']);
    expect((await t.app.inject({ url: '/auth/dev/start' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/oidc/.well-known/openid-configuration' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/api/dev/seed', payload: {} })).statusCode).toBe(404);
  });

  describe('Google', () => {
    it('creates the account from the ID token, and finds it again by sub (not by e-mail)', async () => {
      googlePerson = newGooglePerson();
      const b = browser();
      const start = await b.get('/auth/google/start?returnTo=/billing');
      const authorize = new URL(String(start.headers.location));
      expect(authorize.origin).toBe(google.issuer.url);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        client_id: 'google-client.apps.example',
        redirect_uri: `${PUBLIC_URL}/auth/google/callback`,
        scope: 'openid email profile',
        code_challenge_method: 'S256',
        response_type: 'code',
      });
      expect(authorize.searchParams.get('nonce')).toBeTruthy();
      const callback = await throughProvider(b, authorize.toString());
      expect(callback.headers.location).toBe('/billing');
      const me = (await b.get('/api/v1/me')).json().data;
      expect(me).toMatchObject({ name: 'Grace Ingabire', email: googlePerson.email, avatarUrl: googlePerson.picture, identities: [{ provider: 'google' }] });
      expect(me.teams).toEqual([expect.objectContaining({ name: "Grace's Team", role: 'OWNER' })]);

      // Same sub with a changed address: the same account.
      googlePerson = { ...googlePerson, email: `renamed.${uniq()}@gmail.example` };
      const again = browser();
      await signInWith(again, 'google');
      expect((await again.get('/api/v1/me')).json().data.id).toBe(me.id);
    });

    it('refuses an address Google has not verified', async () => {
      googlePerson = newGooglePerson({ email_verified: false });
      const b = browser();
      const res = await signInWith(b, 'google');
      expect(res.headers.location).toBe('/sign-in?error=email_unverified');
      expect(b.cookie('sc_session')).toBeUndefined();
    });

    it('refuses a wrong state and a replayed callback', async () => {
      googlePerson = newGooglePerson();
      const b = browser();
      const start = await b.get('/auth/google/start');
      const res = await fetch(String(start.headers.location), { redirect: 'manual' });
      const back = new URL(res.headers.get('location')!);
      const forged = new URL(back);
      forged.searchParams.set('state', 'x'.repeat(43));
      expect((await b.get(forged.toString())).headers.location).toBe('/sign-in?error=refused');

      const ok = browser();
      const s2 = await ok.get('/auth/google/start');
      const r2 = await fetch(String(s2.headers.location), { redirect: 'manual' });
      const attempt = ok.cookie('sc_signin')!;
      expect((await ok.get(r2.headers.get('location')!)).headers.location).toBe('/');
      ok.jar.set('sc_signin', { value: attempt, path: '/auth' });
      const replay = await ok.get(r2.headers.get('location')!);
      expect(replay.headers.location).toBe('/sign-in?error=expired');
    });
  });

  describe('GitHub', () => {
    it('keys on the numeric id, takes the primary verified address, and sends a User-Agent', async () => {
      const account = newGitHubAccount();
      github.signInAs(account);
      const b = browser();
      const start = await b.get('/auth/github/start');
      const authorize = new URL(String(start.headers.location));
      expect(authorize.origin + authorize.pathname).toBe(`${github.url}/login/oauth/authorize`);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ scope: 'read:user user:email', code_challenge_method: 'S256' });
      const before = github.seen.userAgents.length;
      const callback = await throughProvider(b, authorize.toString());
      expect(callback.headers.location).toBe('/');
      const me = (await b.get('/api/v1/me')).json().data;
      expect(me).toMatchObject({ name: 'Olivier Habimana', email: account.emails[1]!.email, avatarUrl: account.avatarUrl, identities: [{ provider: 'github' }] });
      const agents = github.seen.userAgents.slice(before);
      expect(agents).toHaveLength(2);
      for (const ua of agents) expect(ua).toBeTruthy();

      // A renamed login is still the same account.
      github.signInAs({ ...account, login: 'renamed', name: null });
      const again = browser();
      await signInWith(again, 'github');
      expect((await again.get('/api/v1/me')).json().data.id).toBe(me.id);
    });

    it('takes a token error answered with HTTP 200 as a failed sign-in', async () => {
      github.signInAs(newGitHubAccount());
      github.failNextToken('bad_verification_code');
      const b = browser();
      const res = await signInWith(b, 'github');
      expect(res.headers.location).toBe('/sign-in?error=refused');
      expect(b.cookie('sc_session')).toBeUndefined();
    });

    it('refuses an account whose primary address is not verified', async () => {
      const id = uniq();
      github.signInAs(newGitHubAccount({ emails: [{ email: `p.${id}@example.rw`, primary: true, verified: false }, { email: `v.${id}@example.rw`, primary: false, verified: true }] }));
      const b = browser();
      const res = await signInWith(b, 'github');
      expect(res.headers.location).toBe('/sign-in?error=email_unverified');
      expect(b.cookie('sc_session')).toBeUndefined();
    });

    it('does not take over an account made with Google that has the same address', async () => {
      googlePerson = newGooglePerson();
      await signInWith(browser(), 'google');
      const id = uniq();
      github.signInAs(newGitHubAccount({ emails: [{ email: googlePerson.email.toUpperCase(), primary: true, verified: true }, { email: `x.${id}@example.rw`, primary: false, verified: true }] }));
      const b = browser();
      const res = await signInWith(b, 'github');
      expect(res.headers.location).toBe('/sign-in?error=account_exists');
      expect(b.cookie('sc_session')).toBeUndefined();
    });
  });

  describe('linking providers', () => {
    it('links GitHub to a Google account, signs in with either, and keeps at least one', async () => {
      googlePerson = newGooglePerson();
      const b = browser();
      await signInWith(b, 'google');
      const userId = (await b.get('/api/v1/me')).json().data.id;

      const gh = newGitHubAccount();
      github.signInAs(gh);
      const link = await b.change('POST', '/api/v1/me/identities/github', { returnTo: '/settings/account' });
      expect(link.statusCode).toBe(200);
      const session = b.cookie('sc_session');
      const back = await throughProvider(b, link.json().data.authorizationUrl);
      expect(back.headers.location).toBe('/settings/account');
      expect(b.cookie('sc_session')).toBe(session);
      expect((await b.get('/api/v1/me')).json().data.identities.map((i: { provider: string }) => i.provider)).toEqual(['google', 'github']);

      const viaGitHub = browser();
      await signInWith(viaGitHub, 'github');
      expect((await viaGitHub.get('/api/v1/me')).json().data.id).toBe(userId);

      expect((await b.change('DELETE', '/api/v1/me/identities/google')).statusCode).toBe(200);
      const last = await b.change('DELETE', '/api/v1/me/identities/github');
      expect(last.statusCode).toBe(409);
      expect(last.json().code).toBe('CONFLICT');
      expect((await b.get('/api/v1/me')).json().data.identities.map((i: { provider: string }) => i.provider)).toEqual(['github']);
    });

    it('refuses to link a provider account that belongs to someone else', async () => {
      const taken = newGitHubAccount();
      github.signInAs(taken);
      await signInWith(browser(), 'github');

      googlePerson = newGooglePerson();
      const b = browser();
      await signInWith(b, 'google');
      github.signInAs(taken);
      const link = await b.change('POST', '/api/v1/me/identities/github', { returnTo: '/settings/account' });
      const back = await throughProvider(b, link.json().data.authorizationUrl);
      expect(back.headers.location).toBe('/settings/account?error=already_linked');
      expect((await b.get('/api/v1/me')).json().data.identities).toHaveLength(1);
    });

    it('needs a session and the CSRF token to start linking', async () => {
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/me/identities/github' })).statusCode).toBe(401);
      googlePerson = newGooglePerson();
      const b = browser();
      await signInWith(b, 'google');
      const res = await b.request({ method: 'POST', url: '/api/v1/me/identities/github', headers: { origin: PUBLIC_URL } });
      expect(res.statusCode).toBe(403);
    });
  });
});
