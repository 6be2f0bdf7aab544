import { z } from 'zod';
import { permissionMatrix, permissionNames } from './permissions.ts';

// Control characters (CR, LF, NUL…) have no place in a name shown in lists and e-mails.
const singleLine = /^[^\p{Cc}]*$/u;

const role = z.enum(['OWNER', 'ADMIN', 'MEMBER']).describe('Role in the team: OWNER (one per team), ADMIN or MEMBER.');
const invitedRole = z.enum(['ADMIN', 'MEMBER']).describe('Role the person gets on joining: ADMIN or MEMBER. Ownership changes only by a transfer.');
const time = (what: string) => z.string().describe(`${what}, ISO 8601 UTC.`);

export const TeamNameSchema = z.string().trim().min(1).max(100).refine((v) => singleLine.test(v), 'must be a single line without control characters').describe('Team name, 1–100 characters.');
export const AvatarUrlSchema = z
  .url({ protocol: /^https$/, error: 'must be an https URL' })
  .max(2048)
  .describe('Address of the team picture; https only. `null` removes it.');

export const TeamIdParamsSchema = z.object({ teamId: z.uuid().describe('Team id.') });
export const MemberParamsSchema = TeamIdParamsSchema.extend({ userId: z.uuid().describe('User id of the member.') });
export const InvitationParamsSchema = TeamIdParamsSchema.extend({ invitationId: z.uuid().describe('Invitation id.') });

export const TeamCreateSchema = z.object({ name: TeamNameSchema }).meta({ id: 'TeamCreate' });
export const TeamUpdateSchema = z
  .object({ name: TeamNameSchema.optional(), avatarUrl: AvatarUrlSchema.nullable().optional() })
  .refine((v) => v.name !== undefined || v.avatarUrl !== undefined, 'name or avatarUrl is required')
  .meta({ id: 'TeamUpdate' });
export const MemberRoleUpdateSchema = z
  .object({ role: z.enum(['ADMIN', 'MEMBER']).describe('New role: ADMIN or MEMBER. To make someone Owner, transfer ownership.') })
  .meta({ id: 'MemberRoleUpdate' });
export const InvitationCreateSchema = z
  .object({ email: z.email().max(254).describe('Address to invite. The invitee must sign in with this address to accept.'), role: invitedRole })
  .meta({ id: 'InvitationCreate' });
export const InvitationAcceptSchema = z
  .object({ token: z.string().min(10).max(200).describe('The token from the invitation e-mail link (`token` query parameter).') })
  .meta({ id: 'InvitationAccept' });
export const OwnershipTransferCreateSchema = z
  .object({ userId: z.uuid().describe('User id of the member who should become Owner.') })
  .meta({ id: 'OwnershipTransferCreate' });

export const TeamResponseSchema = z
  .object({
    id: z.string().describe('Team id (UUID).'),
    name: z.string().describe('Team name.'),
    avatarUrl: z.string().nullable().describe('Team picture (https), or null.'),
    role: role.describe('Your role in the team.'),
    createdAt: time('When the team was created'),
  })
  .meta({ id: 'TeamResponse' });

export const TeamMemberResponseSchema = z
  .object({
    userId: z.string().describe('User id (UUID).'),
    name: z.string().nullable().describe('Full name; null if the account was closed.'),
    email: z.string().nullable().describe('E-mail address; null if the account was closed.'),
    role,
    joinedAt: time('When they joined the team'),
  })
  .meta({ id: 'TeamMemberResponse' });

export const MembershipChangeResponseSchema = z
  .object({ teamId: z.string().describe('Team id.'), userId: z.string().describe('User id of the person who is no longer a member.') })
  .meta({ id: 'MembershipChangeResponse' });

export const DeletedTeamResponseSchema = z.object({ id: z.string().describe('Id of the deleted team.') }).meta({ id: 'DeletedTeamResponse' });

export const InvitationResponseSchema = z
  .object({
    id: z.string().describe('Invitation id (UUID).'),
    teamId: z.string().describe('Team id.'),
    email: z.string().nullable().describe('Invited address; null once it is no longer kept (after revocation).'),
    role: invitedRole,
    invitedBy: z.string().nullable().describe('User id of the person who sent it.'),
    createdAt: time('When it was sent'),
    expiresAt: time('When the link stops working (7 days after sending)'),
  })
  .meta({ id: 'InvitationResponse' });

export const ReceivedInvitationResponseSchema = z
  .object({
    id: z.string().describe('Invitation id (UUID).'),
    teamId: z.string().describe('Id of the inviting team.'),
    teamName: z.string().describe('Name of the inviting team.'),
    role: invitedRole,
    createdAt: time('When it was sent'),
    expiresAt: time('When it expires'),
  })
  .meta({ id: 'ReceivedInvitationResponse' });

export const OwnershipTransferResponseSchema = z
  .object({
    id: z.string().describe('Transfer request id (UUID).'),
    teamId: z.string().describe('Team id.'),
    fromUserId: z.string().describe('The Owner who asked.'),
    toUserId: z.string().describe('The member asked to become Owner.'),
    createdAt: time('When it was asked'),
    expiresAt: time('When the request lapses unless accepted (7 days)'),
  })
  .meta({ id: 'OwnershipTransferResponse' });

const scope = z.enum(permissionNames).describe(
  `A permission: ${permissionNames.map((p) => `\`${p}\` (${permissionMatrix[p].description.replace(/\.$/, '')})`).join('; ')}.`,
);

export const ApiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100).refine((v) => singleLine.test(v), 'must be a single line without control characters').describe('A name to recognise the key by, e.g. "CI deploys".'),
    scopes: z
      .array(scope)
      .min(1)
      .max(permissionNames.length)
      .nullable()
      .optional()
      .describe('Limit the key to these permissions. Omitted or null: everything the creator\'s role allows. Scopes never add to the role.'),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional().describe('When the key stops working, ISO 8601. Omitted or null: never.'),
  })
  .meta({ id: 'ApiKeyCreate' });

export const ApiKeyIdParamsSchema = z.object({ apiKeyId: z.uuid().describe('API key id.') });

export const ApiKeyResponseSchema = z
  .object({
    id: z.string().describe('API key id (UUID).'),
    name: z.string().describe('Name given at creation.'),
    prefix: z.string().describe('First characters of the key, to tell keys apart.').meta({ example: 'sc_Ab3dE9' }),
    scopes: z.array(z.string()).nullable().describe('Permissions the key is limited to; null: all of its creator\'s role.'),
    createdBy: z.string().nullable().describe('User id of the creator; the key acts with their current role.'),
    createdAt: time('When the key was created'),
    expiresAt: z.string().nullable().describe('When the key stops working, ISO 8601 UTC; null: never.'),
    lastUsedAt: z.string().nullable().describe('Last use, ISO 8601 UTC (updated at most once a minute); null: never used.'),
    lastUsedIp: z.string().nullable().describe('IP address of the last use.'),
  })
  .meta({ id: 'ApiKeyResponse' });

export const ApiKeyCreatedResponseSchema = ApiKeyResponseSchema.extend({
  secret: z.string().describe('The key itself, `sc_…`. Shown only in this response: store it now. Send it as `Authorization: Bearer <key>`.'),
}).meta({ id: 'ApiKeyCreatedResponse' });

export type TeamResponse = z.output<typeof TeamResponseSchema>;
export type ApiKeyResponse = z.output<typeof ApiKeyResponseSchema>;
