import type { Role } from '../../api/account.ts';

/**
 * What the Team page offers to whom, and the input checks it makes before a round trip. These
 * mirror the API's rules (apps/api/src/modules/teams/permissions.ts and teams.service.ts) so that
 * nobody is offered a button the API would refuse; the API still decides, and its refusal is
 * shown as it words it.
 */

export const roleLabel: Record<Role, string> = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: 'Member' };
export const roleTone = { OWNER: 'accent', ADMIN: 'success', MEMBER: 'neutral' } as const;

/** `team.members.write` and `team.settings.write`: invite, revoke, change roles, remove, rename. */
export function canManage(role: Role): boolean {
  return role === 'OWNER' || role === 'ADMIN';
}

/**
 * Whether `actor` may change the role of, or remove, a member with role `target`. The Owner's
 * role changes only through a transfer, so the Owner is never a target; oneself is handled by
 * "Leave team" instead.
 */
export function canManageMember(actor: Role, target: Role, isSelf: boolean): boolean {
  return canManage(actor) && target !== 'OWNER' && !isSelf;
}

/** `team.ownership.transfer` and `team.delete`: the Owner alone. */
export function isOwner(role: Role): boolean {
  return role === 'OWNER';
}

// Same rules as the API's TeamNameSchema: 1–100 characters on one line.
const CONTROL = /\p{Cc}/u;

export function teamNameProblem(value: string): string | null {
  const name = value.trim();
  if (name === '') return 'Give the team a name, e.g. “Inyange Labs”.';
  if (name.length > 100) return 'A team name is at most 100 characters.';
  if (CONTROL.test(name)) return 'A team name is one line of text.';
  return null;
}

/** The API's AvatarUrlSchema: empty (no picture), or an https address. */
export function avatarUrlProblem(value: string): string | null {
  const url = value.trim();
  if (url === '') return null;
  if (url.length > 2048) return 'That address is too long (at most 2048 characters).';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Enter the full address of the picture, e.g. https://example.rw/logo.png.';
  }
  if (parsed.protocol !== 'https:') return 'The picture’s address must start with https://.';
  return null;
}
