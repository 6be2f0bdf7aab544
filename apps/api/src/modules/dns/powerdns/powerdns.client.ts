/**
 * A small client of the PowerDNS Authoritative HTTP API (v1), limited to what the backend needs:
 * list, read, create, update and delete zones, and `PATCH` their rrsets.
 *
 * The API key travels only in the `X-API-Key` header; it never appears in an error message, a log
 * line or a URL. Error messages name the operation and the HTTP status, never PowerDNS's own text:
 * a 422 quotes the refused record content, which may be a customer's data.
 */
import { z } from 'zod';
import { sendJson, Unreachable } from '../../../shared/outbound.ts';

export interface PowerDnsClientOptions {
  /** Base URL of PowerDNS's webserver, e.g. `http://127.0.0.1:8081` (a trailing `/api/v1` is accepted). */
  apiUrl: string;
  apiKey: string;
  /** Always `localhost` for PowerDNS Authoritative itself. */
  serverId?: string;
  /** Bound on every request, connection included (default 5 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A failed call. `transient` failures (PowerDNS unreachable, a timeout, 5xx, 429) are worth
 * retrying with backoff; the others (401, 404, 422…) will fail the same way again.
 */
export class PowerDnsError extends Error {
  override name = 'PowerDnsError';
  readonly status: number | undefined;
  readonly transient: boolean;
  readonly code: string;

  constructor(message: string, options: { status?: number; transient: boolean; code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.transient = options.transient;
    this.code = options.code;
  }
}

const RecordSchema = z.object({ content: z.string(), disabled: z.boolean().default(false) });
const RrsetSchema = z.object({ name: z.string(), type: z.string(), ttl: z.number().int(), records: z.array(RecordSchema) });
const ZoneInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  serial: z.number().int(),
  account: z.string().default(''),
});
const ZoneSchema = ZoneInfoSchema.extend({
  rrsets: z.array(RrsetSchema),
  soa_edit_api: z.string().default(''),
  soa_edit: z.string().default(''),
});

export type PdnsRecord = z.output<typeof RecordSchema>;
export type PdnsRrset = z.output<typeof RrsetSchema>;
export type PdnsZoneInfo = z.output<typeof ZoneInfoSchema>;
export type PdnsZone = z.output<typeof ZoneSchema>;

/** One element of a `PATCH …/zones/{id}` body. */
export type RrsetChange =
  | { name: string; type: string; changetype: 'REPLACE'; ttl: number; records: PdnsRecord[] }
  | { name: string; type: string; changetype: 'DELETE' };

export interface ZoneCreate {
  /** Absolute, with the trailing dot. */
  name: string;
  kind: 'Native' | 'Master';
  account: string;
  soa_edit_api: string;
  soa_edit: string;
  /** Empty: the apex NS rrset is given in `rrsets` (PowerDNS refuses both at once). */
  nameservers: string[];
  rrsets: RrsetChange[];
}

export type ZoneUpdate = Partial<Pick<ZoneCreate, 'kind' | 'account' | 'soa_edit_api' | 'soa_edit'>>;

/** `example.rw` → `example.rw.`: names on the PowerDNS API are absolute. */
export const absolute = (name: string): string => (name.endsWith('.') ? name : `${name}.`);

/**
 * The zone id PowerDNS uses in URLs: the absolute name with every byte other than letters, digits,
 * `.` and `-` written as `=XX` (`_dmarc.example.rw.` → `=5Fdmarc.example.rw.`).
 */
export function zoneId(name: string): string {
  const fq = absolute(name);
  if (fq === '.') return '=2E';
  let id = '';
  for (const byte of Buffer.from(fq, 'utf8')) {
    const c = String.fromCharCode(byte);
    id += /[A-Za-z0-9.-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return id;
}

export class PowerDnsClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: PowerDnsClientOptions) {
    if (!options.apiKey) throw new Error('PowerDnsClient needs an API key');
    const root = options.apiUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.base = `${root}/api/v1/servers/${encodeURIComponent(options.serverId ?? 'localhost')}`;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetch = options.fetch ?? fetch;
  }

  /** Every zone of the server, without rrsets. */
  async listZones(): Promise<PdnsZoneInfo[]> {
    const { data } = await this.call('list zones', 'GET', '/zones');
    return this.read('list zones', z.array(ZoneInfoSchema), data);
  }

  /** One zone without rrsets, or null when PowerDNS does not have it. */
  async findZone(name: string): Promise<PdnsZoneInfo | null> {
    const { data } = await this.call('find zone', 'GET', `/zones?zone=${encodeURIComponent(absolute(name))}`);
    return this.read('find zone', z.array(ZoneInfoSchema), data)[0] ?? null;
  }

  /** One zone with its rrsets, or null when PowerDNS does not have it. */
  async getZone(name: string): Promise<PdnsZone | null> {
    const answer = await this.call('get zone', 'GET', `/zones/${zoneId(name)}`, undefined, true);
    return answer.status === 404 ? null : this.read('get zone', ZoneSchema, answer.data);
  }

  async createZone(zone: ZoneCreate): Promise<void> {
    await this.call('create zone', 'POST', '/zones', zone);
  }

  /** Changes zone settings (PUT): kind, account, SOA-EDIT-API, SOA-EDIT. */
  async updateZone(name: string, fields: ZoneUpdate): Promise<void> {
    await this.call('update zone', 'PUT', `/zones/${zoneId(name)}`, fields);
  }

  /** Applies rrset changes atomically, in order: the whole batch or nothing. */
  async patchRrsets(name: string, rrsets: RrsetChange[]): Promise<void> {
    await this.call('patch rrsets', 'PATCH', `/zones/${zoneId(name)}`, { rrsets });
  }

  /** Deletes a zone; false when PowerDNS did not have it. */
  async deleteZone(name: string): Promise<boolean> {
    const answer = await this.call('delete zone', 'DELETE', `/zones/${zoneId(name)}`, undefined, true);
    return answer.status !== 404;
  }

  private read<T>(operation: string, schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    throw new PowerDnsError(`PowerDNS ${operation}: unexpected answer`, { transient: false, code: 'INVALID_RESPONSE' });
  }

  private async call(operation: string, method: string, path: string, body?: unknown, allow404 = false): Promise<{ status: number; data: unknown }> {
    let sent: { response: Response; text: string };
    try {
      sent = await sendJson(this.fetch, `${this.base}${path}`, { method, headers: { 'x-api-key': this.options.apiKey }, body, timeoutMs: this.timeoutMs });
    } catch (err) {
      if (!(err instanceof Unreachable)) throw err;
      throw new PowerDnsError(err.timedOut ? `PowerDNS ${operation}: no answer within ${this.timeoutMs} ms` : `PowerDNS ${operation}: PowerDNS could not be reached`, {
        transient: true,
        code: err.timedOut ? 'TIMEOUT' : 'NETWORK',
        // The cause says which connection failed (refused, reset).
        ...(err.timedOut ? {} : { cause: networkCause(err.cause) }),
      });
    }
    const { response, text } = sent;
    const status = response.status;
    if (status === 404 && allow404) return { status, data: undefined };
    if (!response.ok) {
      const transient = status === 429 || status >= 500;
      throw new PowerDnsError(`PowerDNS ${operation}: refused with HTTP ${status}`, { status, transient, code: `HTTP_${status}` });
    }
    if (text === '') return { status, data: undefined };
    try {
      return { status, data: JSON.parse(text) as unknown };
    } catch {
      throw new PowerDnsError(`PowerDNS ${operation}: answered ${status} with something other than JSON`, { status, transient: false, code: 'INVALID_RESPONSE' });
    }
  }
}

/** The system error under fetch's "fetch failed" (ECONNREFUSED…), without anything request-specific. */
function networkCause(err: unknown): Error {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : 'NETWORK';
  return Object.assign(new Error(code), { code });
}
