/**
 * Teams through the public API with API keys: roles, leaving, invitations (e-mailed through the
 * outbox and the built-in mailbox), ownership transfers, the ownership limit and deletion.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, type ManualClock } from '../../src/shared/clock.ts';
import { systemContext } from '../../src/shared/context.ts';
import { listMailbox } from '../../src/modules/notifications/providers/index.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildMember, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;

describe(`teams API (${dbKind})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '10000', TEAM_OWNERSHIP_LIMIT: '2' });
  });
  afterAll(() => t?.close());

  const db = () => t.deps.database.db;
  const call = (key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${key}`, ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}) },
      ...(body ? { payload: body } : {}),
    });
  /** A person with a real profile (name, e-mail) and an Owner key of their own new team. */
  async function person(email: string, name = 'Test Person') {
    const profile = await t.deps.accounts.create(systemContext(db(), 'test'), { email, name });
    const key = await buildApiKey(db(), t.deps.apiKeys, undefined, { userId: profile.id });
    return { userId: profile.id, email, key: key.secret, ownTeamId: key.teamId };
  }
  /** A team with an Owner, an Admin and a Member, each with a key. */
  async function team() {
    const teamId = (await buildTeam(db())).id;
    const [owner, admin, member] = await Promise.all(
      (['OWNER', 'ADMIN', 'MEMBER'] as const).map(async (role) => buildApiKey(db(), t.deps.apiKeys, teamId, { role })),
    );
    return { teamId, owner: owner!, admin: admin!, member: member! };
  }
  const roleOf = async (teamId: string, userId: string) =>
    ((await db().execute(sql`select role from team_members where team_id = ${teamId} and user_id = ${userId}`)).rows[0] as { role: string } | undefined)?.role;
  const auditActions = async (teamId: string) =>
    ((await db().execute(sql`select action from audit_events where team_id = ${teamId} order by id`)).rows as { action: string }[]).map((r) => r.action);

  describe('roles', () => {
    it('refuses a Member changing roles with 403, and lets an Admin do it (audited)', async () => {
      const x = await team();
      const res = await call(x.member.secret, 'PATCH', `/teams/${x.teamId}/members/${x.admin.userId}`, { role: 'MEMBER' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ success: false, code: 'FORBIDDEN' });
      expect(await roleOf(x.teamId, x.admin.userId)).toBe('ADMIN');

      const ok = await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}/members/${x.member.userId}`, { role: 'ADMIN' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().data).toMatchObject({ userId: x.member.userId, role: 'ADMIN' });
      expect(await roleOf(x.teamId, x.member.userId)).toBe('ADMIN');
      expect(await auditActions(x.teamId)).toContain('team.member.role_change');
    });

    it('never changes the Owner\'s role by an edit, nor makes anyone Owner that way', async () => {
      const x = await team();
      expect((await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}/members/${x.owner.userId}`, { role: 'MEMBER' })).statusCode).toBe(409);
      expect((await call(x.owner.secret, 'PATCH', `/teams/${x.teamId}/members/${x.member.userId}`, { role: 'OWNER' })).statusCode).toBe(400);
      expect(await roleOf(x.teamId, x.owner.userId)).toBe('OWNER');
    });

    it('removes a member: access and their keys end at once', async () => {
      const x = await team();
      expect((await call(x.member.secret, 'GET', `/teams/${x.teamId}`)).statusCode).toBe(200);
      const res = await call(x.admin.secret, 'DELETE', `/teams/${x.teamId}/members/${x.member.userId}`);
      expect(res.statusCode).toBe(200);
      expect(await roleOf(x.teamId, x.member.userId)).toBeUndefined();
      expect((await call(x.member.secret, 'GET', `/teams/${x.teamId}`)).statusCode).toBe(401);
      expect((await call(x.admin.secret, 'DELETE', `/teams/${x.teamId}/members/${x.owner.userId}`)).statusCode).toBe(409);
    });
  });

  describe('leaving', () => {
    it('lets a Member and an Admin leave while an Owner remains', async () => {
      const x = await team();
      expect((await call(x.member.secret, 'POST', `/teams/${x.teamId}/leave`)).statusCode).toBe(200);
      expect((await call(x.admin.secret, 'POST', `/teams/${x.teamId}/leave`)).statusCode).toBe(200);
      expect(await roleOf(x.teamId, x.admin.userId)).toBeUndefined();
      expect(await auditActions(x.teamId)).toEqual(expect.arrayContaining(['team.member.leave']));
    });

    it('refuses the Owner (transfer first) and the last Owner or Admin', async () => {
      const x = await team();
      const owner = await call(x.owner.secret, 'POST', `/teams/${x.teamId}/leave`);
      expect(owner.statusCode).toBe(409);
      expect(await roleOf(x.teamId, x.owner.userId)).toBe('OWNER');
      // A team whose Owner's account is gone: the only Admin left cannot leave it unmanaged.
      await db().execute(sql`delete from team_members where team_id = ${x.teamId} and user_id = ${x.owner.userId}`);
      const admin = await call(x.admin.secret, 'POST', `/teams/${x.teamId}/leave`);
      expect(admin.statusCode).toBe(409);
      expect(admin.json().message).toMatch(/Owner or Admin must remain/);
      expect(await roleOf(x.teamId, x.admin.userId)).toBe('ADMIN');
      // Nor can they demote themselves into the same state.
      expect((await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}/members/${x.admin.userId}`, { role: 'MEMBER' })).statusCode).toBe(409);
    });
  });

  describe('invitations', () => {
    const seen = new Set<string>();
    async function invite(key: string, teamId: string, email: string, role = 'MEMBER') {
      const res = await call(key, 'POST', `/teams/${teamId}/invitations`, { email, role });
      expect(res.statusCode, res.body).toBe(201);
      await t.platform.worker().drain();
      // The newest invitation link sent to this address (the welcome e-mail goes there too).
      const tokens = (await listMailbox(db(), { limit: 200 }))
        .filter((m) => m.toAddress === email)
        .map((m) => /token=(sci_[A-Za-z0-9_-]+)/.exec(m.text)?.[1])
        .filter((tok): tok is string => tok !== undefined && !seen.has(tok));
      expect(tokens, `one new invitation e-mail to ${email}`).toHaveLength(1);
      seen.add(tokens[0]!);
      return { invitation: res.json().data as { id: string; email: string }, token: tokens[0]! };
    }

    it('e-mails a one-time link that only the invited address can accept', async () => {
      const x = await team();
      const invitee = await person(`invitee-${crypto.randomUUID()}@example.rw`);
      const stranger = await person(`stranger-${crypto.randomUUID()}@example.rw`);
      const { invitation, token } = await invite(x.admin.secret, x.teamId, invitee.email.toUpperCase());

      const listed = await call(x.owner.secret, 'GET', `/teams/${x.teamId}/invitations`);
      expect(listed.json().data.map((i: { id: string }) => i.id)).toEqual([invitation.id]);
      expect((await call(invitee.key, 'GET', '/invitations')).json().data).toMatchObject([{ teamId: x.teamId, role: 'MEMBER' }]);
      // Members cannot see who is invited.
      expect((await call(x.member.secret, 'GET', `/teams/${x.teamId}/invitations`)).statusCode).toBe(403);

      const wrong = await call(stranger.key, 'POST', '/invitations/accept', { token });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().code).toBe('INVITATION_EMAIL_MISMATCH');
      expect(await roleOf(x.teamId, stranger.userId)).toBeUndefined();

      const accepted = await call(invitee.key, 'POST', '/invitations/accept', { token });
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(accepted.json().data).toMatchObject({ id: x.teamId, role: 'MEMBER' });
      expect(await roleOf(x.teamId, invitee.userId)).toBe('MEMBER');

      const reused = await call(invitee.key, 'POST', '/invitations/accept', { token });
      expect(reused.statusCode).toBe(409);
      const reusedByOther = await call(stranger.key, 'POST', '/invitations/accept', { token });
      expect(reusedByOther.statusCode).toBe(409);
      expect(await roleOf(x.teamId, stranger.userId)).toBeUndefined();
      expect(await auditActions(x.teamId)).toEqual(expect.arrayContaining(['team.invitation.create', 'team.invitation.accept', 'team.member.join']));
      // The pending list no longer has it, and the address is no longer readable (its key is shredded).
      expect((await call(x.owner.secret, 'GET', `/teams/${x.teamId}/invitations`)).json().data).toEqual([]);
      const left = await db().execute(sql`select count(*)::int as n from subject_keys where subject_id = ${invitation.id}`);
      expect((left.rows[0] as { n: number }).n).toBe(0);
    });

    it('accepts an invitation by id from "Invitations for you", for the invited person only', async () => {
      const x = await team();
      const invitee = await person(`byid-${crypto.randomUUID()}@example.rw`);
      const stranger = await person(`byid-stranger-${crypto.randomUUID()}@example.rw`);
      const { invitation } = await invite(x.owner.secret, x.teamId, invitee.email);
      const received = (await call(invitee.key, 'GET', '/invitations')).json().data as { id: string }[];
      expect(received.map((i) => i.id)).toEqual([invitation.id]);
      // Someone else's invitation id is not confirmed to exist.
      const other = await call(stranger.key, 'POST', `/invitations/${invitation.id}/accept`);
      expect(other.statusCode).toBe(404);
      expect(await roleOf(x.teamId, stranger.userId)).toBeUndefined();
      const accepted = await call(invitee.key, 'POST', `/invitations/${invitation.id}/accept`);
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(await roleOf(x.teamId, invitee.userId)).toBe('MEMBER');
      expect((await call(invitee.key, 'POST', `/invitations/${invitation.id}/accept`)).statusCode).toBe(409);
      expect((await call(invitee.key, 'GET', '/invitations')).json().data).toEqual([]);
    });

    it('refuses an expired link with 410, and a revoked one', async () => {
      const x = await team();
      const invitee = await person(`late-${crypto.randomUUID()}@example.rw`);
      const { token } = await invite(x.owner.secret, x.teamId, invitee.email);
      (t.clock as ManualClock).advance(7 * DAY + 1000);
      const late = await call(invitee.key, 'POST', '/invitations/accept', { token });
      expect(late.statusCode).toBe(410);
      expect(late.json().code).toBe('INVITATION_EXPIRED');
      expect(await roleOf(x.teamId, invitee.userId)).toBeUndefined();

      const again = await invite(x.owner.secret, x.teamId, invitee.email, 'ADMIN');
      expect((await call(x.owner.secret, 'DELETE', `/teams/${x.teamId}/invitations/${again.invitation.id}`)).statusCode).toBe(200);
      expect((await call(invitee.key, 'POST', '/invitations/accept', { token: again.token })).statusCode).toBe(409);
      expect((await call(invitee.key, 'POST', '/invitations/accept', { token: 'sci_not-a-real-token' })).statusCode).toBe(404);
      expect(await roleOf(x.teamId, invitee.userId)).toBeUndefined();
    });

    it('refuses inviting someone who is already a member', async () => {
      const x = await team();
      const existing = await person(`member-${crypto.randomUUID()}@example.rw`);
      await buildMember(db(), x.teamId, 'MEMBER', existing.userId);
      expect((await call(x.owner.secret, 'POST', `/teams/${x.teamId}/invitations`, { email: existing.email, role: 'MEMBER' })).statusCode).toBe(409);
    });
  });

  describe('ownership transfer', () => {
    it('takes effect only when the member asked accepts; the old Owner becomes Admin', async () => {
      const x = await team();
      expect((await call(x.admin.secret, 'POST', `/teams/${x.teamId}/ownership-transfer`, { userId: x.member.userId })).statusCode).toBe(403);
      const asked = await call(x.owner.secret, 'POST', `/teams/${x.teamId}/ownership-transfer`, { userId: x.member.userId });
      expect(asked.statusCode, asked.body).toBe(201);
      expect((await call(x.owner.secret, 'POST', `/teams/${x.teamId}/ownership-transfer`, { userId: x.admin.userId })).statusCode).toBe(409);

      const seen = await call(x.admin.secret, 'GET', `/teams/${x.teamId}/ownership-transfer`);
      expect(seen.json().data).toMatchObject({ fromUserId: x.owner.userId, toUserId: x.member.userId });
      expect(await roleOf(x.teamId, x.owner.userId)).toBe('OWNER');

      expect((await call(x.admin.secret, 'POST', `/teams/${x.teamId}/ownership-transfer/accept`)).statusCode).toBe(403);
      const accepted = await call(x.member.secret, 'POST', `/teams/${x.teamId}/ownership-transfer/accept`);
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(accepted.json().data.role).toBe('OWNER');
      expect(await roleOf(x.teamId, x.member.userId)).toBe('OWNER');
      expect(await roleOf(x.teamId, x.owner.userId)).toBe('ADMIN');
      expect((await call(x.admin.secret, 'GET', `/teams/${x.teamId}/ownership-transfer`)).json().data).toBeNull();
      expect(await auditActions(x.teamId)).toEqual(expect.arrayContaining(['team.ownership.transfer_request', 'team.ownership.transfer']));
      // The old Owner's key now has Admin rights only.
      expect((await call(x.owner.secret, 'DELETE', `/teams/${x.teamId}`)).statusCode).toBe(403);
    });

    it('can be cancelled by the Owner or declined by the member asked', async () => {
      const x = await team();
      await call(x.owner.secret, 'POST', `/teams/${x.teamId}/ownership-transfer`, { userId: x.admin.userId });
      expect((await call(x.member.secret, 'DELETE', `/teams/${x.teamId}/ownership-transfer`)).statusCode).toBe(403);
      expect((await call(x.admin.secret, 'DELETE', `/teams/${x.teamId}/ownership-transfer`)).statusCode).toBe(200);
      expect((await call(x.admin.secret, 'POST', `/teams/${x.teamId}/ownership-transfer/accept`)).statusCode).toBe(404);
      await call(x.owner.secret, 'POST', `/teams/${x.teamId}/ownership-transfer`, { userId: x.admin.userId });
      expect((await call(x.owner.secret, 'DELETE', `/teams/${x.teamId}/ownership-transfer`)).statusCode).toBe(200);
      expect(await roleOf(x.teamId, x.owner.userId)).toBe('OWNER');
      expect(await auditActions(x.teamId)).toEqual(expect.arrayContaining(['team.ownership.transfer_decline', 'team.ownership.transfer_cancel']));
    });
  });

  describe('teams', () => {
    it('lists only the key\'s own team, with the role of its creator', async () => {
      const x = await team();
      const res = await call(x.admin.secret, 'GET', '/teams');
      expect(res.json()).toMatchObject({ data: [{ id: x.teamId, role: 'ADMIN' }], meta: { total: 1, page: 1, limit: 20 } });
    });

    it('creates teams up to the ownership limit, with an Idempotency-Key', async () => {
      const owner = await person(`founder-${crypto.randomUUID()}@example.rw`); // owns one team already
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/teams', headers: { authorization: `Bearer ${owner.key}` }, payload: { name: 'No key' } })).statusCode).toBe(400);
      const second = await call(owner.key, 'POST', '/teams', { name: 'Inyange Labs' });
      expect(second.statusCode, second.body).toBe(201);
      expect(second.json().data).toMatchObject({ name: 'Inyange Labs', role: 'OWNER', avatarUrl: null });
      const third = await call(owner.key, 'POST', '/teams', { name: 'One too many' });
      expect(third.statusCode).toBe(403);
      expect(third.json().code).toBe('TEAM_LIMIT_REACHED');
      expect(await auditActions(second.json().data.id)).toEqual(['team.create']);
    });

    it('renames a team and sets an https avatar only (Owner/Admin), audited without the values', async () => {
      const x = await team();
      expect((await call(x.member.secret, 'PATCH', `/teams/${x.teamId}`, { name: 'Mine now' })).statusCode).toBe(403);
      expect((await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}`, { avatarUrl: 'http://example.rw/a.png' })).statusCode).toBe(400);
      expect((await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}`, { avatarUrl: 'javascript:alert(1)' })).statusCode).toBe(400);
      const res = await call(x.admin.secret, 'PATCH', `/teams/${x.teamId}`, { name: 'Kigali Devs', avatarUrl: 'https://example.rw/a.png' });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ name: 'Kigali Devs', avatarUrl: 'https://example.rw/a.png', role: 'ADMIN' });
      const events = (await db().execute(sql`select data from audit_events where team_id = ${x.teamId} and action = 'team.update'`)).rows as { data: unknown }[];
      expect(events).toEqual([{ data: { fields: ['name', 'avatarUrl'] } }]);
    });

    it('deletes a team for its Owner only; its keys stop working; the audit log stays', async () => {
      const x = await team();
      expect((await call(x.admin.secret, 'DELETE', `/teams/${x.teamId}`)).statusCode).toBe(403);
      const res = await call(x.owner.secret, 'DELETE', `/teams/${x.teamId}`);
      expect(res.statusCode).toBe(200);
      expect((await call(x.admin.secret, 'GET', '/teams')).statusCode).toBe(401);
      expect(await auditActions(x.teamId)).toContain('team.delete');
    });
  });
});
