/** dig, a real resolver client, against the UDP and TCP listeners. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/modules/dns/server/index.ts';
import { fixtureZones } from './fixtures.ts';
import { describeWithTools } from './harness.ts';

const run = promisify(execFile);

describeWithTools('dig against the DNS server', ['dig'], () => {
  let server: DnsServer;
  let closed: DnsServer;

  beforeAll(async () => {
    server = await startDnsServer({ port: 0, workers: 0, zones: fixtureZones, allowTransfer: ['127.0.0.1'] });
    closed = await startDnsServer({ port: 0, workers: 0, zones: fixtureZones });
  });
  afterAll(async () => {
    await server?.close();
    await closed?.close();
  });

  const dig = async (...args: string[]) => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(server.address.port), '+norec', '+time=2', '+tries=1', ...args]);
    return stdout;
  };

  it('gets an authoritative answer over UDP', async () => {
    const out = await dig('example.rw', 'MX');
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa;/);
    expect(out).toMatch(/example\.rw\.\s+3600\s+IN\s+MX\s+10 mail\.example\.rw\./);
    expect(out).toMatch(/mail\.example\.rw\.\s+300\s+IN\s+AAAA\s+2001:db8::25/);
    expect(out).toMatch(/EDNS: version: 0, flags:; udp: 1232/);
    expect(out).toMatch(/\(UDP\)/);
  });

  it('gets NXDOMAIN with the SOA, and REFUSED outside our zones', async () => {
    const nx = await dig('nothere.example.rw', 'A');
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(/example\.rw\.\s+300\s+IN\s+SOA\s+ns1\.example\.rw\. hostmaster\.example\.rw\. 2026112701/);
    expect(await dig('example.com', 'A')).toMatch(/status: REFUSED/);
  });

  it('keeps the case of the question (0x20)', async () => {
    const out = await dig('wWw.ExAmPlE.rW', 'A');
    expect(out).toMatch(/;wWw\.ExAmPlE\.rW\.\s+IN\s+A/);
    expect(out).not.toMatch(/WARNING: .*mismatch/i);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const out = await dig('+noedns', 'many.example.rw', 'A');
    expect(out).toMatch(/Truncated, retrying in TCP mode/);
    expect(out).toMatch(/ANSWER: 40,/);
    expect(out).toMatch(/\(TCP\)/);
  });

  it('answers over TCP directly', async () => {
    const out = await dig('+tcp', 'big.example.rw', 'TXT');
    expect(out).toMatch(/ANSWER: 30,/);
    expect(out).toMatch(/\(TCP\)/);
  });

  it('transfers a zone to an allowed address and refuses others', async () => {
    const out = await dig('example.rw', 'AXFR');
    const soas = out.split('\n').filter((l) => /^example\.rw\.\s+3600\s+IN\s+SOA/.test(l));
    expect(soas).toHaveLength(2);
    expect(out).toMatch(/ns1\.child\.example\.rw\.\s+3600\s+IN\s+A\s+192\.0\.2\.200/);
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(closed.address.port), '+time=2', '+tries=1', 'example.rw', 'AXFR']);
    expect(stdout).toMatch(/Transfer failed/);
  });
});
