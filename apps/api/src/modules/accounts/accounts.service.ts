import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { AppError } from '../../shared/errors.ts';
import { accountsRepository } from './accounts.repository.ts';
import { sessionOf } from './sessions.service.ts';
import type { NotifyInput, RecipientProfile } from '../notifications/notifications.service.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;

export interface Profile {
  id: string;
  name: string;
  email: string;
  /** Profile picture URL from the sign-in provider, or null. */
  avatarUrl: string | null;
  locale: 'en' | 'rw' | 'fr';
  /** When the person closed the account (privacy notice §5), or null while it is open. */
  closedAt: Date | null;
}

/**
 * People with an account. Name and e-mail are encrypted with the person's own data key before
 * they reach a table; the e-mail is found again through its keyed hash.
 */
export class AccountsService {
  constructor(
    private readonly subjects: SubjectCrypto,
    private readonly hasher: KeyedHasher,
    private readonly clock: Clock,
    private readonly audit: Audit,
    private readonly notify: Notify,
  ) {}

  async findIdByEmail(ex: Executor, email: string): Promise<string | null> {
    return (await accountsRepository.findByEmailHash(ex, this.hasher.hash('email', email)))?.id ?? null;
  }

  async create(ctx: Context, input: { email: string; name: string; avatarUrl?: string | null }): Promise<Profile> {
    return inTransaction(ctx, async (ctx) => {
      const id = crypto.randomUUID();
      const now = this.clock.now();
      const avatarUrl = input.avatarUrl ?? null;
      await accountsRepository.insert(ctx.tx, {
        id,
        nameEnc: await this.subjects.encrypt(ctx.tx, id, 'users.name', input.name),
        emailEnc: await this.subjects.encrypt(ctx.tx, id, 'users.email', input.email.trim()),
        emailHash: this.hasher.hash('email', input.email),
        avatarUrlEnc: avatarUrl === null ? null : await this.subjects.encrypt(ctx.tx, id, 'users.avatar_url', avatarUrl),
        createdAt: now,
        updatedAt: now,
      });
      await this.audit.record(ctx, { action: 'user.create', targetType: 'user', targetId: id });
      // The welcome e-mail is queued in the same transaction: no account without it, no e-mail without the account.
      await this.notify(ctx, { template: 'welcome', variables: { name: input.name }, to: { userId: id } });
      return { id, name: input.name, email: input.email.trim(), avatarUrl, locale: 'en' as const, closedAt: null };
    });
  }

  /**
   * Rectification by the signed-in person (privacy notice §6): name, language and avatar. The
   * e-mail address stays the one the provider verified; the audit event names the fields changed,
   * never their values.
   */
  async updateMine(ctx: Context, patch: { name?: string; locale?: 'en' | 'rw' | 'fr'; avatarUrl?: string | null }): Promise<Profile> {
    const { userId } = sessionOf(ctx);
    return inTransaction(ctx, async (ctx) => {
      const set: Parameters<typeof accountsRepository.update>[2] = {};
      if (patch.name !== undefined) set.nameEnc = await this.subjects.encrypt(ctx.tx, userId, 'users.name', patch.name);
      if (patch.locale !== undefined) set.locale = patch.locale;
      if (patch.avatarUrl !== undefined) set.avatarUrlEnc = patch.avatarUrl === null ? null : await this.subjects.encrypt(ctx.tx, userId, 'users.avatar_url', patch.avatarUrl);
      const fields = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
      if (fields.length) {
        await accountsRepository.update(ctx.tx, userId, { ...set, updatedAt: this.clock.now() });
        await this.audit.record({ ...ctx, teamId: null }, { action: 'user.update', targetType: 'user', targetId: userId, data: { fields } });
      }
      const profile = await this.profile(ctx.tx, userId);
      if (!profile) throw new AppError('UNAUTHORIZED', 'This account no longer exists.');
      return profile;
    });
  }

  /** When the person closed the account, or null while it is open (or when there is no such person). */
  async closedAt(ex: Executor, id: string): Promise<Date | null> {
    return (await accountsRepository.findById(ex, id))?.closedAt ?? null;
  }

  /** When the account was created, or null when there is no such person. */
  async createdAt(ex: Executor, id: string): Promise<Date | null> {
    return (await accountsRepository.findById(ex, id))?.createdAt ?? null;
  }

  /** The decrypted profile, or null when the person does not exist or was erased. */
  async profile(ex: Executor, id: string): Promise<Profile | null> {
    const row = await accountsRepository.findById(ex, id);
    if (!row) return null;
    const [name, email, avatarUrl] = await Promise.all([
      this.subjects.decrypt(ex, id, 'users.name', row.nameEnc),
      this.subjects.decrypt(ex, id, 'users.email', row.emailEnc),
      row.avatarUrlEnc === null ? null : this.subjects.decrypt(ex, id, 'users.avatar_url', row.avatarUrlEnc),
    ]);
    return name === null || email === null ? null : { id, name, email, avatarUrl, locale: row.locale, closedAt: row.closedAt };
  }

  /** What the notification outbox needs at send time: address, language and consent flags. */
  async recipientProfile(ex: Executor, id: string): Promise<RecipientProfile | null> {
    const row = await accountsRepository.findById(ex, id);
    if (!row) return null;
    const [name, email] = await Promise.all([
      this.subjects.decrypt(ex, id, 'users.name', row.nameEnc),
      this.subjects.decrypt(ex, id, 'users.email', row.emailEnc),
    ]);
    if (name === null || email === null) return null;
    return {
      name,
      email,
      phone: null,
      locale: row.locale,
      isMinor: row.isMinor,
      marketingObjected: row.marketingObjectedAt !== null,
      restricted: row.restrictedAt !== null,
    };
  }
}
