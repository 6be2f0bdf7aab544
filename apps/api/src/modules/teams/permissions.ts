import type { Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { teamRoles } from './teams.schema.ts';
import { teamsRepository } from './teams.repository.ts';
import { apiKeysRepository } from './api-keys.repository.ts';

export type Role = (typeof teamRoles)[number];
export { teamRoles };

const everyone: readonly Role[] = ['OWNER', 'ADMIN', 'MEMBER'];
const managers: readonly Role[] = ['OWNER', 'ADMIN'];
const owner: readonly Role[] = ['OWNER'];

/**
 * The permission matrix of Strettch Cloud (reference §1.3, current since 2026-04-14), as data:
 * each permission, named `resource.verb`, lists the roles that hold it. Services ask for one
 * permission through `authorize`; API-key scopes are chosen from the same names.
 *
 * Rows of the product's matrix → permissions here:
 * - View resources → `*.read`, `team.read`
 * - Power actions → `compute.power`
 * - Update resource configuration → `compute.write`, `ssh_key.write`
 * - Delete resources → `compute.delete`
 * - Manage DNS zones and records → `dns.write`
 * - Invite / remove members / change roles → `team.members.write`; update team settings → `team.settings.write`
 * - View billing info → `billing.read`; update payment methods → `billing.write`
 * - Export audit logs → `audit.export`
 * - Delete team → `team.delete`; transfer ownership → `team.ownership.transfer`
 *
 * Not in the product's matrix, decided here (docs/decisions/0007-teams-roles-and-api-keys.md):
 * `audit.read` for everyone (the log is a tab of the team dashboard; only export is limited),
 * `api_key.read`/`api_key.write` for everyone (a key never holds more than its creator's role,
 * so a Member's key is a read-only key), `api_key.manage` (see and revoke other people's keys)
 * for Owner and Admin, and `team.create` for everyone (creating a team concerns the person, not
 * the team; it is listed so that a scoped key can be denied it).
 */
export const permissionMatrix = {
  'compute.read': { roles: everyone, description: 'View computes, their actions and metrics.' },
  'compute.power': { roles: managers, description: 'Start, stop and reboot computes.' },
  'compute.write': { roles: managers, description: 'Create computes and change their configuration.' },
  'compute.delete': { roles: managers, description: 'Delete computes.' },
  'ssh_key.read': { roles: everyone, description: 'View the team\'s SSH keys.' },
  'ssh_key.write': { roles: managers, description: 'Add, update and delete SSH keys.' },
  'dns.read': { roles: everyone, description: 'View DNS zones and records.' },
  'dns.write': { roles: managers, description: 'Create, change and delete DNS zones and records.' },
  'billing.read': { roles: everyone, description: 'View the balance, top-ups, usage and invoices.' },
  'billing.write': { roles: managers, description: 'Top up the wallet and change payment settings.' },
  'audit.read': { roles: everyone, description: 'Read the team audit log (IP address, browser and OS only with `audit.export`).' },
  'audit.export': { roles: managers, description: 'Export the team audit log as CSV, with IP address, browser and OS.' },
  'team.read': { roles: everyone, description: 'View the team, its members and a pending ownership transfer.' },
  'team.create': { roles: everyone, description: 'Create new teams (owned by the key\'s creator), within the ownership limit.' },
  'team.members.write': { roles: managers, description: 'Invite people, revoke invitations, change roles and remove members.' },
  'team.settings.write': { roles: managers, description: 'Change the team name and avatar.' },
  'team.ownership.transfer': { roles: owner, description: 'Ask another member to become Owner, or cancel that request.' },
  'team.delete': { roles: owner, description: 'Delete the team.' },
  'api_key.read': { roles: everyone, description: 'List API keys (your own; everyone\'s with `api_key.manage`).' },
  'api_key.write': { roles: everyone, description: 'Create API keys and revoke your own.' },
  'api_key.manage': { roles: managers, description: 'See and revoke every API key of the team.' },
} as const satisfies Record<string, { roles: readonly Role[]; description: string }>;

export type Permission = keyof typeof permissionMatrix;
export const permissionNames = Object.keys(permissionMatrix) as [Permission, ...Permission[]];

export function roleHas(role: Role, permission: Permission): boolean {
  return (permissionMatrix[permission].roles as readonly Role[]).includes(role);
}

/** What a role allows, narrowed to `scopes` when the credential has them. */
export function effectivePermissions(role: Role, scopes: readonly string[] | null): ReadonlySet<Permission> {
  return new Set(permissionNames.filter((p) => roleHas(role, p) && (scopes === null || scopes.includes(p))));
}

/** The acting person's standing in `ctx.teamId`, resolved afresh for each check. */
export interface Access {
  teamId: string;
  /** The person acting: the signed-in user, or the creator of the API key. */
  userId: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  /** The API key's id when a key acts, and its scopes (null: the whole role). */
  apiKeyId: string | null;
  scopes: readonly string[] | null;
}

/** The person behind the actor: the user, or the creator of the API key; null for the platform and anonymous callers. */
export function actingUserId(ctx: Context): string | null {
  if (ctx.actor.type === 'user') return ctx.actor.id;
  if (ctx.actor.type === 'api_key') return ctx.actor.userId;
  return null;
}

/**
 * Points the context at `teamId`, the team named by the request. An API key belongs to one team:
 * any other team id is answered as unknown, so a key cannot even learn that another team exists.
 */
export function scopeToTeam(ctx: Context, teamId: string): Context {
  if (ctx.actor.type === 'api_key' && ctx.teamId !== teamId) throw new AppError('RESOURCE_NOT_FOUND');
  return ctx.teamId === teamId ? ctx : { ...ctx, teamId };
}

/**
 * Resolves the actor's role in `ctx.teamId` and checks one permission. A person is looked up by
 * membership; an API key acts with its creator's current role in the key's team, narrowed to its
 * scopes, and only while it is neither revoked nor its creator gone from the team.
 * Not a member → RESOURCE_NOT_FOUND (never reveal that another team exists); a member without
 * the permission → FORBIDDEN.
 */
export async function authorize(ctx: Context, permission: Permission): Promise<Access> {
  const access = await resolveAccess(ctx);
  if (!access.permissions.has(permission)) {
    const byScope = access.scopes !== null && roleHas(access.role, permission);
    throw new AppError(
      'FORBIDDEN',
      byScope
        ? `This API key is limited to its scopes, which do not include ${permission}.`
        : `Your role in this team (${access.role}) does not allow ${permission}.`,
    );
  }
  return access;
}

/** The actor's role and permissions in `ctx.teamId`; RESOURCE_NOT_FOUND when they have none there. */
export async function resolveAccess(ctx: Context): Promise<Access> {
  const teamId = ctx.teamId;
  if (ctx.actor.type === 'anonymous') throw new AppError('UNAUTHORIZED');
  if (!teamId) throw new AppError('BAD_REQUEST', 'No team selected: name a team, or use an API key of the team.');
  if (ctx.actor.type === 'user') {
    const role = await teamsRepository.roleOf(ctx.tx, teamId, ctx.actor.id);
    if (!role) throw new AppError('RESOURCE_NOT_FOUND');
    return { teamId, userId: ctx.actor.id, role, permissions: effectivePermissions(role, null), apiKeyId: null, scopes: null };
  }
  if (ctx.actor.type === 'api_key') {
    const key = await apiKeysRepository.standing(ctx.tx, teamId, ctx.actor.id);
    if (!key) throw new AppError('RESOURCE_NOT_FOUND');
    return { teamId, userId: key.userId, role: key.role, permissions: effectivePermissions(key.role, key.scopes), apiKeyId: ctx.actor.id, scopes: key.scopes };
  }
  // The platform acts through dedicated methods, never through member permissions.
  throw new AppError('FORBIDDEN');
}
