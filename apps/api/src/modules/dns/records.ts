import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { formatRecord, isInZone, normalizeName, parseRecord, quoteString, ZoneDataError, type Rdata, type RrsetType } from './zone.ts';
import type { StoredRecord } from './dns.schema.ts';

/**
 * The rules a domain and its records must follow before anything is stored (RFCs cited where
 * they decide). Values are kept in one canonical presentation form, so what the console shows,
 * what the API returns and what the server answers are the same text.
 */

export const EDITABLE_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS', 'CAA', 'PTR'] as const satisfies readonly RrsetType[];
export type EditableType = (typeof EDITABLE_TYPES)[number];

export interface TtlPolicy {
  min: number;
  max: number;
  default: number;
}

/** A refusal with the field it concerns, reported as VALIDATION_ERROR. */
export class RecordError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/**
 * A domain name as typed by a person → its zone name: trimmed, lower-case, IDN in punycode, no
 * trailing dot. Refused: IP addresses, single labels, public suffixes (`rw`, `co.rw`,
 * `github.io`), reverse-lookup zones (they come with our addresses, not from teams).
 */
export function normalizeDomain(input: string): string {
  const raw = input.trim().replace(/\.$/, '');
  if (raw === '' || /\s/.test(raw)) throw new RecordError('name', 'Enter a domain name, such as example.rw.');
  const ascii = domainToASCII(raw.toLowerCase());
  if (!ascii) throw new RecordError('name', `"${raw}" is not a valid domain name.`);
  let name: string;
  try {
    name = normalizeName(ascii);
  } catch (e) {
    throw new RecordError('name', `"${raw}" is not a valid domain name: ${(e as Error).message}.`);
  }
  if (name.includes('_')) throw new RecordError('name', 'A domain name cannot contain "_".');
  const parsed = parseDomain(name, { allowPrivateDomains: true });
  if (parsed.isIp) throw new RecordError('name', 'An IP address is not a domain.');
  if (name.endsWith('.arpa')) throw new RecordError('name', 'Reverse-lookup zones are managed with the addresses they cover, not added as domains.');
  if (!parsed.publicSuffix || parsed.publicSuffix === name || !parsed.domain) {
    throw new RecordError('name', `${name} is a public suffix (a top-level or shared domain): add a domain registered under it, such as example.${name}.`);
  }
  return name;
}

/** `@` (or empty) → the apex; a relative name gets the zone appended; an absolute one (trailing dot) must lie in the zone. */
export function ownerName(zone: string, recordName: string): string {
  const raw = recordName.trim();
  if (raw === '' || raw === '@') return zone;
  const absolute = raw.endsWith('.');
  const ascii = raw
    .replace(/\.$/, '')
    .split('.')
    .map((label) => (label === '*' || label.startsWith('_') ? label.toLowerCase() : domainToASCII(label.toLowerCase()) || label))
    .join('.');
  let name: string;
  try {
    name = normalizeName(absolute ? ascii : `${ascii}.${zone}`, { allowWildcard: true });
  } catch (e) {
    throw new RecordError('recordName', `"${raw}" is not a valid record name: ${(e as Error).message}.`);
  }
  if (!isInZone(name, zone)) throw new RecordError('recordName', `${name} is not in the zone ${zone}.`);
  return name;
}

/** The owner name as the API shows it: `@` for the apex, else relative to the zone. */
export function relativeName(zone: string, name: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}\.?$/;
const isIpLiteral = (s: string) => IPV4.test(s.trim()) || s.includes(':');
const CAA_TAGS = new Set(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc']);

/** One value of `type`, checked and put in canonical form; `field` names it in errors. */
export function canonicalValue(type: EditableType, value: string, field: string): string {
  let text = value.trim();
  if (text === '') throw new RecordError(field, 'The value is empty.');
  // A TXT value typed without quotes is one string, spaces and all (SPF, DMARC, DKIM).
  if (type === 'TXT' && !text.startsWith('"')) text = quoteString(Buffer.from(text, 'utf8'));
  const target = (host: string, what: string) => {
    if (isIpLiteral(host)) throw new RecordError(field, `${what} must be a host name, not an IP address (RFC 2181 §10.3): add an A record for the host and point to its name.`);
  };
  if (type === 'CNAME' || type === 'NS' || type === 'PTR') target(text, `A ${type} target`);
  if (type === 'MX') target(text.split(/\s+/)[1] ?? '', 'The mail server (MX)');
  if (type === 'SRV') target(text.split(/\s+/)[3] ?? '', 'The SRV target');
  let rdata: Rdata;
  try {
    rdata = parseRecord(type, text);
  } catch (e) {
    if (e instanceof ZoneDataError) throw new RecordError(field, `Not a valid ${type} value: ${e.message}.`);
    throw e;
  }
  if (rdata.type === 'CAA') {
    const { flags, tag, value: v } = rdata.data;
    if (flags !== 0 && flags !== 128) throw new RecordError(field, 'CAA flags must be 0, or 128 for a critical property (RFC 8659 §4.1).');
    if (!CAA_TAGS.has(tag)) throw new RecordError(field, `Unknown CAA tag "${tag}": use issue, issuewild or iodef (RFC 8659 §4.2).`);
    if ((tag === 'issue' || tag === 'issuewild') && v !== ';' && !/^;?\s*$|^[a-z0-9.-]+\.[a-z]{2,}(\s*;.*)?$/i.test(v)) {
      throw new RecordError(field, 'A CAA issue value is a certificate authority\'s domain, e.g. "letsencrypt.org", or ";" to allow none (RFC 8659 §4.2).');
    }
    if (tag === 'iodef' && !/^(mailto:[^@\s]+@[^@\s]+|https?:\/\/\S+)$/.test(v)) throw new RecordError(field, 'A CAA iodef value is a mailto: or https:// URL (RFC 8659 §4.4).');
  }
  return formatRecord(rdata);
}

export interface RrsetInput {
  ttl?: number;
  records: { value: string; comment?: string }[];
}

/**
 * Checks one rrset against the zone: TTL bounds, value syntax, duplicates, and the rules that
 * concern its neighbours — a CNAME stands alone at its name and never at the apex (RFC 1034
 * §3.6.2, RFC 2181 §10.1), NS at the apex belong to the platform, PTR only in reverse zones.
 * `typesAtName` are the other types already present at the owner name.
 */
export function validateRrset(input: { zone: string; name: string; type: string; rrset: RrsetInput; typesAtName: readonly string[]; ttl: TtlPolicy }): { ttl: number; records: StoredRecord[] } {
  const { zone, name, rrset, ttl: policy } = input;
  if (!(EDITABLE_TYPES as readonly string[]).includes(input.type)) {
    throw new RecordError('type', `Record type ${input.type} is not supported here: use ${EDITABLE_TYPES.join(', ')}.`);
  }
  const type = input.type as EditableType;
  const ttl = rrset.ttl ?? policy.default;
  if (!Number.isInteger(ttl) || ttl < policy.min || ttl > policy.max) throw new RecordError('ttl', `TTL must be a whole number of seconds from ${policy.min} to ${policy.max}.`);
  if (rrset.records.length === 0) throw new RecordError('records', 'Give at least one record, or delete the record set.');
  if (rrset.records.length > 100) throw new RecordError('records', 'At most 100 records in one set.');
  const others = input.typesAtName.filter((t) => t !== type);
  if (type === 'CNAME') {
    if (name === zone) throw new RecordError('type', 'A CNAME cannot be at the apex of the zone: the apex holds the SOA and NS records (RFC 1912 §2.4). Use A/AAAA records there.');
    if (others.length) throw new RecordError('type', `${relativeName(zone, name)} already has ${others.join(', ')} records; a CNAME must be the only record at its name (RFC 1034 §3.6.2).`);
    if (rrset.records.length > 1) throw new RecordError('records', 'A CNAME has exactly one target (RFC 2181 §10.1).');
  } else if (input.typesAtName.includes('CNAME')) {
    throw new RecordError('type', `${relativeName(zone, name)} is a CNAME; no other record can share its name (RFC 1034 §3.6.2). Delete the CNAME first.`);
  }
  if (type === 'NS' && name === zone) throw new RecordError('type', 'The apex NS records are the platform\'s nameservers and cannot be changed; NS records below the apex delegate that name.');
  if (type === 'NS' && name.startsWith('*.')) throw new RecordError('recordName', 'A wildcard cannot be delegated (RFC 4592 §4.2).');
  if (type === 'PTR' && !zone.endsWith('.arpa')) throw new RecordError('type', 'PTR records belong in reverse-lookup zones (in-addr.arpa, ip6.arpa).');
  const seen = new Set<string>();
  const records = rrset.records.map((r, i) => {
    const value = canonicalValue(type, r.value, `records[${i}].value`);
    if (seen.has(value)) throw new RecordError(`records[${i}].value`, `${value} is listed twice.`);
    seen.add(value);
    const comment = r.comment?.trim();
    if (comment && comment.length > 255) throw new RecordError(`records[${i}].comment`, 'A comment is at most 255 characters.');
    return comment ? { value, comment } : { value };
  });
  return { ttl, records };
}

/** `YYYYMMDDnn` for `now`, always above `previous` (RFC 1912 §2.2; more than 99 changes a day simply keep counting). */
export function nextSerial(previous: number, now: Date): number {
  const today = Number(`${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}00`);
  return Math.min(Math.max(today, previous + 1), 0xffffffff);
}
