import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeKmsContract } from './kms.contract.ts';
import { KmsError, LocalKeyFileKms } from './kms.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-kms-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A key-file path in a folder that does not exist yet. */
const freshPath = () => path.join(root, crypto.randomBytes(4).toString('hex'), 'nested', 'keys.json');
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

describeKmsContract('LocalKeyFileKms', () => LocalKeyFileKms.open(freshPath()));

describe('LocalKeyFileKms key file', () => {
  it.runIf(posix)('is created with mode 0600 in a new folder, and reused on reopen', async () => {
    const file = freshPath();
    const first = await LocalKeyFileKms.open(file);
    expect(modeOf(file)).toBe(0o600);
    const { kekId, wrapped } = await first.wrap(Buffer.alloc(32, 7));

    const again = await LocalKeyFileKms.open(file);
    expect(again.activeKekId).toBe(first.activeKekId);
    expect((await again.unwrap(kekId, wrapped)).equals(Buffer.alloc(32, 7))).toBe(true);
    expect(again.keyedHashKey().equals(first.keyedHashKey())).toBe(true);
    expect(again.keyedHashKey()).toHaveLength(32);
    // No temporary files are left next to the key file.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']);
  });

  it.runIf(posix)('is refused when group or others can read it, without changing it', async () => {
    const file = freshPath();
    await LocalKeyFileKms.open(file);
    const content = fs.readFileSync(file, 'utf8');
    fs.chmodSync(file, 0o644);
    await expect(LocalKeyFileKms.open(file)).rejects.toThrow(/mode 0644.*group or others/);
    await expect(LocalKeyFileKms.open(file)).rejects.toBeInstanceOf(KmsError);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    fs.chmodSync(file, 0o600);
    await expect(LocalKeyFileKms.open(file)).resolves.toBeInstanceOf(LocalKeyFileKms);
  });

  it('never puts the file content in an error message', async () => {
    const file = freshPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secret = crypto.randomBytes(32).toString('base64');
    fs.writeFileSync(file, `{"format":"strettch-key-file","keks":{"kek-1":"${secret}"`, { mode: 0o600 });
    const err = (await LocalKeyFileKms.open(file).then(
      () => new Error('opened a corrupt key file'),
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(KmsError);
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).not.toContain(secret.slice(0, 12));
    expect(String(err.cause ?? '')).not.toContain(secret.slice(0, 12));
  });

  it('keeps key material out of JSON and inspection of the object', async () => {
    const file = freshPath();
    const kms = await LocalKeyFileKms.open(file);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { keks: Record<string, string>; keyedHashKey: string };
    const secrets = [...Object.values(stored.keks), stored.keyedHashKey];
    const shown = JSON.stringify(kms) + (await import('node:util')).inspect(kms, { depth: 10 });
    for (const s of secrets) expect(shown).not.toContain(s);
  });

  it('rotation writes the new active KEK to the file (still 0600) and keeps the old ones', async () => {
    const file = freshPath();
    const kms = await LocalKeyFileKms.open(file);
    const old = await kms.wrap(Buffer.alloc(32, 1));
    const hashKey = kms.keyedHashKey();
    const newId = await kms.rotate();

    const reopened = await LocalKeyFileKms.open(file);
    expect(reopened.activeKekId).toBe(newId);
    if (posix) expect(modeOf(file)).toBe(0o600);
    expect((await reopened.unwrap(old.kekId, old.wrapped)).equals(Buffer.alloc(32, 1))).toBe(true);
    // Rotating KEKs must not change the keyed-hash key: every stored e-mail hash depends on it.
    expect(reopened.keyedHashKey().equals(hashKey)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']);
  });

  it('a process that opened the file before another one rotated still unwraps the new keys', async () => {
    const file = freshPath();
    const worker = await LocalKeyFileKms.open(file);
    const http = await LocalKeyFileKms.open(file);
    await http.rotate();
    const fresh = await http.wrap(Buffer.alloc(32, 2));
    expect((await worker.unwrap(fresh.kekId, fresh.wrapped)).equals(Buffer.alloc(32, 2))).toBe(true);
    // A rotation by the other process keeps the KEK this one added, too.
    const third = await worker.rotate();
    expect(third).toBe('kek-3');
    await expect(http.unwrap(fresh.kekId, fresh.wrapped)).resolves.toBeInstanceOf(Buffer);
    expect((await LocalKeyFileKms.open(file)).activeKekId).toBe('kek-3');
  });

  it('two processes starting at once on a new install agree on one key file', async () => {
    const file = freshPath();
    const opened = await Promise.all(Array.from({ length: 6 }, () => LocalKeyFileKms.open(file)));
    const hashKeys = new Set(opened.map((k) => k.keyedHashKey().toString('hex')));
    expect(hashKeys.size).toBe(1);
    const { kekId, wrapped } = await opened[0]!.wrap(Buffer.alloc(32, 3));
    for (const k of opened) expect((await k.unwrap(kekId, wrapped)).equals(Buffer.alloc(32, 3))).toBe(true);
  });
});
