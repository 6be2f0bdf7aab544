import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import { inTransaction } from '../../shared/context.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { ApiKeysService } from '../teams/api-keys.service.ts';
import { TeamsService } from '../teams/teams.service.ts';
import { teamsRepository } from '../teams/teams.repository.ts';

export interface DevDeps {
  config: Config;
  accounts: AccountsService;
  teams: TeamsService;
  apiKeys: ApiKeysService;
}

/**
 * Development helpers of the embedded default, mounted only while the built-in sandboxes are
 * on (never with production providers): they answer 404 otherwise, like any unknown path.
 */
export function devRoutes(app: FastifyInstance, deps: DevDeps) {
  if (!deps.config.sandboxesEnabled) return;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/dev/seed', {
    config: { auth: 'public' },
    schema: {
      hide: true,
      body: z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(200) }),
    },
  }, async (req) => {
    // A person (found by e-mail or created), their default team and a fresh API key, as the
    // development sign-in would leave them; scripts and checks use it to get credentials.
    return inTransaction(req.ctx, async (ctx) => {
      let userId = await deps.accounts.findIdByEmail(ctx.tx, req.body.email);
      userId ??= (await deps.accounts.create(ctx, req.body)).id;
      const actorCtx = { ...ctx, actor: { type: 'user' as const, id: userId } };
      const teamId =
        (await teamsRepository.firstTeamOf(ctx.tx, userId)) ??
        (await deps.teams.create(actorCtx, { name: TeamsService.defaultTeamName(req.body.name), ownerId: userId })).id;
      const key = await deps.apiKeys.create(ctx.tx, { teamId, createdBy: userId, name: 'development seed' });
      return { userId, teamId, apiKey: key.secret };
    });
  });
}
