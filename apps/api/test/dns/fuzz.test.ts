/**
 * Fuzz: over a million random and mutated messages. Most go straight to the engine (the code
 * every listener runs, at several hundred thousand messages a second); a quarter million go over
 * UDP to a live server with a worker process, in batches without waiting for replies. The server
 * must stay up and answer a valid query afterwards; the engine must never throw, never answer a
 * response, always produce a well-formed message with the query's id, and never exceed 1232 bytes
 * on UDP. The generator is seeded: a failure prints the seed and the message to replay.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsEngine } from '../../src/modules/dns/server/engine.ts';
import { startDnsServer, type DnsServer } from '../../src/modules/dns/server/index.ts';
import { fixtureZones } from './fixtures.ts';
import { dataOf, decode, udpQuery } from './harness.ts';

const DIRECT = 800_000;
const OVER_UDP = 250_000;
const SEED = Number(process.env.DNS_FUZZ_SEED ?? Date.now() % 2 ** 31);

/** xorshift32: fast, seeded, good enough to pick bytes. */
function prng(seed: number) {
  let x = seed || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), byte: () => Math.floor(next() * 256) };
}

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'NS', 'CAA', 'PTR', 'SOA', 'ANY', 'AXFR', 'IXFR', 'DS', 'HINFO', 'OPT'];
const NAMES = ['example.rw', 'www.example.rw', 'big.example.rw', 'many.example.rw', 'chain1.example.rw', 'loop1.example.rw', 'x.wild.example.rw', 'a.child.example.rw', 'cross.example.rw', 'nothere.example.rw', '10.2.0.192.in-addr.arpa', 'example.com', '.'];

function seeds(): Buffer[] {
  const out: Buffer[] = [];
  for (const name of NAMES) {
    for (const type of TYPES) {
      out.push(dnsPacket.encode({ type: 'query', id: out.length, questions: [{ name, type: type as dnsPacket.RecordType }] }));
      out.push(
        dnsPacket.encode({
          type: 'query',
          id: out.length,
          questions: [{ name, type: type as dnsPacket.RecordType }],
          additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK, options: [{ code: 10, data: Buffer.alloc(8, 7) }] } as unknown as dnsPacket.Answer],
        }),
      );
    }
  }
  // Responses with compressed names: mutating them yields pointer tricks.
  const engine = new DnsEngine();
  for (const z of fixtureZones) engine.upsertZone(z);
  for (const name of NAMES.slice(0, 6)) {
    const r = engine.handle(dnsPacket.encode({ type: 'query', id: 9, questions: [{ name, type: 'MX' }] }), 'udp');
    if (Buffer.isBuffer(r)) out.push(r);
  }
  return out;
}

function generator(seed: number) {
  const r = prng(seed);
  const corpus = seeds();
  return (): Buffer => {
    const kind = r.int(10);
    if (kind === 0) {
      const b = Buffer.allocUnsafe(r.int(600));
      for (let i = 0; i < b.length; i++) b[i] = r.byte();
      return b;
    }
    const base = corpus[r.int(corpus.length)]!;
    let b = Buffer.from(base);
    const mutations = 1 + r.int(4);
    for (let m = 0; m < mutations; m++) {
      switch (r.int(9)) {
        case 0: // flip bits
          if (b.length) b[r.int(b.length)]! ^= 1 << r.int(8);
          break;
        case 1: // overwrite a byte
          if (b.length) b[r.int(b.length)] = r.byte();
          break;
        case 2: // truncate
          b = b.subarray(0, r.int(b.length + 1));
          break;
        case 3: // append garbage
          b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + r.int(64) }, r.byte))]);
          break;
        case 4: // random section counts
          if (b.length >= 12) b.writeUInt16BE(r.int(4) === 0 ? r.int(65536) : r.int(4), 4 + 2 * r.int(4));
          break;
        case 5: // a compression pointer somewhere
          if (b.length >= 14) {
            const at = 12 + r.int(b.length - 13);
            b[at] = 0xc0 | r.int(64);
            b[at + 1] = r.byte();
          }
          break;
        case 6: // a label length that lies
          if (b.length > 12) b[12 + r.int(Math.min(40, b.length - 12))] = r.int(256);
          break;
        case 7: // QR, opcode and flag bits
          if (b.length >= 4) b.writeUInt16BE(r.int(65536) & ~(r.int(2) ? 0x8000 : 0), 2);
          break;
        case 8: // another seed spliced in
          b = Buffer.concat([b.subarray(0, r.int(b.length + 1)), corpus[r.int(corpus.length)]!.subarray(r.int(12))]);
          break;
      }
    }
    return b;
  };
}

describe('fuzz', () => {
  let server: DnsServer;
  beforeAll(async () => {
    server = await startDnsServer({ port: 0, workers: 1, zones: fixtureZones });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it(`survives ${DIRECT + OVER_UDP} random and mutated messages (seed ${SEED})`, async () => {
    const engine = new DnsEngine({ allowTransfer: ['127.0.0.1'] });
    for (const z of fixtureZones) engine.upsertZone(z);
    const next = generator(SEED);
    const started = Date.now();
    let answered = 0;
    for (let i = 0; i < DIRECT; i++) {
      // Let the test runner's own messages through now and then.
      if (i % 20_000 === 0) await new Promise((r) => setImmediate(r));
      const msg = next();
      const transport = i % 5 === 0 ? 'tcp' : 'udp';
      let out: Buffer | Buffer[] | null;
      try {
        out = engine.handle(msg, transport, i % 7 === 0 ? '127.0.0.1' : '192.0.2.1');
      } catch (err) {
        throw new Error(`engine threw on ${msg.toString('hex')} (${transport}, seed ${SEED}, #${i}): ${String(err)}`);
      }
      if (out === null) {
        expect(msg.length < 12 || (msg[2]! & 0x80) !== 0, `no answer to ${msg.toString('hex')}`).toBe(true);
        continue;
      }
      answered++;
      for (const m of Array.isArray(out) ? out : [out]) {
        if (m.readUInt16BE(0) !== msg.readUInt16BE(0) || !(m[2]! & 0x80) || (transport === 'udp' && m.length > 1232)) {
          throw new Error(`bad answer to ${msg.toString('hex')} (${transport}, seed ${SEED}): ${m.toString('hex')}`);
        }
        // Decoding every answer would double the run time: every 16th is checked in full.
        if (i % 16 === 0) {
          try {
            dnsPacket.decode(m);
          } catch (err) {
            throw new Error(`malformed answer to ${msg.toString('hex')} (seed ${SEED}): ${m.toString('hex')}: ${String(err)}`);
          }
        }
      }
    }
    const directMs = Date.now() - started;

    // Over the socket, in batches without waiting for replies (lost datagrams are fine: the
    // server only has to survive them).
    const client = dgram.createSocket('udp4');
    let replies = 0;
    client.on('message', () => replies++);
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const port = server.address.port;
    const udpStarted = Date.now();
    for (let sent = 0; sent < OVER_UDP; ) {
      for (let k = 0; k < 250 && sent < OVER_UDP; k++, sent++) client.send(next(), port, '127.0.0.1');
      await new Promise((r) => setImmediate(r));
    }
    const udpMs = Date.now() - udpStarted;
    await new Promise((r) => setTimeout(r, 200));
    client.close();

    const p = decode(await udpQuery(port, dnsPacket.encode({ type: 'query', id: 4711, questions: [{ name: 'www.example.rw', type: 'A' }] })));
    expect(p.id).toBe(4711);
    expect(p.answers!.map(dataOf)).toEqual(['example.rw', '192.0.2.10']);
    const stats = await server.stats();
    expect(stats.perProcess).toHaveLength(2);
    console.log(
      `[fuzz] seed ${SEED}: ${DIRECT} messages straight to the engine in ${directMs} ms (${answered} answered), ` +
        `${OVER_UDP} over UDP in ${udpMs} ms (${stats.queries} reached the server, ${replies} replies): ` +
        `${DIRECT + OVER_UDP} in all; the server answered a valid query afterwards.`,
    );
  }, 240_000);
});
