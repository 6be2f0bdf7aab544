/** Factories that return valid, unique rows so tests never share state (STYLE.md §7). */
import crypto from 'node:crypto';
import type { Executor } from '../src/db/database.ts';
import { users } from '../src/modules/accounts/accounts.schema.ts';
import { ageConfirmations } from '../src/modules/age/age.schema.ts';
import { phoneNumbers } from '../src/modules/phone/phone.schema.ts';
import { teamsRepository, type TeamRow } from '../src/modules/teams/teams.repository.ts';
import type { ApiKeysService } from '../src/modules/teams/api-keys.service.ts';
import type { Role } from '../src/modules/teams/permissions.ts';

export async function buildTeam(ex: Executor, overrides: Partial<TeamRow> = {}): Promise<TeamRow> {
  return teamsRepository.insert(ex, { name: `Team ${crypto.randomBytes(3).toString('hex')}`, createdAt: new Date(), ...overrides });
}

/**
 * A person with an account row but no data key, so their profile reads as erased (null): enough to
 * hold memberships and API keys. Tests that need a name or e-mail use `deps.accounts.create`.
 * Unless `eligible: false`, they have confirmed an adult date of birth and verified a phone, as
 * creating resources and paying require (issue 4).
 */
export async function buildUser(ex: Executor, opts: { eligible?: boolean } = {}): Promise<{ id: string }> {
  const id = crypto.randomUUID();
  const now = new Date();
  // Well-formed ciphertexts under a key that does not exist: what crypto-shredding leaves behind.
  const sealed = () => `v1.${crypto.randomBytes(12).toString('base64url')}.${crypto.randomBytes(32).toString('base64url')}`;
  await ex.insert(users).values({ id, nameEnc: sealed(), emailEnc: sealed(), emailHash: crypto.randomBytes(32).toString('hex'), createdAt: now, updatedAt: now });
  if (opts.eligible !== false) {
    await ex.insert(ageConfirmations).values({ userId: id, dateOfBirthEnc: sealed(), confirmedAt: now });
    await ex.insert(phoneNumbers).values({ userId: id, phoneEnc: sealed(), phoneHash: crypto.randomBytes(32).toString('hex'), verifiedAt: now });
  }
  return { id };
}

/** Makes `userId` (a new placeholder person when omitted) a member of the team with `role`. */
export async function buildMember(ex: Executor, teamId: string, role: Role = 'MEMBER', userId?: string): Promise<{ userId: string; teamId: string; role: Role }> {
  const id = userId ?? (await buildUser(ex)).id;
  await teamsRepository.addMember(ex, { teamId, userId: id, role, createdAt: new Date() });
  return { userId: id, teamId, role };
}

export interface BuildApiKeyOptions {
  /** The key's creator; a new placeholder person when omitted. Made a member with `role` unless already one. */
  userId?: string;
  role?: Role;
  scopes?: string[] | null;
  expiresAt?: Date | null;
}

/** A key of `teamId` (a new team when omitted), made by a member (an Owner unless `role` says otherwise). */
export async function buildApiKey(ex: Executor, apiKeys: ApiKeysService, teamId?: string, opts: BuildApiKeyOptions = {}) {
  const team = teamId ?? (await buildTeam(ex)).id;
  const userId = opts.userId ?? (await buildUser(ex)).id;
  if (!(await teamsRepository.roleOf(ex, team, userId))) await buildMember(ex, team, opts.role ?? 'OWNER', userId);
  const key = await apiKeys.create(ex, { teamId: team, createdBy: userId, name: 'test key', scopes: opts.scopes ?? null, expiresAt: opts.expiresAt ?? null });
  return { id: key.id, secret: key.secret, prefix: key.prefix, teamId: team, userId };
}
