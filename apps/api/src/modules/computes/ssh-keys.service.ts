import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Audit } from '../audit/audit.service.ts';
import { authorize } from '../teams/permissions.ts';
import { sshKeysRepository, type SshKeyRow } from './ssh-keys.repository.ts';
import { parseSshPublicKey, SshKeyFormatError } from './ssh-public-key.ts';

export interface SshKeyView {
  id: string;
  name: string;
  publicKey: string;
  fingerprint: string;
  type: string;
  bits: number;
  createdBy: string | null;
  createdAt: Date;
}

const view = (k: SshKeyRow): SshKeyView => {
  const parsed = parseSshPublicKey(k.publicKey);
  return { id: k.id, name: k.name, publicKey: k.publicKey, fingerprint: k.fingerprint, type: parsed.type, bits: parsed.bits, createdBy: k.createdBy, createdAt: k.createdAt };
};

/**
 * SSH keys as team resources (reference §1.1, "SSH keys"): any member sees them, Owners and Admins
 * add, rename and delete them, and they are chosen by id or fingerprint when creating a compute.
 * A key is stored without its comment (often an e-mail address); machines made with it keep their
 * copy when it is deleted here.
 */
export class SshKeysService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: Audit,
  ) {}

  async list(ctx: Context, page: { limit: number; offset: number }): Promise<{ rows: SshKeyView[]; total: number }> {
    const access = await authorize(ctx, 'ssh_key.read');
    const { rows, total } = await sshKeysRepository.list(ctx.tx, access.teamId, page.limit, page.offset);
    return { rows: rows.map(view), total };
  }

  async get(ctx: Context, id: string): Promise<SshKeyView> {
    const access = await authorize(ctx, 'ssh_key.read');
    const key = await sshKeysRepository.find(ctx.tx, access.teamId, id);
    if (!key) throw new AppError('RESOURCE_NOT_FOUND', 'No such SSH key in this team.');
    return view(key);
  }

  async create(ctx: Context, input: { name: string; publicKey: string }): Promise<SshKeyView> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'ssh_key.write');
      let parsed;
      try {
        parsed = parseSshPublicKey(input.publicKey);
      } catch (err) {
        if (err instanceof SshKeyFormatError) throw new AppError('VALIDATION_ERROR', undefined, [{ field: 'publicKey', message: err.message }]);
        throw err;
      }
      const row = await sshKeysRepository.insert(ctx.tx, {
        teamId: access.teamId,
        name: input.name,
        publicKey: parsed.key,
        fingerprint: parsed.fingerprint,
        createdBy: access.userId,
        createdAt: this.clock.now(),
      });
      if (!row) {
        const existing = await sshKeysRepository.findByFingerprint(ctx.tx, access.teamId, parsed.fingerprint);
        throw new AppError('CONFLICT', `The team already has this key (${parsed.fingerprint})${existing ? `, named ${JSON.stringify(existing.name)}` : ''}.`, existing ? { sshKeyId: existing.id } : undefined);
      }
      await this.audit.record(ctx, { action: 'ssh_key.create', targetType: 'ssh_key', targetId: row.id, data: { fingerprint: row.fingerprint } });
      return view(row);
    });
  }

  async rename(ctx: Context, id: string, name: string): Promise<SshKeyView> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'ssh_key.write');
      const row = await sshKeysRepository.rename(ctx.tx, access.teamId, id, name);
      if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'No such SSH key in this team.');
      await this.audit.record(ctx, { action: 'ssh_key.update', targetType: 'ssh_key', targetId: row.id, data: { fields: ['name'] } });
      return view(row);
    });
  }

  /** Deletes the key from the team; computes made with it keep it. */
  async delete(ctx: Context, id: string): Promise<SshKeyView> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, 'ssh_key.write');
      const row = await sshKeysRepository.delete(ctx.tx, access.teamId, id);
      if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'No such SSH key in this team.');
      await this.audit.record(ctx, { action: 'ssh_key.delete', targetType: 'ssh_key', targetId: row.id, data: { fingerprint: row.fingerprint } });
      return view(row);
    });
  }
}
