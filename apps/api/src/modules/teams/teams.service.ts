import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { DAY } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { ApiKeysService } from './api-keys.service.ts';
import { transfersRepository, type TransferRow } from './ownership-transfers.repository.ts';
import { actingUserId, authorize, scopeToTeam, type Role } from './permissions.ts';
import { assertTeamEmpty } from './team-deletion.ts';
import { teamsRepository, type TeamRow, type TeamWithRole } from './teams.repository.ts';

/** Name and e-mail of a person, or null when they have no account (or it was erased). */
export type ProfileLookup = (ex: Executor, userId: string) => Promise<{ name: string; email: string } | null>;

export interface TeamsDeps {
  apiKeys: Pick<ApiKeysService, 'revokeAllOf' | 'forgetMember' | 'forgetTeam'>;
  profiles: ProfileLookup;
  /** Teams one person may own (config TEAM_OWNERSHIP_LIMIT). */
  ownershipLimit: number;
}

export interface TeamView {
  id: string;
  name: string;
  avatarUrl: string | null;
  /** The caller's role in the team. */
  role: Role;
  createdAt: Date;
}

export interface MemberView {
  userId: string;
  name: string | null;
  email: string | null;
  role: Role;
  joinedAt: Date;
}

export interface TransferView {
  id: string;
  teamId: string;
  fromUserId: string;
  toUserId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface Page {
  limit: number;
  offset: number;
}

/** The target of an ownership transfer has a week to accept it. */
export const TRANSFER_TTL_MS = 7 * DAY;

const teamView = (t: TeamWithRole): TeamView => ({ id: t.id, name: t.name, avatarUrl: t.avatarUrl, role: t.role, createdAt: t.createdAt });
const transferView = (t: TransferRow): TransferView => ({ id: t.id, teamId: t.teamId, fromUserId: t.fromUserId, toUserId: t.toUserId, createdAt: t.createdAt, expiresAt: t.expiresAt });

/**
 * Teams own every resource; people act in a team with a role (Owner, Admin, Member; reference
 * §1.3). Every rule of membership lives here: a team always has exactly one Owner, who changes
 * only through a transfer the new Owner accepts; at least one Owner or Admin always remains;
 * someone who leaves or is removed loses their API keys in that team. Each change writes its
 * audit event in its own transaction.
 */
export class TeamsService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: Audit,
    private readonly deps: TeamsDeps,
  ) {}

  /** The team a person gets at sign-up: "<first name>'s Team", with them as Owner. */
  static defaultTeamName(fullName: string): string {
    const first = fullName.trim().split(/\s+/)[0] || 'My';
    return `${first}'s Team`;
  }

  /** Creates a team with `ownerId` as Owner. No checks: for platform code such as sign-up; people go through `createOwned`. */
  async create(ctx: Context, input: { name: string; ownerId: string }): Promise<TeamRow> {
    return inTransaction(ctx, async (ctx) => {
      const now = this.clock.now();
      const team = await teamsRepository.insert(ctx.tx, { name: input.name, createdAt: now });
      await teamsRepository.addMember(ctx.tx, { teamId: team.id, userId: input.ownerId, role: 'OWNER', createdAt: now });
      await this.audit.record({ ...ctx, teamId: team.id }, { action: 'team.create', targetType: 'team', targetId: team.id });
      return team;
    });
  }

  /** A new team owned by the acting person, within their ownership limit. */
  async createOwned(ctx: Context, input: { name: string }): Promise<TeamView> {
    return inTransaction(ctx, async (ctx) => {
      const ownerId = ctx.actor.type === 'api_key' ? (await authorize(ctx, 'team.create')).userId : actingUserId(ctx);
      if (!ownerId) throw new AppError('UNAUTHORIZED');
      await teamsRepository.lockOwnership(ctx.tx, ownerId);
      const owned = await teamsRepository.countOwnedBy(ctx.tx, ownerId);
      if (owned >= this.deps.ownershipLimit) {
        throw new AppError('TEAM_LIMIT_REACHED', `You own ${owned} teams, the most your account allows (${this.deps.ownershipLimit}): ask support to raise the limit, or transfer or delete a team you own.`);
      }
      const team = await this.create(ctx, { name: input.name, ownerId });
      return teamView({ ...team, role: 'OWNER' });
    });
  }

  /** The caller's teams; an API key sees only its own team. */
  async listMine(ctx: Context, page: Page): Promise<{ rows: TeamView[]; total: number }> {
    if (ctx.actor.type === 'api_key') {
      const access = await authorize(ctx, 'team.read');
      const team = await teamsRepository.teamFor(ctx.tx, access.teamId, access.userId);
      const rows = team && page.offset === 0 ? [teamView(team)] : [];
      return { rows, total: team ? 1 : 0 };
    }
    if (ctx.actor.type !== 'user') throw new AppError('UNAUTHORIZED');
    const { rows, total } = await teamsRepository.teamsOf(ctx.tx, ctx.actor.id, page.limit, page.offset);
    return { rows: rows.map(teamView), total };
  }

  async get(ctx: Context, teamId: string): Promise<TeamView> {
    ctx = scopeToTeam(ctx, teamId);
    const access = await authorize(ctx, 'team.read');
    const team = await teamsRepository.teamFor(ctx.tx, teamId, access.userId);
    if (!team) throw new AppError('RESOURCE_NOT_FOUND');
    return teamView(team);
  }

  /** Renames the team or changes its avatar (`team.settings.write`). */
  async update(ctx: Context, teamId: string, patch: { name?: string; avatarUrl?: string | null }): Promise<TeamView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.settings.write');
      const before = await teamsRepository.lock(ctx.tx, teamId);
      if (!before) throw new AppError('RESOURCE_NOT_FOUND');
      const changes: { name?: string; avatarUrl?: string | null } = {};
      if (patch.name !== undefined && patch.name !== before.name) changes.name = patch.name;
      if (patch.avatarUrl !== undefined && patch.avatarUrl !== before.avatarUrl) changes.avatarUrl = patch.avatarUrl;
      const fields = Object.keys(changes);
      const after = fields.length ? await teamsRepository.update(ctx.tx, teamId, changes) : before;
      // Field names only: the values (a name, a picture) may be personal and the log keeps no copies.
      if (fields.length) await this.audit.record(ctx, { action: 'team.update', targetType: 'team', targetId: teamId, data: { fields } });
      return teamView({ ...after!, role: access.role });
    });
  }

  /** Deletes the team (Owner only), once `assertTeamEmpty` finds nothing left to lose. */
  async delete(ctx: Context, teamId: string): Promise<{ id: string }> {
    await inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      await authorize(ctx, 'team.delete');
      if (!(await teamsRepository.lock(ctx.tx, teamId))) throw new AppError('RESOURCE_NOT_FOUND');
      await assertTeamEmpty(ctx, teamId);
      await teamsRepository.delete(ctx.tx, teamId);
      // The audit log outlives the team (it is kept a year; audit_events has no foreign key to teams).
      await this.audit.record(ctx, { action: 'team.delete', targetType: 'team', targetId: teamId });
    });
    this.deps.apiKeys.forgetTeam(teamId);
    return { id: teamId };
  }

  /** Members with their names and e-mail addresses, oldest first (`team.read`). */
  async members(ctx: Context, teamId: string, page: Page): Promise<{ rows: MemberView[]; total: number }> {
    ctx = scopeToTeam(ctx, teamId);
    await authorize(ctx, 'team.read');
    const { rows, total } = await teamsRepository.members(ctx.tx, teamId, page.limit, page.offset);
    const profiles = await Promise.all(rows.map((m) => this.deps.profiles(ctx.tx, m.userId)));
    return {
      rows: rows.map((m, i) => ({ userId: m.userId, name: profiles[i]?.name ?? null, email: profiles[i]?.email ?? null, role: m.role, joinedAt: m.createdAt })),
      total,
    };
  }

  /** Makes a member Admin or Member (`team.members.write`). The Owner changes only by a transfer. */
  async changeRole(ctx: Context, teamId: string, userId: string, role: 'ADMIN' | 'MEMBER'): Promise<MemberView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      await authorize(ctx, 'team.members.write');
      await teamsRepository.lock(ctx.tx, teamId);
      const member = await teamsRepository.member(ctx.tx, teamId, userId);
      if (!member) throw new AppError('RESOURCE_NOT_FOUND', 'No such member in this team.');
      if (member.role === 'OWNER') throw new AppError('CONFLICT', 'The Owner\'s role changes only through an ownership transfer.');
      if (member.role !== role) {
        if (role === 'MEMBER') await this.assertManagerRemains(ctx.tx, teamId, userId);
        await teamsRepository.setRole(ctx.tx, teamId, userId, role);
        await this.audit.record(ctx, { action: 'team.member.role_change', targetType: 'user', targetId: userId, data: { from: member.role, to: role } });
      }
      const profile = await this.deps.profiles(ctx.tx, userId);
      return { userId, name: profile?.name ?? null, email: profile?.email ?? null, role, joinedAt: member.createdAt };
    });
  }

  /** Removes a member (`team.members.write`); they lose access at once, and their API keys in the team are revoked. */
  async removeMember(ctx: Context, teamId: string, userId: string): Promise<{ teamId: string; userId: string }> {
    await inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      await authorize(ctx, 'team.members.write');
      await teamsRepository.lock(ctx.tx, teamId);
      const member = await teamsRepository.member(ctx.tx, teamId, userId);
      if (!member) throw new AppError('RESOURCE_NOT_FOUND', 'No such member in this team.');
      if (member.role === 'OWNER') throw new AppError('CONFLICT', 'The Owner cannot be removed: they can transfer ownership first.');
      await this.assertManagerRemains(ctx.tx, teamId, userId);
      const revokedApiKeys = await this.detach(ctx, teamId, userId);
      await this.audit.record(ctx, { action: 'team.member.remove', targetType: 'user', targetId: userId, data: { role: member.role, revokedApiKeys } });
    });
    this.deps.apiKeys.forgetMember(teamId, userId);
    return { teamId, userId };
  }

  /**
   * Leaves the team. Allowed only while another Owner or Admin remains (reference §1.3); the
   * Owner transfers ownership first, so a team is never left without one.
   */
  async leave(ctx: Context, teamId: string): Promise<{ teamId: string; userId: string }> {
    const userId = await inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.read');
      await teamsRepository.lock(ctx.tx, teamId);
      const role = await teamsRepository.roleOf(ctx.tx, teamId, access.userId);
      if (!role) throw new AppError('RESOURCE_NOT_FOUND');
      if (role === 'OWNER') throw new AppError('CONFLICT', 'The Owner cannot leave: transfer ownership to another member first, or delete the team.');
      await this.assertManagerRemains(ctx.tx, teamId, access.userId);
      const revokedApiKeys = await this.detach(ctx, teamId, access.userId);
      await this.audit.record(ctx, { action: 'team.member.leave', targetType: 'user', targetId: access.userId, data: { role, revokedApiKeys } });
      return access.userId;
    });
    this.deps.apiKeys.forgetMember(teamId, userId);
    return { teamId, userId };
  }

  /** Asks a member to become Owner (Owner only). One request at a time; it lapses after a week. */
  async requestTransfer(ctx: Context, teamId: string, toUserId: string): Promise<TransferView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.ownership.transfer');
      await teamsRepository.lock(ctx.tx, teamId);
      if (toUserId === access.userId) throw new AppError('CONFLICT', 'You already own this team.');
      if (!(await teamsRepository.roleOf(ctx.tx, teamId, toUserId))) throw new AppError('RESOURCE_NOT_FOUND', 'Ownership can only go to a member of the team.');
      const now = this.clock.now();
      const open = await transfersRepository.findOpen(ctx.tx, teamId);
      if (open && open.expiresAt > now) throw new AppError('CONFLICT', 'An ownership transfer is already pending: cancel it first.');
      if (open) await transfersRepository.close(ctx.tx, open.id, { cancelledAt: now });
      const transfer = await transfersRepository.insert(ctx.tx, {
        teamId, fromUserId: access.userId, toUserId, createdAt: now, expiresAt: new Date(now.getTime() + TRANSFER_TTL_MS),
      });
      await this.audit.record(ctx, { action: 'team.ownership.transfer_request', targetType: 'user', targetId: toUserId, data: { transferId: transfer.id } });
      return transferView(transfer);
    });
  }

  /** The pending ownership transfer, visible to every member, or null. */
  async pendingTransfer(ctx: Context, teamId: string): Promise<TransferView | null> {
    ctx = scopeToTeam(ctx, teamId);
    await authorize(ctx, 'team.read');
    const open = await transfersRepository.findOpen(ctx.tx, teamId);
    return open && open.expiresAt > this.clock.now() ? transferView(open) : null;
  }

  /** Withdraws the pending transfer: the Owner cancels it, or the member asked declines it. */
  async cancelTransfer(ctx: Context, teamId: string): Promise<TransferView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.read');
      await teamsRepository.lock(ctx.tx, teamId);
      const open = await this.openTransfer(ctx.tx, teamId);
      const declining = open.toUserId === access.userId;
      if (!declining) await authorize(ctx, 'team.ownership.transfer');
      const closed = await transfersRepository.close(ctx.tx, open.id, { cancelledAt: this.clock.now() });
      await this.audit.record(ctx, {
        action: declining ? 'team.ownership.transfer_decline' : 'team.ownership.transfer_cancel',
        targetType: 'user',
        targetId: open.toUserId,
        data: { transferId: open.id },
      });
      return transferView(closed ?? open);
    });
  }

  /** The member asked accepts: they become Owner and the previous Owner becomes Admin. */
  async acceptTransfer(ctx: Context, teamId: string): Promise<TeamView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.read');
      await teamsRepository.lock(ctx.tx, teamId);
      const open = await this.openTransfer(ctx.tx, teamId);
      if (open.toUserId !== access.userId) throw new AppError('FORBIDDEN', 'Only the member asked to become Owner can accept the transfer.');
      const now = this.clock.now();
      if ((await teamsRepository.roleOf(ctx.tx, teamId, open.fromUserId)) !== 'OWNER') {
        await transfersRepository.close(ctx.tx, open.id, { cancelledAt: now });
        throw new AppError('CONFLICT', 'The person who asked is no longer the Owner; the request is void.');
      }
      await teamsRepository.setRole(ctx.tx, teamId, open.fromUserId, 'ADMIN');
      await teamsRepository.setRole(ctx.tx, teamId, open.toUserId, 'OWNER');
      await transfersRepository.close(ctx.tx, open.id, { acceptedAt: now });
      await this.audit.record(ctx, {
        action: 'team.ownership.transfer',
        targetType: 'user',
        targetId: open.toUserId,
        data: { transferId: open.id, fromUserId: open.fromUserId, toUserId: open.toUserId },
      });
      const team = await teamsRepository.teamFor(ctx.tx, teamId, open.toUserId);
      return teamView(team!);
    });
  }

  private async openTransfer(ex: Executor, teamId: string): Promise<TransferRow> {
    const open = await transfersRepository.findOpen(ex, teamId);
    if (!open || open.expiresAt <= this.clock.now()) throw new AppError('RESOURCE_NOT_FOUND', 'No ownership transfer is pending for this team.');
    return open;
  }

  /** Refuses a change that would leave the team without any Owner or Admin besides `userId`. */
  private async assertManagerRemains(ex: Executor, teamId: string, userId: string): Promise<void> {
    if ((await teamsRepository.countManagersExcept(ex, teamId, userId)) === 0) {
      throw new AppError('CONFLICT', 'Another Owner or Admin must remain in the team: make someone else Admin first.');
    }
  }

  /** Takes a person out of a team: membership, their API keys there, and any transfer they are part of. */
  private async detach(ctx: Context, teamId: string, userId: string): Promise<number> {
    await teamsRepository.removeMember(ctx.tx, teamId, userId);
    await transfersRepository.cancelInvolving(ctx.tx, teamId, userId, this.clock.now());
    return this.deps.apiKeys.revokeAllOf(ctx, teamId, userId);
  }
}
