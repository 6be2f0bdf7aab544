/**
 * The listeners on real sockets: UDP through the main process and a worker process sharing the
 * socket, TCP with pipelining, idle timeout and a connection limit, NOTIFY to a secondary, zone
 * transfer to it, and changes followed by every process.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/modules/dns/server/index.ts';
import { exampleOrg, exampleRw, fixtureZones } from './fixtures.ts';
import { dataOf, decode, tcpQueries, udpQuery } from './harness.ts';

const q = (name: string, type: string, id = 1) => dnsPacket.encode({ type: 'query', id, questions: [{ name, type: type as dnsPacket.RecordType }] });

describe('DNS server on UDP and TCP with a worker process', () => {
  let server: DnsServer;
  let secondary: dgram.Socket;
  const notifies: { id: number; zone: string; opcode: string; aa: boolean }[] = [];
  let answerNotify = true;

  beforeAll(async () => {
    secondary = dgram.createSocket('udp4');
    await new Promise<void>((r) => secondary.bind(0, '127.0.0.1', () => r()));
    secondary.on('message', (msg, rinfo) => {
      const p = decode(msg);
      notifies.push({ id: p.id!, zone: p.questions![0]!.name, opcode: p.opcode, aa: p.flag_aa });
      if (answerNotify) secondary.send(dnsPacket.encode({ type: 'response', id: p.id, flags: 4 << 11, questions: p.questions }), rinfo.port, rinfo.address);
    });
    server = await startDnsServer({
      port: 0,
      workers: 1,
      zones: fixtureZones,
      secondaries: [{ address: '127.0.0.1', port: secondary.address().port }],
      tcpIdleTimeoutMs: 1_500,
      maxTcpConnections: 3,
      notifyRetryMs: 150,
      notifyAttempts: 3,
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    secondary?.close();
  });

  it('answers over UDP from every process', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => udpQuery(server.address.port, q('mail.example.rw', 'A', i))));
    for (const [i, raw] of answers.entries()) {
      const p = decode(raw);
      expect(p.id).toBe(i);
      expect(p.answers!.map(dataOf)).toEqual(['192.0.2.25']);
    }
    // Both processes read the shared socket: under a burst each answers some.
    for (let round = 0; round < 20 && (await server.stats()).perProcess.some((n) => n === 0); round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => udpQuery(server.address.port, q('example.rw', 'A', i))));
    }
    const stats = await server.stats();
    expect(stats.queries).toBeGreaterThanOrEqual(60);
    expect(stats.perProcess).toHaveLength(2);
    expect(Math.min(...stats.perProcess)).toBeGreaterThan(0);
  });

  it('answers pipelined TCP queries in order, in full', async () => {
    const msgs = Array.from({ length: 20 }, (_, i) => q(i % 2 ? 'big.example.rw' : 'example.rw', i % 2 ? 'TXT' : 'MX', 1000 + i));
    const out = await tcpQueries(server.address.port, msgs);
    expect(out.map((m) => decode(m).id)).toEqual(msgs.map((_, i) => 1000 + i));
    expect(decode(out[1]!).answers).toHaveLength(30);
    expect(decode(out[1]!).flag_tc).toBe(false);
  });

  it('reassembles a query split across TCP segments', async () => {
    const msg = q('example.rw', 'SOA', 77);
    const framed = Buffer.concat([Buffer.from([0, msg.length]), msg]);
    const sock = net.connect(server.address.port, '127.0.0.1');
    const reply = new Promise<Buffer>((resolve) => sock.once('data', (d) => resolve(d)));
    await new Promise((r) => sock.once('connect', r));
    for (const byte of framed) {
      sock.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2));
    }
    const data = await reply;
    expect(decode(data.subarray(2)).id).toBe(77);
    sock.destroy();
  });

  it('closes idle TCP connections and refuses connections over the limit', async () => {
    const open = () =>
      new Promise<{ sock: net.Socket; closed: Promise<number> }>((resolve) => {
        const started = Date.now();
        const sock = net.connect(server.address.port, '127.0.0.1', () => resolve({ sock, closed }));
        const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now() - started)));
        sock.on('error', () => {});
      });
    const conns = await Promise.all([open(), open(), open()]);
    const extra = await open();
    // The fourth connection is closed by the server at once, the others after 1.5 s idle.
    expect(await extra.closed).toBeLessThan(1_000);
    const lifetimes = await Promise.all(conns.map((c) => c.closed));
    for (const ms of lifetimes) {
      expect(ms).toBeGreaterThanOrEqual(1_400);
      expect(ms).toBeLessThan(8_000);
    }
  });

  it('follows a change in every process within a second and notifies the secondary', async () => {
    notifies.length = 0;
    const changed = {
      ...exampleRw,
      serial: exampleRw.serial + 1,
      rrsets: exampleRw.rrsets.map((r) => (r.name === 'mail.example.rw' && r.type === 'A' ? { ...r, records: ['192.0.2.26'] } : r)),
    };
    const started = Date.now();
    const result = await server.upsertZone(changed);
    expect(result).toMatchObject({ previousSerial: exampleRw.serial, serial: exampleRw.serial + 1, problems: [] });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => udpQuery(server.address.port, q('mail.example.rw', 'A', i))));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(new Set(answers.map((a) => dataOf(decode(a).answers![0]!)))).toEqual(new Set(['192.0.2.26']));

    await expect.poll(() => notifies.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(1);
    expect(notifies[0]).toMatchObject({ zone: 'example.rw', opcode: 'NOTIFY', aa: true });
    // Acknowledged: not sent again.
    await new Promise((r) => setTimeout(r, 400));
    expect(notifies).toHaveLength(1);
  });

  it('retries NOTIFY until the secondary answers, and not for an unchanged serial', async () => {
    notifies.length = 0;
    answerNotify = false;
    await server.upsertZone({ ...exampleOrg, serial: exampleOrg.serial + 1 });
    await expect.poll(() => notifies.length, { timeout: 2_000 }).toBe(3);
    answerNotify = true;
    notifies.length = 0;
    await server.upsertZone({ ...exampleOrg, serial: exampleOrg.serial + 1, rrsets: exampleOrg.rrsets.slice(1) });
    await new Promise((r) => setTimeout(r, 300));
    expect(notifies).toHaveLength(0);
  });

  it('transfers a zone over TCP to the secondary', async () => {
    const out = await tcpQueries(server.address.port, [q('example.rw', 'AXFR', 9)], 1);
    const answers = out.flatMap((m) => decode(m).answers ?? []);
    expect(answers[0]!.type).toBe('SOA');
    expect(answers.at(-1)!.type).toBe('SOA');
    expect(answers.length).toBeGreaterThan(100);
  });

  it('replaces a worker that dies, with every zone', async () => {
    const [pid] = server.workerPids();
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => server.workerPids().length === 1 && server.workerPids()[0] !== pid, { timeout: 30_000, interval: 100 }).toBe(true);
    await expect.poll(async () => (await server.stats()).perProcess.length, { timeout: 30_000 }).toBe(2);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => udpQuery(server.address.port, q('mail.example.rw', 'A', i))));
    expect(new Set(answers.map((a) => dataOf(decode(a).answers![0]!)))).toEqual(new Set(['192.0.2.26']));
  }, 40_000);

  it('stops serving a removed zone', async () => {
    await server.removeZone('example.org');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => udpQuery(server.address.port, q('host.example.org', 'A', i))));
    expect(new Set(answers.map((a) => decode(a).rcode))).toEqual(new Set(['REFUSED']));
  });
});

describe('DNS server in one process', () => {
  it('starts, answers, and stops cleanly on an ephemeral port', async () => {
    const server = await startDnsServer({ port: 0, workers: 0, zones: [exampleOrg] });
    try {
      const p = decode(await udpQuery(server.address.port, q('host.example.org', 'AAAA')));
      expect(p.answers!.map(dataOf)).toEqual(['2001:db8:1::5']);
      const [tcp] = await tcpQueries(server.address.port, [q('host.example.org', 'A')]);
      expect(decode(tcp!).answers!.map(dataOf)).toEqual(['203.0.113.5']);
    } finally {
      await server.close();
    }
    await expect(udpQuery(server.address.port, q('host.example.org', 'A'), 300)).rejects.toThrow('no answer');
  });
});
