import { z } from 'zod';
import { actionCommands, actionReasons, actionStatuses, computeStates } from './computes.schema.ts';
import { MAX_USER_DATA_BYTES } from './computes.service.ts';
import { parseSshPublicKey, SshKeyFormatError } from './ssh-public-key.ts';

// Control characters (CR, LF, NUL…) have no place in names and tags shown in lists.
const singleLine = /^[^\p{Cc}]*$/u;
const time = (what: string) => z.string().describe(`${what}, ISO 8601 UTC.`);
// RFC 1123 host names: labels of letters, digits and hyphens, not starting or ending with a hyphen.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const sshPublicKey = z
  .string()
  .max(16 * 1024)
  .superRefine((v, ctx) => {
    try {
      parseSshPublicKey(v);
    } catch (err) {
      if (!(err instanceof SshKeyFormatError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  });

export const ComputeIdParamsSchema = z.object({ id: z.string().min(1).max(100).describe('Compute ID.') });
export const ActionIdParamsSchema = z.object({ actionId: z.string().min(1).max(100).describe('Action ID.') });
export const SshKeyIdParamsSchema = z.object({ sshKeyId: z.string().min(1).max(100).describe('SSH key ID.') });

export const IdempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z.string().describe('Idempotency key (UUID v4). A repeat with the same key and body answers with the first response; another body is refused.'),
});

export const ComputeListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('Page number, from 1.'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Items per page, at most 100.'),
  tag: z.string().trim().min(1).max(64).optional().describe('Only computes carrying this tag.'),
});

export const ComputeCreateSchema = z
  .object({
    hostName: z
      .string()
      .trim()
      .transform((s) => s.replace(/\s+/g, '-'))
      .pipe(z.string().regex(HOST_NAME, 'must be a host name: letters, digits and hyphens (spaces become hyphens), dot-separated labels of at most 63 characters'))
      .describe('Host name of the machine; spaces become hyphens.')
      .meta({ example: 'my-server-01' }),
    image: z.string().min(1).max(64).describe('Image slug, from GET /images.').meta({ example: 'UBUNTU-24.04' }),
    region: z.string().min(1).max(64).describe('Region slug, from GET /regions.').meta({ example: 'KGL-1' }),
    specification: z.string().min(1).max(64).describe('Specification slug, from GET /computes/specifications, e.g. S-1C-1G or S-1C.').meta({ example: 'S-1C-1G' }),
    publicKeys: z
      .array(sshPublicKey)
      .max(20)
      .optional()
      .describe('OpenSSH public keys for the default user (`ssh-ed25519 …`, `ecdsa-sha2-…`, `ssh-rsa …` of 2048 bits or more). At least one key is needed, here or in `sshKeys`; comments are not kept.')
      .meta({ example: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host'] }),
    sshKeys: z
      .array(z.string().min(1).max(100))
      .max(20)
      .optional()
      .describe('Team SSH keys to add, by id or `SHA256:` fingerprint (see GET /ssh-keys). Not in the Strettch contract.'),
    tags: z
      .array(z.string().trim().min(1).max(64).refine((v) => singleLine.test(v), 'must be a single line without control characters'))
      .max(20)
      .optional()
      .describe('Labels to filter computes by (GET /computes?tag=…); duplicates are dropped.')
      .meta({ example: ['production', 'web'] }),
    withPublicIp: z.boolean().optional().describe('Give the compute a public IPv4 address (billed separately, within the team\'s limit). Default false: private network only.'),
    userData: z
      .string()
      .max(MAX_USER_DATA_BYTES)
      .optional()
      .describe(`cloud-init user data run at first boot, at most ${MAX_USER_DATA_BYTES / 1024} KiB. Stored encrypted and destroyed with the compute. Not in the Strettch contract.`),
  })
  .meta({ id: 'ComputeCreateRequest' });

export const ComputeUpsizeSchema = z
  .object({ newSpecification: z.string().min(1).max(64).describe('A larger specification slug, e.g. S-1C-1G or S-1C.').meta({ example: 'S-2C-4G' }) })
  .meta({ id: 'UpsizeComputeRequest' });

export const ComputeResponseSchema = z
  .object({
    id: z.string().describe('Compute ID.'),
    hostName: z.string().meta({ example: 'my-server-01' }),
    state: z
      .enum(computeStates)
      .describe('CREATING, RUNNING, STOPPED, REBOOTING, DESTROYING and DESTROYED as in Strettch Cloud; STARTING, STOPPING and RESIZING while those actions run; ERROR when a creation failed.')
      .meta({ example: 'RUNNING' }),
    image: z.string().meta({ example: 'UBUNTU-24.04' }),
    specification: z.string().meta({ example: 'S-1C-1G' }),
    region: z.string().meta({ example: 'KGL-1' }),
    ipv4: z.string().optional().describe('Public IPv4 address; absent when the compute has no public IP.').meta({ example: '195.15.0.73' }),
    privateIpv4: z.string().describe('Address in the team\'s private network, which every compute of the team in the region shares.').meta({ example: '10.0.0.5' }),
    tags: z.array(z.string()).meta({ example: ['production', 'web'] }),
    withPublicIp: z.boolean().describe('Whether the compute was created with a public IP. Not in the Strettch contract.'),
    createdAt: time('When it was created'),
    updatedAt: time('Last change'),
    actionId: z.string().optional().describe('On 202 answers: the action carrying out the change; follow it at GET /actions/{actionId}. Not in the Strettch contract.'),
  })
  .meta({ id: 'ComputeResponse' });

export const ActionResponseSchema = z
  .object({
    id: z.string().describe('Action ID.'),
    computeId: z.string().describe('The compute it acts on.'),
    command: z.enum(actionCommands).describe('create, start, stop, reboot, upsize or destroy.'),
    status: z.enum(actionStatuses).describe('pending (queued), running, succeeded or failed.'),
    progress: z.number().int().min(0).max(100).describe('Percent done, 0–100.'),
    specification: z.string().nullable().describe('The specification the action gives the compute (create, upsize); null otherwise.'),
    reason: z.enum(actionReasons).nullable().describe('Why the platform started it (billing suspension or its lifting); null when a person or API key asked.'),
    error: z.string().nullable().describe('What went wrong, when it failed.'),
    requestedBy: z.string().nullable().describe('User id of who asked (for an API key, its creator); null for the platform.'),
    createdAt: time('When it was asked'),
    startedAt: z.string().nullable().describe('When it started, ISO 8601 UTC.'),
    finishedAt: z.string().nullable().describe('When it ended, ISO 8601 UTC.'),
  })
  .meta({ id: 'ActionResponse' });

export const SshKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100).refine((v) => singleLine.test(v), 'must be a single line without control characters').describe('A name to recognise the key by, e.g. "Ada laptop".'),
    publicKey: sshPublicKey.describe('The OpenSSH public key line, as in ~/.ssh/id_ed25519.pub. The comment is not kept.'),
  })
  .meta({ id: 'SshKeyCreate' });

export const SshKeyUpdateSchema = z
  .object({ name: z.string().trim().min(1).max(100).refine((v) => singleLine.test(v), 'must be a single line without control characters').describe('New name.') })
  .meta({ id: 'SshKeyUpdate' });

export const SshKeyResponseSchema = z
  .object({
    id: z.string().describe('SSH key ID (UUID).'),
    name: z.string(),
    publicKey: z.string().describe('The key, without its comment.'),
    fingerprint: z.string().describe('SHA-256 fingerprint, as `ssh-keygen -l` prints it.').meta({ example: 'SHA256:3Q5Ke6r0Xh8BqvYH9yLw0kR8lq3cJwq2x9V1J2sPq4M' }),
    type: z.string().describe('Key type, e.g. ssh-ed25519.'),
    bits: z.number().int().describe('Key size in bits.'),
    createdBy: z.string().nullable().describe('User id of who added it.'),
    createdAt: time('When it was added'),
  })
  .meta({ id: 'SshKeyResponse' });
