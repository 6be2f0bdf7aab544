/** Privacy primitives every module uses: the KMS port, per-subject encryption, keyed hashes and the data map. */
export { KmsError, LocalKeyFileKms, type Kms } from './kms.ts';
export { CiphertextError, SubjectCrypto, type SubjectCryptoOptions } from './subject-crypto.ts';
export { KeyedHasher, normaliseForHash, type KnownHashKind } from './keyed-hash.ts';
export {
  checkDataMap,
  dataMap,
  findUndeclaredColumns,
  nonPersonal,
  personal,
  personalColumns,
  processors,
  type ColumnDeclaration,
  type DataCategory,
  type DataMap,
  type DataMapCheck,
  type LegalGround,
  type NonPersonalColumn,
  type PersonalColumn,
  type PersonalColumnEntry,
  type Processor,
  type ProcessorId,
  type Purpose,
  type Retention,
  type TransferGround,
} from './data-map.ts';
export { subjectKeys } from './privacy.schema.ts';
export { cookieOptions, cookies, type CookieEntry, type CookieName } from './cookies.ts';
