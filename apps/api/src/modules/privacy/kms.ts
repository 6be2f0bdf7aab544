import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The key-management port: wraps and unwraps per-subject data keys with a key-encryption
 * key (KEK) that never leaves the KMS.
 *
 * In production this is a KMS located in Rwanda (for example a self-hosted HashiCorp Vault
 * with the transit engine, or an HSM over PKCS#11): the law requires personal data to be
 * stored in Rwanda (Law 058/2021 Art. 50), and the KEK is what turns the wrapped keys in our
 * database, and every backup of it, back into readable data. `LocalKeyFileKms` is the local
 * implementation for development, tests and single-node installs.
 *
 * Data keys are stored wrapped in our own `subject_keys` table, never as one KMS key per
 * person: KMS products keep deleted keys for a 7–30 day grace period, which would delay
 * crypto-shredding by that much.
 */
export interface Kms {
  /** The KEK that `wrap` uses now. */
  readonly activeKekId: string;
  /** Wraps a data key under the active KEK. `wrapped` is opaque text safe to store. */
  wrap(dek: Buffer): Promise<{ kekId: string; wrapped: string }>;
  /** Unwraps a data key; fails when `wrapped` was not made by `kekId` of this KMS or was altered. */
  unwrap(kekId: string, wrapped: string): Promise<Buffer>;
  /** Makes a new KEK active and keeps the old ones for unwrapping; returns the new id. */
  rotate(): Promise<string>;
}

/**
 * A problem with the key file or with a wrapped key. Messages name the file and the KEK id
 * only: key material, and the file's content, never appear in them.
 */
export class KmsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KmsError';
  }
}

const FILE_FORMAT = 'strettch-key-file';
const FILE_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEK_ID = /^kek-([1-9][0-9]{0,8})$/;

interface KeyFileJson {
  format: typeof FILE_FORMAT;
  version: typeof FILE_VERSION;
  activeKekId: string;
  /** KEK id → 256-bit key, base64. */
  keks: Record<string, string>;
  /** The key of the keyed hash (HMAC) used for lookups of encrypted values, base64. */
  keyedHashKey: string;
}

interface KeyState {
  activeKekId: string;
  keks: Map<string, KeyObject>;
  keyedHashKey: KeyObject;
}

/**
 * KEKs kept in a JSON key file on local disk (config `KEK_FILE`).
 *
 * The file is created on first start with mode 0600 and refused when group or others can
 * access it: whoever reads it can decrypt every person's data, which makes a readable key
 * file a breach (Law 058/2021 Art. 43) rather than a setting. Keys are held as `KeyObject`s
 * so they cannot end up in a log line or a JSON dump of this object by accident.
 *
 * Several processes may share one file (an http and a worker process): a KEK id unknown to
 * this process makes it re-read the file, so keys wrapped after another process rotated
 * still unwrap.
 */
export class LocalKeyFileKms implements Kms {
  private rotating: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private state: KeyState,
  ) {}

  /** Opens the key file, creating it (and its folder) on first start. */
  static async open(file: string): Promise<LocalKeyFileKms> {
    const abs = path.resolve(file);
    await fs.mkdir(path.dirname(abs), { recursive: true, mode: 0o700 });
    const existing = await readKeyFile(abs);
    if (existing) return new LocalKeyFileKms(abs, existing);
    const fresh = newKeyFile();
    if (await createExclusively(abs, fresh)) return new LocalKeyFileKms(abs, toState(fresh, abs));
    // Another process created the file between our read and our create: use theirs.
    const theirs = await readKeyFile(abs);
    if (!theirs) throw new KmsError(`Key file ${abs} disappeared while it was being created.`);
    return new LocalKeyFileKms(abs, theirs);
  }

  get activeKekId(): string {
    return this.state.activeKekId;
  }

  /** The secret of the keyed hash (`KeyedHasher`), a copy the caller may keep. */
  keyedHashKey(): Buffer {
    return this.state.keyedHashKey.export();
  }

  async wrap(dek: Buffer): Promise<{ kekId: string; wrapped: string }> {
    if (dek.length === 0) throw new KmsError('Refusing to wrap an empty data key.');
    const kekId = this.state.activeKekId;
    const kek = this.state.keks.get(kekId);
    if (!kek) throw new KmsError(`The active key-encryption key "${kekId}" is missing from ${this.file}.`);
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', kek, iv);
    // The AAD binds the wrapped key to its KEK id, so a row whose kek_id was edited fails
    // to unwrap instead of being tried under the wrong key.
    cipher.setAAD(wrapAad(kekId));
    const sealed = Buffer.concat([cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { kekId, wrapped: `${iv.toString('base64url')}.${sealed.toString('base64url')}` };
  }

  async unwrap(kekId: string, wrapped: string): Promise<Buffer> {
    let kek = this.state.keks.get(kekId);
    if (!kek) {
      // Another process sharing the file may have rotated since we read it.
      this.state = (await readKeyFile(this.file)) ?? this.state;
      kek = this.state.keks.get(kekId);
    }
    if (!kek) throw new KmsError(`Unknown key-encryption key "${kekId}": it is not in ${this.file}.`);
    const [ivText, sealedText, extra] = wrapped.split('.');
    const iv = ivText === undefined ? undefined : Buffer.from(ivText, 'base64url');
    const sealed = sealedText === undefined ? undefined : Buffer.from(sealedText, 'base64url');
    if (extra !== undefined || !iv || !sealed || iv.length !== IV_BYTES || sealed.length <= TAG_BYTES) {
      throw new KmsError(`A wrapped data key under "${kekId}" is malformed.`);
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', kek, iv);
      decipher.setAAD(wrapAad(kekId));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // The cause (an OpenSSL authentication failure) says nothing useful and is dropped on purpose.
      throw new KmsError(`A wrapped data key does not unwrap under "${kekId}": it was made by another key file, or it was altered.`);
    }
  }

  async rotate(): Promise<string> {
    // Serialise rotations in this process; each one re-reads the file so a KEK another
    // process added is kept, not overwritten.
    const run = this.rotating.then(async () => {
      const current = (await readKeyFile(this.file)) ?? this.state;
      const next = Math.max(...[...current.keks.keys()].map(kekNumber)) + 1;
      const kekId = `kek-${next}`;
      const keks = new Map(current.keks).set(kekId, crypto.createSecretKey(crypto.randomBytes(KEY_BYTES)));
      const state: KeyState = { activeKekId: kekId, keks, keyedHashKey: current.keyedHashKey };
      await replaceAtomically(this.file, fromState(state));
      this.state = state;
      return kekId;
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }
}

function wrapAad(kekId: string): Buffer {
  return Buffer.from(`strettch.dek-wrap.v1:${kekId}`, 'utf8');
}

function kekNumber(id: string): number {
  return Number(KEK_ID.exec(id)?.[1] ?? 0);
}

function newKeyFile(): KeyFileJson {
  return {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    activeKekId: 'kek-1',
    keks: { 'kek-1': crypto.randomBytes(KEY_BYTES).toString('base64') },
    keyedHashKey: crypto.randomBytes(KEY_BYTES).toString('base64'),
  };
}

function fromState(state: KeyState): KeyFileJson {
  return {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    activeKekId: state.activeKekId,
    keks: Object.fromEntries([...state.keks].map(([id, k]) => [id, k.export().toString('base64')])),
    keyedHashKey: state.keyedHashKey.export().toString('base64'),
  };
}

/** Reads and checks the key file; `undefined` when it does not exist. */
async function readKeyFile(file: string): Promise<KeyState | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KmsError(`Cannot open key file ${file} (${(e as NodeJS.ErrnoException).code ?? 'unknown error'}).`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new KmsError(`Key file ${file} is not a regular file.`);
    // POSIX modes mean nothing on Windows, where the folder's ACL has to protect the file.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new KmsError(
        `Key file ${file} has mode ${mode}: group or others can access it, and whoever reads it can decrypt everyone's personal data. ` +
          `Run "chmod 600 ${file}" after checking who may have read it, then start again.`,
      );
    }
    const text = await handle.readFile('utf8');
    return toState(parseKeyFile(text, file), file);
  } finally {
    await handle.close();
  }
}

function parseKeyFile(text: string, file: string): KeyFileJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the error, which here is key material.
    throw new KmsError(`Key file ${file} is not valid JSON.`);
  }
  const j = json as Partial<KeyFileJson> | null;
  if (!j || typeof j !== 'object' || j.format !== FILE_FORMAT || j.version !== FILE_VERSION) {
    throw new KmsError(`Key file ${file} is not a version ${FILE_VERSION} Strettch key file.`);
  }
  if (!j.keks || typeof j.keks !== 'object' || Object.keys(j.keks).length === 0) {
    throw new KmsError(`Key file ${file} holds no key-encryption keys.`);
  }
  for (const [id, key] of Object.entries(j.keks)) {
    if (!KEK_ID.test(id)) throw new KmsError(`Key file ${file} has a key-encryption key with an invalid id "${id.slice(0, 32)}".`);
    if (!isKey(key)) throw new KmsError(`Key file ${file}: key-encryption key "${id}" is not a base64 256-bit key.`);
  }
  if (typeof j.activeKekId !== 'string' || !(j.activeKekId in j.keks)) {
    throw new KmsError(`Key file ${file}: the active key-encryption key is not among its keys.`);
  }
  if (!isKey(j.keyedHashKey)) throw new KmsError(`Key file ${file}: the keyed-hash key is not a base64 256-bit key.`);
  return j as KeyFileJson;
}

function isKey(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const b = Buffer.from(v, 'base64');
  return b.length === KEY_BYTES && b.toString('base64') === v;
}

function toState(j: KeyFileJson, file: string): KeyState {
  const keks = new Map(Object.entries(j.keks).map(([id, k]) => [id, crypto.createSecretKey(Buffer.from(k, 'base64'))]));
  if (!keks.has(j.activeKekId)) throw new KmsError(`Key file ${file}: the active key-encryption key is not among its keys.`);
  return { activeKekId: j.activeKekId, keks, keyedHashKey: crypto.createSecretKey(Buffer.from(j.keyedHashKey, 'base64')) };
}

function serialise(j: KeyFileJson): string {
  return `${JSON.stringify(j, null, 2)}\n`;
}

/** Writes a complete temporary file (exclusive create, mode 0600) and fsyncs it. */
async function writeTemp(file: string, j: KeyFileJson): Promise<string> {
  const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    // The mode given to open() is filtered by the umask; set it explicitly.
    await handle.chmod(0o600);
    await handle.writeFile(serialise(j), 'utf8');
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  return tmp;
}

/**
 * Creates the key file only if none exists. The content is written to a temporary file
 * first and then hard-linked into place, which fails when the name is taken: no reader
 * ever sees a half-written key file, and two processes starting at once agree on one.
 */
async function createExclusively(file: string, j: KeyFileJson): Promise<boolean> {
  const tmp = await writeTemp(file, j);
  try {
    await fs.link(tmp, file);
    await syncFolder(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Replaces the key file atomically (temporary file + rename), so a crash never leaves it half-written. */
async function replaceAtomically(file: string, j: KeyFileJson): Promise<void> {
  const tmp = await writeTemp(file, j);
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(file);
}

/** Makes the new directory entry durable; losing the key file after a power cut loses everyone's data. */
async function syncFolder(file: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
