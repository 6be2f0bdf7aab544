import crypto from 'node:crypto';

/**
 * OpenSSH public keys (`authorized_keys` lines): `<type> <base64 blob> [comment]`. The blob is
 * the SSH wire encoding (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4, PROTOCOL.u2f), read here in
 * full so that what we write to a machine is a key sshd will accept, and the fingerprint is
 * OpenSSH's: `SHA256:` and the unpadded base64 of the blob's SHA-256 (what `ssh-keygen -l` prints).
 * Hand-written because the format is small and exact, and the one library for it (sshpk) brings
 * much more than this needs (docs/decisions/0009-compute.md).
 */
export interface SshPublicKey {
  type: string;
  /** `type blob`, without the comment: what is stored and written to machines. */
  key: string;
  comment: string | null;
  fingerprint: string;
  /** Key size in bits (RSA modulus, curve size; 256 for Ed25519). */
  bits: number;
}

export class SshKeyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshKeyFormatError';
  }
}

const MAX_LINE = 16 * 1024;
const MIN_RSA_BITS = 2048;
const CURVES: Record<string, { name: string; point: number; bits: number }> = {
  'ecdsa-sha2-nistp256': { name: 'nistp256', point: 65, bits: 256 },
  'ecdsa-sha2-nistp384': { name: 'nistp384', point: 97, bits: 384 },
  'ecdsa-sha2-nistp521': { name: 'nistp521', point: 133, bits: 521 },
};

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(): Buffer {
    if (this.at + 4 > this.buf.length) throw new SshKeyFormatError('the key data is truncated');
    const len = this.buf.readUInt32BE(this.at);
    const start = this.at + 4;
    if (start + len > this.buf.length) throw new SshKeyFormatError('the key data is truncated');
    this.at = start + len;
    return this.buf.subarray(start, start + len);
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
  end(): void {
    if (this.at !== this.buf.length) throw new SshKeyFormatError('the key data has trailing bytes');
  }
}

/** Bits of an SSH mpint (big-endian, two's complement, a leading zero byte when the top bit is set). */
function mpintBits(b: Buffer): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** Parses and checks one public key line; throws `SshKeyFormatError` saying what is wrong. */
export function parseSshPublicKey(line: string): SshPublicKey {
  const text = line.trim();
  if (text.length === 0) throw new SshKeyFormatError('the key is empty');
  if (text.length > MAX_LINE) throw new SshKeyFormatError('the key is too long');
  if (/[\r\n]/.test(text)) throw new SshKeyFormatError('give one key per entry, on one line');
  const [type, b64, ...commentParts] = text.split(/\s+/);
  if (!type || !b64) throw new SshKeyFormatError('expected "<type> <base64 key> [comment]", as in ~/.ssh/id_ed25519.pub');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new SshKeyFormatError('the key data is not base64');
  const blob = Buffer.from(b64, 'base64');
  const r = new Reader(blob);
  const inner = r.string();
  if (inner !== type) throw new SshKeyFormatError(`the key data is of type ${JSON.stringify(inner.slice(0, 40))}, not ${type}`);
  let bits: number;
  switch (type) {
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com': {
      if (r.bytes().length !== 32) throw new SshKeyFormatError('an Ed25519 key is 32 bytes');
      if (type.startsWith('sk-')) r.string(); // the FIDO application, usually "ssh:"
      bits = 256;
      break;
    }
    case 'ssh-rsa': {
      const e = r.bytes();
      bits = mpintBits(r.bytes());
      if (mpintBits(e) < 2) throw new SshKeyFormatError('the RSA exponent is invalid');
      if (bits < MIN_RSA_BITS) throw new SshKeyFormatError(`RSA keys need at least ${MIN_RSA_BITS} bits; this one has ${bits}`);
      break;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
    case 'sk-ecdsa-sha2-nistp256@openssh.com': {
      const curve = CURVES[type.startsWith('sk-') ? 'ecdsa-sha2-nistp256' : type]!;
      if (r.string() !== curve.name) throw new SshKeyFormatError(`the curve does not match ${type}`);
      const q = r.bytes();
      if (q.length !== curve.point || q[0] !== 4) throw new SshKeyFormatError('the ECDSA point is not an uncompressed point of the curve');
      if (type.startsWith('sk-')) r.string();
      bits = curve.bits;
      break;
    }
    default:
      throw new SshKeyFormatError(`unsupported key type ${JSON.stringify(type.slice(0, 40))}: use ssh-ed25519 (recommended), ecdsa-sha2-nistp256/384/521 or ssh-rsa (2048 bits or more)`);
  }
  r.end();
  const comment = commentParts.join(' ');
  return {
    type,
    key: `${type} ${blob.toString('base64')}`,
    comment: comment || null,
    fingerprint: `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    bits,
  };
}
