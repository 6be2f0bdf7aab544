/** Factories that return valid, unique rows so tests never share state (STYLE.md §7). */
import crypto from 'node:crypto';
import type { Executor } from '../src/db/database.ts';
import { teamsRepository, type TeamRow } from '../src/modules/teams/teams.repository.ts';
import type { ApiKeysService } from '../src/modules/teams/api-keys.service.ts';

export async function buildTeam(ex: Executor, overrides: Partial<TeamRow> = {}): Promise<TeamRow> {
  return teamsRepository.insert(ex, { name: `Team ${crypto.randomBytes(3).toString('hex')}`, createdAt: new Date(), ...overrides });
}

export async function buildApiKey(ex: Executor, apiKeys: ApiKeysService, teamId?: string) {
  const team = teamId ?? (await buildTeam(ex)).id;
  const key = await apiKeys.create(ex, { teamId: team, createdBy: null, name: 'test key' });
  return { ...key, teamId: team };
}
