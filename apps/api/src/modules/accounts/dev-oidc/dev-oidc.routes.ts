import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../../config.ts';
import { DEV_OIDC_PATH, type DevOidcProvider, type InjectTarget } from './dev-oidc.provider.ts';
import { errorPage, signInPage } from './dev-oidc.page.ts';

export interface DevOidcRouteDeps {
  config: Config;
  devOidc: DevOidcProvider | undefined;
}

const PersonSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(200, 'The name is too long.'),
  email: z.email('Enter an e-mail address such as ada@example.rw.').max(254, 'The e-mail address is too long.'),
});

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/**
 * The development OpenID provider's endpoints, mounted only while the development sign-in is
 * active (sandboxes on, no Google or GitHub configured); 404 otherwise, like any unknown path.
 * Hidden from the OpenAPI document: they are the provider's contract, not ours.
 */
export function devOidcRoutes(app: FastifyInstance, deps: DevOidcRouteDeps) {
  const op = deps.devOidc;
  if (!deps.config.devSignIn || !op) return;
  op.attach(app as unknown as InjectTarget);
  const config = { auth: 'public' as const };

  app.register(async (scope) => {
    // Form posts (the sign-in page, and openid-client's token request) are URL-encoded.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get(`${DEV_OIDC_PATH}/.well-known/openid-configuration`, { config, schema: { hide: true } }, async () => op.metadata());
    scope.get(`${DEV_OIDC_PATH}/jwks`, { config, schema: { hide: true } }, async () => op.jwks());

    scope.get(`${DEV_OIDC_PATH}/authorize`, { config, schema: { hide: true } }, async (req, reply) => {
      const checked = op.checkAuthorize(req.query as Record<string, unknown>);
      noStore(reply).type('text/html; charset=utf-8');
      if (!checked.ok) return reply.code(400).send(errorPage(checked.message));
      return reply.send(signInPage(checked.params));
    });

    scope.post(`${DEV_OIDC_PATH}/authorize`, { config, schema: { hide: true } }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const checked = op.checkAuthorize(body);
      noStore(reply).type('text/html; charset=utf-8');
      if (!checked.ok) return reply.code(400).send(errorPage(checked.message));
      if (body.action === 'cancel') return reply.redirect(op.deny(checked.params).toString(), 303);
      const person = PersonSchema.safeParse(body);
      if (!person.success) {
        const issue = person.error.issues[0]!;
        const field = issue.path[0] === 'name' ? 'name' : 'email';
        const values = { name: typeof body.name === 'string' ? body.name : '', email: typeof body.email === 'string' ? body.email : '' };
        return reply.code(400).send(signInPage(checked.params, values, { field, message: issue.message }));
      }
      return reply.redirect(op.approve(checked.params, person.data).toString(), 303);
    });

    scope.post(`${DEV_OIDC_PATH}/token`, { config, schema: { hide: true } }, async (req, reply) => {
      const r = await op.token((req.body ?? {}) as Record<string, unknown>, req.headers.authorization);
      return noStore(reply).code(r.status).send(r.body);
    });

    scope.get(`${DEV_OIDC_PATH}/userinfo`, { config, schema: { hide: true } }, async (req, reply) => {
      const r = op.userinfo(req.headers.authorization);
      return noStore(reply).code(r.status).send(r.body);
    });
  });
}
