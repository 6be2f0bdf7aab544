import { describe, expect, it } from 'vitest';
import { parseSshPublicKey, SshKeyFormatError } from './ssh-public-key.ts';

// Made with ssh-keygen; fingerprints as `ssh-keygen -lf` printed them.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhVVK4/fYY08jJ8J6vbvLZvZNnDiQAIIk2XN7q5CkqO ada@example.rw';
const RSA_2048 =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDzybYjaxg32rG2qYC4LE2bf+GUhhODlAcc60JtmaqD9nTGGqznQoR0RwiNtO35xZWRTYo0x1DRA5K3/NHNO/EHVwpobDIYJHbKmzE8nQ7NogOqxdMXbJIdpiN4aMhj8aHrVbOIJEnTinjVikErgDbJNobqh5akmcqHnuE6CTZYrNB63OkYziilvWvdkz+ux60Pl8Wmd7VW6v6TVkeWL84iML5p4aEkz1P0cZDvKVobZmDTineTzsF2+Y6ObDQ26o0sxlqj1hb2fgz6cLX83KbITtP7lfp1n8sLfHeUtQ5CQA1CvD/D+Uhz2VNIPyJR13OOV7ORIbV7RiIz7mXtVeUh r@h';
const ECDSA_384 =
  'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBB93UfJ/ZcSI8bsNBoBzAI/vmeFuLbbkj7Xs/eByCOhB0fILEw8WFYzvU5GZIN6+U5CXewgXqQYe4Uz6SoiUGxNelUK/j6wHXCJBFxzIa9tWdRi9v6xr6YQc+H3VijgjIg== root@vm';
const RSA_1024 =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDD86CXxXCzUDk5RFsfRXP5LPbZcPCDFJAnfdwI4fafXQqY+8//dSpy1c7Btx15hDzUUuJYeJTdsCs/sf49cHvuVJgWVEmKwI1/Tnvq71UBqhe5ru8cUwbVp240X12goqf/shkxEOMEweP6u05i9/nqBSal1fI1n5fnm/FShkmAiQ== root@vm';

describe('OpenSSH public keys', () => {
  it('reads Ed25519, RSA and ECDSA keys with the fingerprints ssh-keygen prints', () => {
    expect(parseSshPublicKey(ED25519)).toEqual({
      type: 'ssh-ed25519',
      key: ED25519.replace(' ada@example.rw', ''),
      comment: 'ada@example.rw',
      fingerprint: 'SHA256:7QIsyZs76yCoH7Vn+5Zz13l0a62TfsLyDleINQEJ38k',
      bits: 256,
    });
    expect(parseSshPublicKey(RSA_2048)).toMatchObject({ type: 'ssh-rsa', bits: 2048, fingerprint: 'SHA256:JjOdS8U3wNGTKDnmoJ+t8o57kJdsGGi5txqcTEQcJ9Q' });
    expect(parseSshPublicKey(ECDSA_384)).toMatchObject({ type: 'ecdsa-sha2-nistp384', bits: 384, fingerprint: 'SHA256:zIJhMvAaLS2qO2H9arvtfA3Vfd+yQtgw4T8STGka220' });
    expect(parseSshPublicKey(`  ${ED25519.split(' ').slice(0, 2).join(' ')}\n`).comment).toBeNull();
  });

  it('refuses what sshd would not take, saying why', () => {
    const bad = (line: string, why: RegExp) => {
      expect(() => parseSshPublicKey(line)).toThrow(SshKeyFormatError);
      expect(() => parseSshPublicKey(line)).toThrow(why);
    };
    bad('', /empty/);
    bad('ssh-ed25519', /expected/);
    bad(RSA_1024, /at least 2048 bits/);
    bad(ED25519.replace('ssh-ed25519 ', 'ssh-rsa '), /of type "ssh-ed25519", not ssh-rsa/);
    bad(ED25519.replace('AAAAIBhVVK4', 'AAAAIBhVVK'), /base64|truncated|32 bytes/);
    bad('ssh-dss AAAAB3NzaC1kc3MAAACBAP== x', /unsupported key type/);
    bad('ssh-ed25519 not*base64', /not base64/);
    bad(`${ED25519}\n${ED25519}`, /one key per entry/);
    // 32 bytes of key followed by a stray byte.
    const blob = Buffer.concat([Buffer.from(ED25519.split(' ')[1]!, 'base64'), Buffer.from([0])]);
    bad(`ssh-ed25519 ${blob.toString('base64')}`, /trailing bytes/);
  });
});
