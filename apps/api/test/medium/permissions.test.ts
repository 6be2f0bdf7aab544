/**
 * The permission matrix of reference §1.3, cell by cell, checked through `authorize` on a real
 * database for a person and for an API key of each role. The expected table is written out here
 * from the product's documentation, not derived from the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/shared/context.ts';
import { AppError } from '../../src/shared/errors.ts';
import { authorize, permissionNames, type Permission, type Role } from '../../src/modules/teams/index.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildMember, buildTeam, buildUser } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const O = 'OWNER', A = 'ADMIN', M = 'MEMBER';
/** §1.3, "Permission matrix (current, since 2026-04-14)", plus the decisions in docs/decisions/0007. */
const expected: Record<Permission, Role[]> = {
  // View resources
  'compute.read': [O, A, M], 'ssh_key.read': [O, A, M], 'dns.read': [O, A, M], 'team.read': [O, A, M],
  // Power actions (start/stop)
  'compute.power': [O, A],
  // Update resource configuration
  'compute.write': [O, A], 'ssh_key.write': [O, A],
  // Delete resources
  'compute.delete': [O, A],
  // Manage DNS zones & records
  'dns.write': [O, A],
  // Invite users / remove members / change roles / update team settings
  'team.members.write': [O, A], 'team.settings.write': [O, A],
  // View billing info; update payment methods
  'billing.read': [O, A, M], 'billing.write': [O, A],
  // Export audit logs (reading the log: every member)
  'audit.read': [O, A, M], 'audit.export': [O, A],
  // Delete team / transfer ownership
  'team.delete': [O], 'team.ownership.transfer': [O],
  // Not in the product's matrix (decision 0007)
  'team.create': [O, A, M], 'api_key.read': [O, A, M], 'api_key.write': [O, A, M], 'api_key.manage': [O, A],
};

describe(`permission matrix (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let teamId: string;
  const people = {} as Record<Role, { userId: string; keyId: string }>;

  beforeAll(async () => {
    t = await startTestPlatform();
    const db = t.deps.database.db;
    teamId = (await buildTeam(db)).id;
    for (const role of [O, A, M] as Role[]) {
      const key = await buildApiKey(db, t.deps.apiKeys, teamId, { role });
      people[role] = { userId: key.userId, keyId: key.id };
    }
  });
  afterAll(() => t?.close());

  const base = (): Omit<Context, 'actor'> => ({ teamId, requestId: 'test', ip: null, userAgent: null, tx: t.deps.database.db });
  const outcome = async (ctx: Context, p: Permission) => {
    try {
      await authorize(ctx, p);
      return 'allowed';
    } catch (err) {
      return err instanceof AppError ? err.code : String(err);
    }
  };

  it('names every permission of the table, and only those', () => {
    expect([...permissionNames].sort()).toEqual(Object.keys(expected).sort());
  });

  for (const role of [O, A, M] as Role[]) {
    for (const via of ['user', 'api_key'] as const) {
      it(`${role} (${via}): every cell`, async () => {
        const ctx: Context = {
          ...base(),
          actor: via === 'user' ? { type: 'user', id: people[role].userId } : { type: 'api_key', id: people[role].keyId, userId: people[role].userId },
        };
        const got: Record<string, string> = {};
        const want: Record<string, string> = {};
        for (const p of permissionNames) {
          got[p] = await outcome(ctx, p);
          want[p] = expected[p].includes(role) ? 'allowed' : 'FORBIDDEN';
        }
        expect(got).toEqual(want);
      });
    }
  }

  it('answers RESOURCE_NOT_FOUND, not FORBIDDEN, to people and keys outside the team', async () => {
    const db = t.deps.database.db;
    const outsider = await buildUser(db);
    const otherKey = await buildApiKey(db, t.deps.apiKeys);
    expect(await outcome({ ...base(), actor: { type: 'user', id: outsider.id } }, 'team.read')).toBe('RESOURCE_NOT_FOUND');
    // A key of another team pointed at this team (the HTTP layer never does this; the service must refuse anyway).
    expect(await outcome({ ...base(), actor: { type: 'api_key', id: otherKey.id, userId: otherKey.userId } }, 'team.read')).toBe('RESOURCE_NOT_FOUND');
  });

  it('narrows a key to its scopes, and never beyond its creator\'s current role', async () => {
    const db = t.deps.database.db;
    const member = await buildMember(db, teamId, 'MEMBER');
    const scoped = await buildApiKey(db, t.deps.apiKeys, teamId, { userId: member.userId, scopes: ['dns.read', 'dns.write'] });
    const ctx: Context = { ...base(), actor: { type: 'api_key', id: scoped.id, userId: member.userId } };
    expect(await outcome(ctx, 'dns.read')).toBe('allowed');
    expect(await outcome(ctx, 'dns.write')).toBe('FORBIDDEN'); // the scope is there, the role is not
    expect(await outcome(ctx, 'compute.read')).toBe('FORBIDDEN'); // the role is there, the scope is not
    await t.deps.teams.changeRole({ ...base(), actor: { type: 'user', id: people.OWNER.userId } }, teamId, member.userId, 'ADMIN');
    expect(await outcome(ctx, 'dns.write')).toBe('allowed'); // the creator's role is read at each check
  });
});
