import crypto from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import { inTransaction } from '../../shared/context.ts';
import type { SignInService } from '../accounts/sign-in.service.ts';
import type { ApiKeysService } from '../teams/api-keys.service.ts';
import { TeamsService } from '../teams/teams.service.ts';
import { teamsRepository } from '../teams/teams.repository.ts';
import type { PhoneService } from '../phone/phone.service.ts';
import type { AgeService } from '../age/age.service.ts';

export interface DevDeps {
  config: Config;
  signIn: SignInService;
  teams: TeamsService;
  apiKeys: ApiKeysService;
  phone: PhoneService;
  age: AgeService;
}

/**
 * Development helpers of the embedded default, mounted only while the development sign-in is
 * active (sandboxes on, no Google or GitHub configured): they answer 404 otherwise, like any
 * unknown path.
 */
export function devRoutes(app: FastifyInstance, deps: DevDeps) {
  if (!deps.config.devSignIn) return;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/dev/seed', {
    config: { auth: 'public' },
    schema: {
      hide: true,
      body: z
        .object({ email: z.email().max(254).optional(), name: z.string().trim().min(1).max(200).optional() })
        .nullish(),
    },
  }, async (req) => {
    // Signs up through the development provider exactly as its "Sign in as…" page would (attempt,
    // code, token exchange, ID-token checks, account, default team, welcome e-mail), then adds an
    // Owner API key. Scripts, demos and black-box checks use it to get credentials.
    const email = req.body?.email ?? `dev-${crypto.randomBytes(4).toString('hex')}@example.rw`;
    const name = req.body?.name ?? 'Dev User';
    return inTransaction(req.ctx, async (ctx) => {
      const account = await deps.signIn.developmentSignIn(ctx, { email, name });
      const userId = account.userId;
      const teamId =
        account.teamId ??
        (await teamsRepository.firstTeamOf(ctx.tx, userId)) ??
        (await deps.teams.create({ ...ctx, actor: { type: 'user', id: userId } }, { name: TeamsService.defaultTeamName(name), ownerId: userId })).id;
      // A seeded person is an adult with a verified phone, so nothing holds back a demo or a check.
      const personCtx = { ...ctx, actor: { type: 'user' as const, id: userId } };
      if (!(await deps.age.status(personCtx)).confirmedAt) await deps.age.confirmDateOfBirth(personCtx, { dateOfBirth: '1990-01-01' });
      if (!(await deps.phone.verifiedPhone(ctx.tx, userId))) {
        await deps.phone.verifyForDevelopment(ctx, userId, `+2507880${crypto.randomInt(10_000, 99_999)}`);
      }
      const key = await deps.apiKeys.create(ctx.tx, { teamId, createdBy: userId, name: 'development seed' });
      return { userId, teamId, apiKey: key.secret };
    });
  });
}
