/**
 * A loopback stand-in for GitHub's OAuth app flow and the two REST calls sign-in makes, with the
 * quirks that matter: the token endpoint answers errors with HTTP 200 and `{ error }`; PKCE S256
 * is checked when a challenge was sent; `/user` carries a numeric `id`; `/user/emails` lists
 * addresses with `primary` and `verified` flags; the REST API refuses requests without a
 * `User-Agent` (403), as GitHub does.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

export interface GitHubAccount {
  id: number;
  login: string;
  name: string | null;
  avatarUrl: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export async function startGitHubFake() {
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  let account: GitHubAccount = { id: 1_000_001, login: 'octo', name: 'Octo Cat', avatarUrl: 'https://avatars.example/u/1000001', emails: [] };
  const codes = new Map<string, { challenge: string | null; account: GitHubAccount; redirectUri: string }>();
  const tokens = new Map<string, GitHubAccount>();
  const seen = { userAgents: [] as (string | undefined)[], tokenRequests: 0 };
  let nextTokenError: string | null = null;

  app.get('/login/oauth/authorize', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const code = crypto.randomBytes(10).toString('hex');
    codes.set(code, { challenge: q.code_challenge_method === 'S256' ? q.code_challenge ?? null : null, account, redirectUri: q.redirect_uri! });
    const to = new URL(q.redirect_uri!);
    to.searchParams.set('code', code);
    if (q.state) to.searchParams.set('state', q.state);
    return reply.redirect(to.toString(), 302);
  });

  app.post('/login/oauth/access_token', async (req, reply) => {
    seen.tokenRequests++;
    const b = req.body as Record<string, string>;
    // GitHub answers form-encoded unless asked for JSON.
    if (!String(req.headers.accept ?? '').includes('application/json')) return reply.type('application/x-www-form-urlencoded').send('error=unsupported_accept');
    const err = (error: string) => reply.code(200).send({ error, error_description: `fake: ${error}`, error_uri: 'https://docs.github.com/' });
    if (nextTokenError) {
      const e = nextTokenError;
      nextTokenError = null;
      return err(e);
    }
    if (b.client_id !== 'gh-client' || b.client_secret !== 'gh-secret') return err('incorrect_client_credentials');
    const grant = codes.get(b.code ?? '');
    codes.delete(b.code ?? '');
    if (!grant) return err('bad_verification_code');
    if (b.redirect_uri !== grant.redirectUri) return err('redirect_uri_mismatch');
    if (grant.challenge && crypto.createHash('sha256').update(b.code_verifier ?? '').digest('base64url') !== grant.challenge) return err('bad_verification_code');
    const token = `gho_${crypto.randomBytes(12).toString('hex')}`;
    tokens.set(token, grant.account);
    return { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' };
  });

  const api = (handler: (a: GitHubAccount) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    seen.userAgents.push(req.headers['user-agent']);
    if (!req.headers['user-agent']) return reply.code(403).send({ message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.' });
    const a = tokens.get(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!a) return reply.code(401).send({ message: 'Bad credentials' });
    return handler(a);
  };
  app.get('/user', api((a) => ({ login: a.login, id: a.id, node_id: `U_${a.id}`, avatar_url: a.avatarUrl, name: a.name, email: null })));
  app.get('/user/emails', api((a) => a.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null }))));

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    seen,
    /** The GitHub account the next authorization signs in as. */
    signInAs(a: GitHubAccount) {
      account = a;
    },
    /** The next token request fails the GitHub way: HTTP 200 with `{ error }`. */
    failNextToken(error: string) {
      nextTokenError = error;
    },
    env: { GITHUB_CLIENT_ID: 'gh-client', GITHUB_CLIENT_SECRET: 'gh-secret', GITHUB_BASE: url, GITHUB_API_BASE: url },
    close: () => app.close(),
  };
}
