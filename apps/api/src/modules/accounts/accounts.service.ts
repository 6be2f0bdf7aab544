import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { accountsRepository } from './accounts.repository.ts';
import type { NotifyInput, RecipientProfile } from '../notifications/notifications.service.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;

export interface Profile {
  id: string;
  name: string;
  email: string;
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

  async create(ctx: Context, input: { email: string; name: string }): Promise<Profile> {
    return inTransaction(ctx, async (ctx) => {
      const id = crypto.randomUUID();
      const now = this.clock.now();
      await accountsRepository.insert(ctx.tx, {
        id,
        nameEnc: await this.subjects.encrypt(ctx.tx, id, 'users.name', input.name),
        emailEnc: await this.subjects.encrypt(ctx.tx, id, 'users.email', input.email.trim()),
        emailHash: this.hasher.hash('email', input.email),
        createdAt: now,
        updatedAt: now,
      });
      await this.audit.record(ctx, { action: 'user.create', targetType: 'user', targetId: id });
      // The welcome e-mail is queued in the same transaction: no account without it, no e-mail without the account.
      await this.notify(ctx, { template: 'welcome', variables: { name: input.name }, to: { userId: id } });
      return { id, name: input.name, email: input.email.trim() };
    });
  }

  /** The decrypted profile, or null when the person does not exist or was erased. */
  async profile(ex: Executor, id: string): Promise<Profile | null> {
    const row = await accountsRepository.findById(ex, id);
    if (!row) return null;
    const [name, email] = await Promise.all([
      this.subjects.decrypt(ex, id, 'users.name', row.nameEnc),
      this.subjects.decrypt(ex, id, 'users.email', row.emailEnc),
    ]);
    return name === null || email === null ? null : { id, name, email };
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
