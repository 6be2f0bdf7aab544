import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { DAY } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { NotifyInput } from '../notifications/notifications.service.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { invitationsRepository, type InvitationRow } from './invitations.repository.ts';
import { actingUserId, authorize, scopeToTeam, type Role } from './permissions.ts';
import { teamsRepository } from './teams.repository.ts';
import type { Page, ProfileLookup, TeamView } from './teams.service.ts';

export interface InvitationsDeps {
  clock: Clock;
  audit: Audit;
  subjects: SubjectCrypto;
  hasher: KeyedHasher;
  profiles: ProfileLookup;
  /** The account registered with this e-mail address, if any. */
  findUserIdByEmail: (ex: Executor, email: string) => Promise<string | null>;
  notify: (ctx: Context, input: NotifyInput) => Promise<string>;
}

export interface InvitationView {
  id: string;
  teamId: string;
  email: string | null;
  role: 'ADMIN' | 'MEMBER';
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** An invitation as its invitee sees it (in their list of teams). */
export interface ReceivedInvitationView {
  id: string;
  teamId: string;
  teamName: string;
  role: 'ADMIN' | 'MEMBER';
  createdAt: Date;
  expiresAt: Date;
}

/** Issue 4: an invitation is valid for 7 days. */
export const INVITATION_TTL_MS = 7 * DAY;
/** More pending invitations than this in one team is more likely abuse (mail to strangers) than hiring. */
export const MAX_PENDING_INVITATIONS = 50;
/** Where the e-mail's button leads: the console's page that signs the person in and accepts. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ACCEPT_PATH = '/invitations/accept';
const TOKEN_PREFIX = 'sci_';
const TOKEN_HASH_KIND = 'team-invitation-token';
const EMAIL_FIELD = 'team_invitations.email';

/**
 * E-mail invitations to join a team. The token in the e-mail is 256 random bits; only its keyed
 * hash (HMAC under the platform's key) is stored, so neither a database copy nor a guess can
 * produce a working link. The invited address is encrypted under the invitation's own data key,
 * shredded once the invitation is accepted or revoked. Accepting needs an account whose e-mail
 * address is the invited one: the keyed hashes of both are compared.
 */
export class TeamInvitationsService {
  constructor(private readonly deps: InvitationsDeps) {}

  /**
   * Invites an address as Admin or Member (`team.members.write`) and queues the e-mail in the
   * same transaction. Inviting an address again replaces its pending invitation (a resend).
   */
  async invite(ctx: Context, teamId: string, input: { email: string; role: 'ADMIN' | 'MEMBER' }): Promise<InvitationView> {
    const { clock, hasher, subjects } = this.deps;
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      const access = await authorize(ctx, 'team.members.write');
      const team = await teamsRepository.lock(ctx.tx, teamId);
      if (!team) throw new AppError('RESOURCE_NOT_FOUND');
      const now = clock.now();
      const email = input.email.trim();
      const emailHash = hasher.hash('email', email);

      const existingUser = await this.deps.findUserIdByEmail(ctx.tx, email);
      if (existingUser && (await teamsRepository.roleOf(ctx.tx, teamId, existingUser))) {
        throw new AppError('CONFLICT', 'This person is already a member of the team.');
      }
      const replaced = await invitationsRepository.pendingForTeamAndEmail(ctx.tx, teamId, emailHash, now);
      for (const old of replaced) await this.close(ctx.tx, old.id, now);
      if ((await invitationsRepository.countPending(ctx.tx, teamId, now)) >= MAX_PENDING_INVITATIONS) {
        throw new AppError('CONFLICT', `The team has ${MAX_PENDING_INVITATIONS} pending invitations: revoke some before sending more.`);
      }

      const id = crypto.randomUUID();
      const token = `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
      const row = await invitationsRepository.insert(ctx.tx, {
        id,
        teamId,
        role: input.role,
        emailEnc: await subjects.encrypt(ctx.tx, id, EMAIL_FIELD, email),
        emailHash,
        tokenHash: hasher.hash(TOKEN_HASH_KIND, token),
        invitedBy: access.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      });
      const inviter = await this.deps.profiles(ctx.tx, access.userId);
      await this.deps.notify(ctx, {
        template: 'team-invitation',
        variables: {
          inviterName: clip(inviter?.name ?? 'A member of your team'),
          teamName: clip(team.name),
          acceptUrl: `${ACCEPT_PATH}?token=${token}`,
          expiresAt: row.expiresAt.toISOString(),
        },
        to: { email },
        teamId,
      });
      await this.deps.audit.record(ctx, {
        action: 'team.invitation.create',
        targetType: 'invitation',
        targetId: id,
        data: { role: input.role, replaced: replaced.map((r) => r.id) },
      });
      return view(row, email);
    });
  }

  /** Pending invitations with their addresses (`team.members.write`). */
  async listPending(ctx: Context, teamId: string, page: Page): Promise<{ rows: InvitationView[]; total: number }> {
    ctx = scopeToTeam(ctx, teamId);
    await authorize(ctx, 'team.members.write');
    const { rows, total } = await invitationsRepository.listPending(ctx.tx, teamId, this.deps.clock.now(), page.limit, page.offset);
    const emails = await Promise.all(rows.map((r) => this.deps.subjects.decrypt(ctx.tx, r.id, EMAIL_FIELD, r.emailEnc)));
    return { rows: rows.map((r, i) => view(r, emails[i] ?? null)), total };
  }

  /** Revokes a pending invitation (`team.members.write`); its link stops working at once. */
  async revoke(ctx: Context, teamId: string, invitationId: string): Promise<InvitationView> {
    return inTransaction(scopeToTeam(ctx, teamId), async (ctx) => {
      await authorize(ctx, 'team.members.write');
      const now = this.deps.clock.now();
      const row = await invitationsRepository.findPending(ctx.tx, teamId, invitationId, now);
      if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'No pending invitation with this id in this team.');
      const email = await this.deps.subjects.decrypt(ctx.tx, row.id, EMAIL_FIELD, row.emailEnc);
      const revoked = await this.close(ctx.tx, row.id, now);
      if (!revoked) throw new AppError('RESOURCE_NOT_FOUND', 'No pending invitation with this id in this team.');
      await this.deps.audit.record(ctx, { action: 'team.invitation.revoke', targetType: 'invitation', targetId: row.id, data: { role: row.role } });
      return view(revoked, email);
    });
  }

  /** Pending invitations sent to the acting person's e-mail address. */
  async listReceived(ctx: Context): Promise<ReceivedInvitationView[]> {
    const userId = actingUserId(ctx);
    if (!userId) throw new AppError('UNAUTHORIZED');
    const profile = await this.deps.profiles(ctx.tx, userId);
    if (!profile) return [];
    const rows = await invitationsRepository.pendingForEmail(ctx.tx, this.deps.hasher.hash('email', profile.email), this.deps.clock.now());
    return rows.map((r) => ({ id: r.id, teamId: r.teamId, teamName: r.teamName, role: r.role, createdAt: r.createdAt, expiresAt: r.expiresAt }));
  }

  /**
   * Accepts an invitation for the acting person (the signed-in user, or the creator of the API
   * key): the token must be current and unused, and their account's e-mail address must be the
   * invited one. The person joins with the invited role.
   */
  async accept(ctx: Context, token: string): Promise<TeamView> {
    return this.acceptWith(ctx, false, async (ex) =>
      token.startsWith(TOKEN_PREFIX) ? invitationsRepository.findByTokenHash(ex, this.deps.hasher.hash(TOKEN_HASH_KIND, token)) : undefined,
    );
  }

  /**
   * Accepts an invitation from "Invitations for you" (`GET /invitations`), by its id: the same
   * rules as the e-mailed link, the invited address being the proof instead of the token.
   */
  async acceptById(ctx: Context, invitationId: string): Promise<TeamView> {
    return this.acceptWith(ctx, true, async (ex) => (UUID_PATTERN.test(invitationId) ? invitationsRepository.findById(ex, invitationId) : undefined));
  }

  /** `byId`: without the token, an invitation addressed to someone else is not confirmed to exist. */
  private async acceptWith(ctx: Context, byId: boolean, find: (ex: Executor) => Promise<InvitationRow | undefined>): Promise<TeamView> {
    const { clock, hasher } = this.deps;
    const userId = actingUserId(ctx);
    if (!userId) throw new AppError('UNAUTHORIZED', 'Sign in to accept an invitation.');
    return inTransaction(ctx, async (ctx) => {
      const row = await find(ctx.tx);
      if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'This invitation link is not valid.');
      const profile = await this.deps.profiles(ctx.tx, userId);
      const addressed = Boolean(profile && sameHash(hasher.hash('email', profile.email), row.emailHash));
      if (byId && !addressed) throw new AppError('RESOURCE_NOT_FOUND', 'You have no invitation with this id.');
      if (row.acceptedAt) throw new AppError('CONFLICT', 'This invitation has already been used.');
      if (row.revokedAt) throw new AppError('CONFLICT', 'This invitation was revoked: ask a team Owner or Admin to send a new one.');
      const now = clock.now();
      if (row.expiresAt <= now) throw new AppError('INVITATION_EXPIRED');
      if (!addressed) throw new AppError('INVITATION_EMAIL_MISMATCH');

      const team = await teamsRepository.lock(ctx.tx, row.teamId);
      if (!team) throw new AppError('RESOURCE_NOT_FOUND', 'This invitation link is not valid.');
      if (await teamsRepository.roleOf(ctx.tx, row.teamId, userId)) throw new AppError('CONFLICT', 'You are already a member of this team.');
      // Conditional: of two requests racing with one token, one wins.
      if (!(await invitationsRepository.markAccepted(ctx.tx, row.id, now, userId))) throw new AppError('CONFLICT', 'This invitation has already been used.');
      await teamsRepository.addMember(ctx.tx, { teamId: row.teamId, userId, role: row.role, createdAt: now });
      await this.deps.subjects.shred(ctx.tx, row.id);
      const inTeam = { ...ctx, teamId: row.teamId };
      await this.deps.audit.record(inTeam, { action: 'team.invitation.accept', targetType: 'invitation', targetId: row.id });
      await this.deps.audit.record(inTeam, { action: 'team.member.join', targetType: 'user', targetId: userId, data: { role: row.role, invitationId: row.id } });
      return { id: team.id, name: team.name, avatarUrl: team.avatarUrl, role: row.role as Role, createdAt: team.createdAt };
    });
  }

  /** Revokes and forgets the address (its data key is shredded). */
  private async close(ex: Executor, id: string, now: Date): Promise<InvitationRow | undefined> {
    const row = await invitationsRepository.markRevoked(ex, id, now);
    if (row) await this.deps.subjects.shred(ex, id);
    return row;
  }
}

const view = (r: InvitationRow, email: string | null): InvitationView => ({
  id: r.id, teamId: r.teamId, email, role: r.role, invitedBy: r.invitedBy, createdAt: r.createdAt, expiresAt: r.expiresAt,
});

const clip = (s: string) => (s.length > 100 ? `${s.slice(0, 99)}…` : s);

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
