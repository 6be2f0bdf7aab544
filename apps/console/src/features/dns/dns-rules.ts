import type { Role } from '../../api/account.ts';
import type { DomainStatus, Rrset } from '../../api/dns.ts';

/**
 * What the DNS pages offer to whom, how they word a domain's state, and the small conversions
 * between the record form and the API (apps/api/src/modules/dns/records.ts decides what is
 * valid; the form only joins the MX priority to its host and maps the API's field names back
 * to its inputs).
 */

/** `dns.write`: Owner and Admin add and delete domains and change records. Everyone reads (`dns.read`). */
export function canManageDns(role: Role | undefined): boolean {
  return role === 'OWNER' || role === 'ADMIN';
}

export const statusLabel: Record<DomainStatus, string> = { ACTIVATING: 'Activating', ACTIVE: 'Active', INACTIVE: 'Inactive' };
export const statusTone = { ACTIVATING: 'warning', ACTIVE: 'success', INACTIVE: 'danger' } as const satisfies Record<DomainStatus, string>;

/** One line per state, shown beside the badge and in the list's legend. */
export const statusMeaning: Record<DomainStatus, string> = {
  ACTIVATING: 'Waiting for the nameservers to be set at the registrar; records are already served, so they can be tested.',
  ACTIVE: 'Delegated to our nameservers: the records are live on the internet.',
  INACTIVE: 'The nameservers were not set within 24 hours: records are not served until they are.',
};

/** The record types the form offers, in the order the product lists them (PTR only exists in reverse zones). */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export function isRecordType(type: string): type is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(type);
}

/** What each type points at, as the form labels its value, with an example and a hint. */
export const typeHelp: Record<RecordType, { what: string; valueLabel: string; placeholder: string; hint: string }> = {
  A: { what: 'An IPv4 address', valueLabel: 'IPv4 address', placeholder: '192.0.2.10', hint: 'The address the name leads to, e.g. a compute’s public IPv4.' },
  AAAA: { what: 'An IPv6 address', valueLabel: 'IPv6 address', placeholder: '2001:db8::10', hint: 'The IPv6 address the name leads to.' },
  CNAME: {
    what: 'An alias of another name',
    valueLabel: 'Target host name',
    placeholder: 'app.example.rw',
    hint: 'The full host name this name is an alias of. A CNAME must be alone at its name, and never at @.',
  },
  MX: { what: 'A mail server', valueLabel: 'Mail server', placeholder: 'mail.example.rw', hint: 'The full host name of the mail server (not an IP address). Lower priority numbers are tried first.' },
  TXT: { what: 'Text', valueLabel: 'Text', placeholder: 'v=spf1 include:_spf.example.rw -all', hint: 'SPF, DMARC, DKIM or a site-verification token; no quotes needed.' },
  SRV: { what: 'A service location', valueLabel: 'Priority, weight, port and target', placeholder: '10 5 5060 sip.example.rw', hint: 'Name it _service._proto, e.g. _sip._tcp.' },
  NS: { what: 'A delegation of a subdomain', valueLabel: 'Nameserver', placeholder: 'ns1.otherhost.example', hint: 'Hands this subdomain to other nameservers. The apex NS records are ours and cannot be changed.' },
  CAA: {
    what: 'Which certificate authorities may issue',
    valueLabel: 'Flags, tag and value',
    placeholder: '0 issue "letsencrypt.org"',
    hint: 'e.g. 0 issue "letsencrypt.org", or 0 iodef "mailto:security@example.rw".',
  },
};

/** The TTL choices of the form; any other whole number of seconds can be typed. */
export const TTL_PRESETS: readonly { seconds: number; label: string }[] = [
  { seconds: 60, label: '1 minute' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 1800, label: '30 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 14_400, label: '4 hours' },
  { seconds: 43_200, label: '12 hours' },
  { seconds: 86_400, label: '1 day' },
];

/** The TTL a new record set starts with: the installation's default unless it was changed (DNS_TTL_DEFAULT). */
export const DEFAULT_TTL = 3600;

/** "1 hour", "5 minutes", "90 s". */
export function formatTtl(seconds: number): string {
  const preset = TTL_PRESETS.find((p) => p.seconds === seconds);
  if (preset) return preset.label;
  if (seconds % 86_400 === 0) return `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} s`;
}

/** `@` or a relative name → the full name it stands for (an absolute name, with its trailing dot, is kept). */
export function fullName(recordName: string, zone: string): string {
  const name = recordName.trim();
  if (name === '' || name === '@') return zone;
  if (name.endsWith('.')) return name.slice(0, -1);
  return `${name}.${zone}`;
}

/** `10 mail.example.rw.` → its priority and host; anything else keeps the whole text as the host. */
export function splitMx(value: string): { priority: string; host: string } {
  const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(value);
  return m ? { priority: m[1]!, host: m[2]! } : { priority: '10', host: value.trim() };
}

export function joinMx(priority: string, host: string): string {
  return `${priority.trim()} ${host.trim()}`;
}

/** The client-side check of an MX priority (RFC 1035 §3.3.9: a 16-bit number); the API checks the rest. */
export function mxPriorityProblem(priority: string): string | null {
  const text = priority.trim();
  if (text === '') return 'Give a priority, e.g. 10.';
  if (!/^\d+$/.test(text) || Number(text) > 65_535) return 'The priority is a whole number from 0 to 65535.';
  return null;
}

export function ttlProblem(ttl: string): string | null {
  const text = ttl.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1) return 'The TTL is a whole number of seconds, e.g. 3600.';
  return null;
}

/**
 * Where a field named by the API (`details[].field`) belongs in the record form: the name, the
 * type, the TTL, the list of values, or one value or comment by its position.
 */
export type FormField = { kind: 'recordName' } | { kind: 'type' } | { kind: 'ttl' } | { kind: 'records' } | { kind: 'value'; index: number } | { kind: 'comment'; index: number };

export function formFieldOf(apiField: string): FormField | null {
  const m = /^records\[(\d+)\]\.(value|comment)$/.exec(apiField);
  if (m) return { kind: m[2] as 'value' | 'comment', index: Number(m[1]) };
  if (apiField === 'recordName' || apiField === 'name') return { kind: 'recordName' };
  if (apiField === 'type' || apiField === 'ttl' || apiField === 'records') return { kind: apiField };
  return null;
}

/** The key under which a form keeps the problem of one field. */
export function fieldKey(field: FormField): string {
  return field.kind === 'value' || field.kind === 'comment' ? `${field.kind}-${field.index}` : field.kind;
}

const TYPE_ORDER = [...RECORD_TYPES, 'PTR'];

/** The apex first, then names in alphabetical order (by label from the right, as a zone file reads), then types in the form's order. */
export function sortRrsets<T extends Pick<Rrset, 'name' | 'type'>>(rrsets: readonly T[]): T[] {
  const key = (name: string) => (name === '@' ? '' : name.split('.').reverse().join('.'));
  return [...rrsets].sort((a, b) => key(a.name).localeCompare(key(b.name)) || TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.type.localeCompare(b.type));
}

/** A query of one record set against a nameserver, to test it before (or after) switching. */
export function digCommand(nameserver: string, name: string, type: string): string {
  return `dig @${nameserver} ${name} ${type} +short`;
}

/** IP addresses of the team's computes, offered as values of A records. */
export interface AddressSuggestion {
  address: string;
  label: string;
}

export function computeAddressSuggestions(computes: readonly { hostName: string; ipv4?: string; privateIpv4: string; state: string }[]): AddressSuggestion[] {
  const out: AddressSuggestion[] = [];
  for (const c of computes) {
    if (c.state === 'DESTROYING' || c.state === 'DESTROYED' || c.state === 'ERROR') continue;
    if (c.ipv4) out.push({ address: c.ipv4, label: `${c.hostName} (public)` });
    if (c.privateIpv4) out.push({ address: c.privateIpv4, label: `${c.hostName} (private)` });
  }
  return out;
}
