import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { InvitationView, ReceivedInvitationView, TeamInvitationsService } from './invitations.service.ts';
import type { MemberView, TeamView, TeamsService, TransferView } from './teams.service.ts';
import {
  DeletedTeamResponseSchema,
  InvitationAcceptSchema,
  InvitationCreateSchema,
  InvitationParamsSchema,
  InvitationResponseSchema,
  MemberParamsSchema,
  MemberRoleUpdateSchema,
  MembershipChangeResponseSchema,
  OwnershipTransferCreateSchema,
  OwnershipTransferResponseSchema,
  ReceivedInvitationResponseSchema,
  TeamCreateSchema,
  TeamIdParamsSchema,
  TeamMemberResponseSchema,
  TeamResponseSchema,
  TeamUpdateSchema,
} from './teams.schemas.ts';

const security = [{ BearerAuth: [] }];
const tags = ['Teams'];

const presentTeam = (t: TeamView) => ({ ...t, createdAt: t.createdAt.toISOString() });
const presentMember = (m: MemberView) => ({ ...m, joinedAt: m.joinedAt.toISOString() });
const presentInvitation = (i: InvitationView) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() });
const presentReceived = (i: ReceivedInvitationView) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() });
const presentTransfer = (t: TransferView) => ({ ...t, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt.toISOString() });
const offset = (q: { page: number; limit: number }) => ({ limit: q.limit, offset: (q.page - 1) * q.limit });

export interface TeamsRouteDeps {
  clock: Clock;
  teams: TeamsService;
  invitations: TeamInvitationsService;
}

/**
 * Teams, members, invitations and ownership transfers. Routes under `/teams/{teamId}` act in that
 * team; an API key reaches only its own team, and any other team id answers 404.
 */
export function teamsRoutes(app: FastifyInstance, deps: TeamsRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  r.get('/api/v1/teams', {
    schema: {
      summary: 'List your teams',
      description:
        'Teams you belong to, with your role in each, oldest membership first: what the team switcher shows. ' +
        'With an API key, only the key\'s own team is listed.',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(TeamResponseSchema), ...errorResponses(400, 401, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.teams.listMine(req.ctx, offset(req.query));
    return page(req.id, now(), rows.map(presentTeam), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/teams', {
    config: { idempotency: true },
    schema: {
      summary: 'Create a team',
      description:
        'Creates a team with you as its Owner. Each team has its own resources, members and billing. ' +
        'A person may own a limited number of teams (3 by default): beyond it the answer is `TEAM_LIMIT_REACHED`. ' +
        'With an API key, the key\'s creator becomes the Owner (the key needs the `team.create` scope if it has scopes) and the key itself stays in its own team. ' +
        'Requires an `Idempotency-Key` header (UUID v4).',
      tags, security,
      body: TeamCreateSchema,
      response: {
        201: envelope(TeamResponseSchema, 'Created'),
        ...errorResponses(400, 401, [403, ['FORBIDDEN', 'TEAM_LIMIT_REACHED']], [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500),
      },
    },
  }, async (req, reply) => reply.code(201).send(ok(req.id, now(), presentTeam(await deps.teams.createOwned(req.ctx, req.body)), 'Team created')));

  r.get('/api/v1/teams/:teamId', {
    schema: {
      summary: 'Get a team',
      description: 'The team\'s name, picture and your role in it. Any member may read it.',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(TeamResponseSchema), ...errorResponses(400, 401, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentTeam(await deps.teams.get(req.ctx, req.params.teamId))));

  r.patch('/api/v1/teams/:teamId', {
    schema: {
      summary: 'Update a team',
      description: 'Renames the team or changes its picture. Owner and Admin (`team.settings.write`). The change is written to the audit log.',
      tags, security,
      params: TeamIdParamsSchema,
      body: TeamUpdateSchema,
      response: { 200: envelope(TeamResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentTeam(await deps.teams.update(req.ctx, req.params.teamId, req.body)), 'Team updated'));

  r.delete('/api/v1/teams/:teamId', {
    schema: {
      summary: 'Delete a team',
      description:
        'Deletes the team with its memberships, invitations and API keys. Owner only (`team.delete`). ' +
        'Refused with `CONFLICT` while the team still has live resources or a balance owed. The audit log of the team is kept.',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(DeletedTeamResponseSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.teams.delete(req.ctx, req.params.teamId), 'Team deleted'));

  r.get('/api/v1/teams/:teamId/members', {
    schema: {
      summary: 'List team members',
      description: 'Members with their names, e-mail addresses and roles, oldest first. Any member may read it.',
      tags, security,
      params: TeamIdParamsSchema,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(TeamMemberResponseSchema), ...errorResponses(400, 401, 404, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.teams.members(req.ctx, req.params.teamId, offset(req.query));
    return page(req.id, now(), rows.map(presentMember), { total, page: req.query.page, limit: req.query.limit });
  });

  r.patch('/api/v1/teams/:teamId/members/:userId', {
    schema: {
      summary: 'Change a member\'s role',
      description:
        'Makes a member Admin or Member; it takes effect at once, for their API keys too. Owner and Admin (`team.members.write`). ' +
        'The Owner\'s role changes only through an ownership transfer, and the last Admin of a team without an Owner cannot be demoted (`CONFLICT`).',
      tags, security,
      params: MemberParamsSchema,
      body: MemberRoleUpdateSchema,
      response: { 200: envelope(TeamMemberResponseSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentMember(await deps.teams.changeRole(req.ctx, req.params.teamId, req.params.userId, req.body.role)), 'Role changed'));

  r.delete('/api/v1/teams/:teamId/members/:userId', {
    schema: {
      summary: 'Remove a member',
      description:
        'Removes a person from the team: they lose access at once and the API keys they created in the team are revoked. ' +
        'Owner and Admin (`team.members.write`). The Owner cannot be removed.',
      tags, security,
      params: MemberParamsSchema,
      response: { 200: envelope(MembershipChangeResponseSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.teams.removeMember(req.ctx, req.params.teamId, req.params.userId), 'Member removed'));

  r.post('/api/v1/teams/:teamId/leave', {
    schema: {
      summary: 'Leave a team',
      description:
        'Takes you out of the team; the API keys you created in it are revoked. Allowed only while another Owner or Admin remains. ' +
        'The Owner must transfer ownership first (`CONFLICT` otherwise).',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(MembershipChangeResponseSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.teams.leave(req.ctx, req.params.teamId), 'You left the team'));

  r.get('/api/v1/teams/:teamId/invitations', {
    schema: {
      summary: 'List pending invitations',
      description: 'Invitations not yet accepted, revoked or expired, newest first. Owner and Admin (`team.members.write`).',
      tags, security,
      params: TeamIdParamsSchema,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(InvitationResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.invitations.listPending(req.ctx, req.params.teamId, offset(req.query));
    return page(req.id, now(), rows.map(presentInvitation), { total, page: req.query.page, limit: req.query.limit });
  });

  r.post('/api/v1/teams/:teamId/invitations', {
    config: { idempotency: true },
    schema: {
      summary: 'Invite someone',
      description:
        'E-mails an invitation to join the team as Admin or Member. The link works for 7 days, once, and only for an account signed in with the invited address. ' +
        'Inviting the same address again replaces its pending invitation. Owner and Admin (`team.members.write`). Requires an `Idempotency-Key` header (UUID v4).',
      tags, security,
      params: TeamIdParamsSchema,
      body: InvitationCreateSchema,
      response: {
        201: envelope(InvitationResponseSchema, 'Created'),
        ...errorResponses(400, 401, 403, 404, 409, [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500),
      },
    },
  }, async (req, reply) => reply.code(201).send(ok(req.id, now(), presentInvitation(await deps.invitations.invite(req.ctx, req.params.teamId, req.body)), 'Invitation sent')));

  r.delete('/api/v1/teams/:teamId/invitations/:invitationId', {
    schema: {
      summary: 'Revoke an invitation',
      description: 'Cancels a pending invitation; its link stops working at once. Owner and Admin (`team.members.write`).',
      tags, security,
      params: InvitationParamsSchema,
      response: { 200: envelope(InvitationResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentInvitation(await deps.invitations.revoke(req.ctx, req.params.teamId, req.params.invitationId)), 'Invitation revoked'));

  r.get('/api/v1/invitations', {
    schema: {
      summary: 'List invitations you received',
      description: 'Pending invitations sent to your e-mail address (with an API key: to its creator\'s), newest first.',
      tags, security,
      response: { 200: envelope(z.array(ReceivedInvitationResponseSchema)), ...errorResponses(401, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), (await deps.invitations.listReceived(req.ctx)).map(presentReceived)));

  r.post('/api/v1/invitations/accept', {
    schema: {
      summary: 'Accept an invitation',
      description:
        'Joins the inviting team with the invited role, for you (with an API key: for the key\'s creator). ' +
        'Your account\'s e-mail address must be the invited one (`INVITATION_EMAIL_MISMATCH`); a link works once (`CONFLICT` after) and for 7 days (`INVITATION_EXPIRED`).',
      tags, security,
      body: InvitationAcceptSchema,
      response: {
        200: envelope(TeamResponseSchema),
        ...errorResponses(400, 401, [403, ['INVITATION_EMAIL_MISMATCH']], 404, 409, [410, ['INVITATION_EXPIRED']], 429, 500),
      },
    },
  }, async (req) => ok(req.id, now(), presentTeam(await deps.invitations.accept(req.ctx, req.body.token)), 'Invitation accepted'));

  r.post('/api/v1/invitations/:invitationId/accept', {
    schema: {
      summary: 'Accept an invitation you received',
      description:
        'Accepts one of your pending invitations (`GET /invitations`) by its id, without the e-mailed link: your account\'s e-mail address must be the invited one ' +
        '(`INVITATION_EMAIL_MISMATCH`); another person\'s invitation id answers 404 or 403 and changes nothing.',
      tags, security,
      params: z.object({ invitationId: z.uuid() }),
      response: {
        200: envelope(TeamResponseSchema),
        ...errorResponses(400, 401, [403, ['INVITATION_EMAIL_MISMATCH']], 404, 409, [410, ['INVITATION_EXPIRED']], 429, 500),
      },
    },
  }, async (req) => ok(req.id, now(), presentTeam(await deps.invitations.acceptById(req.ctx, req.params.invitationId)), 'Invitation accepted'));

  r.get('/api/v1/teams/:teamId/ownership-transfer', {
    schema: {
      summary: 'Get the pending ownership transfer',
      description: 'The Owner\'s pending request to hand the team to another member, or `null`. Any member may read it.',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(OwnershipTransferResponseSchema.nullable()), ...errorResponses(400, 401, 404, 429, 500) },
    },
  }, async (req) => {
    const t = await deps.teams.pendingTransfer(req.ctx, req.params.teamId);
    return ok(req.id, now(), t ? presentTransfer(t) : null);
  });

  r.post('/api/v1/teams/:teamId/ownership-transfer', {
    schema: {
      summary: 'Transfer ownership',
      description:
        'Asks a member to become the team\'s Owner. Nothing changes until they accept; then you become Admin. ' +
        'Owner only (`team.ownership.transfer`); one request at a time, valid for 7 days.',
      tags, security,
      params: TeamIdParamsSchema,
      body: OwnershipTransferCreateSchema,
      response: { 201: envelope(OwnershipTransferResponseSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req, reply) => reply.code(201).send(ok(req.id, now(), presentTransfer(await deps.teams.requestTransfer(req.ctx, req.params.teamId, req.body.userId)), 'Transfer requested')));

  r.delete('/api/v1/teams/:teamId/ownership-transfer', {
    schema: {
      summary: 'Cancel or decline an ownership transfer',
      description: 'The Owner withdraws the pending request, or the member asked declines it.',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(OwnershipTransferResponseSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentTransfer(await deps.teams.cancelTransfer(req.ctx, req.params.teamId)), 'Transfer cancelled'));

  r.post('/api/v1/teams/:teamId/ownership-transfer/accept', {
    schema: {
      summary: 'Accept an ownership transfer',
      description: 'The member asked becomes the Owner, and the previous Owner becomes Admin. Only the member asked may accept.',
      tags, security,
      params: TeamIdParamsSchema,
      response: { 200: envelope(TeamResponseSchema), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentTeam(await deps.teams.acceptTransfer(req.ctx, req.params.teamId)), 'You are now the Owner'));
}
