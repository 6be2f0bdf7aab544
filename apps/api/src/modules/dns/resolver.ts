import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { StoredRecord } from './dns.schema.ts';
import { formatRecord, type Rdata } from './zone.ts';

/**
 * What the DNS module asks of the world's DNS (STYLE.md §3): which nameservers a domain is
 * delegated to (activation), what its previous host serves (auto-import), and a zone transfer
 * when that host allows one. Production uses the system's recursive resolver (or the one in
 * DNS_RESOLVER); tests use `StaticResolver`, a local stand-in with the answers they set.
 */
export interface DnsResolver {
  /** The NS names the domain is delegated to (lower-case, no trailing dot); empty when none or unknown. */
  nameservers(domain: string): Promise<string[]>;
  /** The records of one name and type, in presentation format; empty when none. */
  lookup(name: string, type: ImportType): Promise<string[]>;
  /** A full zone transfer (AXFR) from one of the domain's current nameservers, or null when refused. */
  transfer(domain: string, nameservers: string[]): Promise<ImportedRrset[] | null>;
}

export const IMPORT_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NS'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export interface ImportedRrset {
  name: string;
  type: string;
  ttl: number;
  records: StoredRecord[];
}

const TIMEOUT_MS = 3000;
const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** The system's recursive resolver, or the servers in `servers` (`host` or `host:port`). */
export class SystemResolver implements DnsResolver {
  private readonly resolver: Resolver;

  constructor(servers: string[] = []) {
    this.resolver = new Resolver({ timeout: TIMEOUT_MS, tries: 2 });
    if (servers.length) this.resolver.setServers(servers);
  }

  async nameservers(domain: string): Promise<string[]> {
    try {
      return [...new Set((await this.resolver.resolveNs(domain)).map(bare))].sort();
    } catch {
      return [];
    }
  }

  async lookup(name: string, type: ImportType): Promise<string[]> {
    const r = this.resolver;
    try {
      switch (type) {
        case 'A':
          return await r.resolve4(name);
        case 'AAAA':
          return await r.resolve6(name);
        case 'CNAME':
          return (await r.resolveCname(name)).map((n) => `${bare(n)}.`);
        case 'NS':
          return (await r.resolveNs(name)).map((n) => `${bare(n)}.`);
        case 'MX':
          return (await r.resolveMx(name)).map((m) => `${m.priority} ${bare(m.exchange)}.`);
        case 'TXT':
          return (await r.resolveTxt(name)).map((parts) => formatRecord({ type: 'TXT', data: parts.map((p) => Buffer.from(p, 'utf8')) }));
        case 'SRV':
          return (await r.resolveSrv(name)).map((s) => `${s.priority} ${s.weight} ${s.port} ${bare(s.name)}.`);
        case 'CAA':
          return (await r.resolveCaa(name)).flatMap((c) => {
            const flags = c.critical ? 128 : 0;
            return (['issue', 'issuewild', 'iodef'] as const).filter((t) => c[t] !== undefined).map((t) => formatRecord({ type: 'CAA', data: { flags, tag: t, value: String(c[t]) } }));
          });
      }
    } catch {
      return [];
    }
  }

  async transfer(domain: string, nameservers: string[]): Promise<ImportedRrset[] | null> {
    for (const ns of nameservers.slice(0, 2)) {
      const addresses = await this.resolver.resolve4(ns).catch(() => [] as string[]);
      for (const address of addresses.slice(0, 1)) {
        const rrsets = await axfr(domain, address, 53).catch(() => null);
        if (rrsets) return rrsets;
      }
    }
    return null;
  }
}

/**
 * An AXFR over TCP (RFC 5936): the answer streams as messages until the SOA comes again.
 * Bounded in time and size; anything unexpected means "not allowed".
 */
export async function axfr(domain: string, host: string, port: number, timeoutMs = TIMEOUT_MS): Promise<ImportedRrset[] | null> {
  const query = dnsPacket.streamEncode({ type: 'query', id: Math.floor(Math.random() * 65535), flags: 0, questions: [{ type: 'AXFR', name: domain }] });
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = Buffer.alloc(0);
    const answers: dnsPacket.Answer[] = [];
    let soas = 0;
    const done = (result: ImportedRrset[] | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
    socket.on('connect', () => socket.write(query));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > 4_000_000) return done(null);
      while (buffer.length >= 2) {
        const size = buffer.readUInt16BE(0);
        if (buffer.length < size + 2) break;
        let message: dnsPacket.Packet;
        try {
          message = dnsPacket.decode(buffer.subarray(2, size + 2));
        } catch {
          return done(null);
        }
        buffer = buffer.subarray(size + 2);
        const rcode = (message as { rcode?: string }).rcode;
        if (rcode && rcode !== 'NOERROR') return done(null);
        for (const a of message.answers ?? []) {
          if (a.type === 'SOA') soas++;
          else answers.push(a);
        }
        if (soas >= 2) return done(groupAnswers(answers));
      }
    });
  });
}

function groupAnswers(answers: dnsPacket.Answer[]): ImportedRrset[] {
  const sets = new Map<string, ImportedRrset>();
  for (const a of answers) {
    if (!(IMPORT_TYPES as readonly string[]).includes(a.type)) continue;
    const rdata = { type: a.type, data: a.type === 'TXT' ? [(a as { data: Buffer | Buffer[] }).data].flat() : (a as { data: unknown }).data } as Rdata;
    let value: string;
    try {
      value = formatRecord(rdata);
    } catch {
      continue;
    }
    const key = `${bare(a.name)}/${a.type}`;
    const set = sets.get(key) ?? { name: bare(a.name), type: a.type, ttl: (a as { ttl?: number }).ttl ?? 3600, records: [] };
    if (!set.records.some((r) => r.value === value)) set.records.push({ value });
    sets.set(key, set);
  }
  return [...sets.values()];
}

/** A local stand-in for tests and demos: delegations and records set by hand. */
export class StaticResolver implements DnsResolver {
  readonly delegations = new Map<string, string[]>();
  readonly records = new Map<string, string[]>();
  transfers = new Map<string, ImportedRrset[]>();

  async nameservers(domain: string): Promise<string[]> {
    return [...(this.delegations.get(domain) ?? [])].sort();
  }

  async lookup(name: string, type: ImportType): Promise<string[]> {
    return this.records.get(`${name}/${type}`) ?? [];
  }

  async transfer(domain: string): Promise<ImportedRrset[] | null> {
    return this.transfers.get(domain) ?? null;
  }
}
