import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import type { SignInProviderId } from './accounts.schema.ts';
import { identitiesRepository, type IdentityRow } from './identities.repository.ts';
import { sessionOf } from './sessions.service.ts';

export interface IdentityView {
  provider: SignInProviderId;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

/**
 * The sign-in providers linked to an account. Several can be linked; the last one cannot be
 * removed, or nobody could sign in to the account again. The provider's subject is found through
 * a keyed hash and stored encrypted with the person's data key.
 */
export class IdentitiesService {
  constructor(
    private readonly subjects: SubjectCrypto,
    private readonly hasher: KeyedHasher,
    private readonly clock: Clock,
    private readonly audit: Audit,
  ) {}

  private subjectHash(provider: SignInProviderId, subject: string): string {
    return this.hasher.hash('provider-subject', `${provider}:${subject}`);
  }

  async find(ex: Executor, provider: SignInProviderId, subject: string): Promise<IdentityRow | undefined> {
    return identitiesRepository.findBySubject(ex, provider, this.subjectHash(provider, subject));
  }

  async touch(ex: Executor, id: string): Promise<void> {
    await identitiesRepository.touch(ex, id, this.clock.now());
  }

  /** Links a provider account to a person; the caller has checked it is linked to nobody else. */
  async link(ctx: Context, userId: string, provider: SignInProviderId, subject: string): Promise<void> {
    await inTransaction(ctx, async (ctx) => {
      const now = this.clock.now();
      await identitiesRepository.insert(ctx.tx, {
        userId,
        provider,
        subjectHash: this.subjectHash(provider, subject),
        subjectEnc: await this.subjects.encrypt(ctx.tx, userId, 'identities.subject', subject),
        createdAt: now,
        lastUsedAt: now,
      });
      await this.audit.record({ ...ctx, teamId: null }, { action: 'identity.link', targetType: 'user', targetId: userId, data: { provider } });
    });
  }

  async list(ex: Executor, userId: string): Promise<IdentityView[]> {
    return (await identitiesRepository.listForUser(ex, userId)).map((r) => ({ provider: r.provider, linkedAt: r.createdAt, lastUsedAt: r.lastUsedAt }));
  }

  /** Unlinks a provider from the signed-in person's account, keeping at least one. */
  async unlink(ctx: Context, provider: SignInProviderId): Promise<void> {
    const me = sessionOf(ctx);
    await inTransaction(ctx, async (ctx) => {
      // Locked, so two unlinks at once cannot each see "another one remains" and remove both.
      const linked = await identitiesRepository.lockForUser(ctx.tx, me.userId);
      if (!linked.some((i) => i.provider === provider)) throw new AppError('RESOURCE_NOT_FOUND', `No ${provider} sign-in is linked to this account.`);
      if (linked.length <= 1) throw new AppError('CONFLICT', 'This is the only way to sign in to this account: link another provider before removing it.');
      await identitiesRepository.delete(ctx.tx, me.userId, provider);
      await this.audit.record({ ...ctx, teamId: null }, { action: 'identity.unlink', targetType: 'user', targetId: me.userId, data: { provider } });
    });
  }
}
