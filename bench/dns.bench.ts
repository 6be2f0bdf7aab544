/**
 * bench:dns — queries per second of our authoritative server against PowerDNS Authoritative
 * (packet cache on), same zones, same query file, same dnsperf settings, in one run.
 *
 * Our server runs in its own process as `strettch serve` runs it (`startDnsServer` with the
 * default worker layout); PowerDNS runs with the bind backend on master files written from the
 * same snapshots. Rounds alternate between the two so a busy neighbour on the machine hurts both
 * alike; the median round of each is reported.
 *
 *   npm run bench:dns [-- --seconds 10 --rounds 3 --clients 4 --zones 500 --workers auto --cache on --pdns-receivers 1]
 *
 * `--workers 0` and `--cache off` measure the layouts the server does not use by default;
 * `--pdns-receivers 2` gives PowerDNS a receiver thread per core (SO_REUSEPORT) instead of its default one.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { startDnsServer } from '../apps/api/src/modules/dns/server/index.ts';
import type { ZoneSnapshot } from '../apps/api/src/modules/dns/zone.ts';
import { freeUdpTcpPort, udpQuery } from '../apps/api/test/dns/client.ts';
import { PDNS_SERVER, startPdns } from '../apps/api/test/dns/pdns.ts';
import { stopChild } from './lib.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '4' },
    zones: { type: 'string', default: '500' },
    workers: { type: 'string', default: 'auto' },
    cache: { type: 'string', default: 'on' },
    'pdns-receivers': { type: 'string', default: '1' },
  },
});

/** A deterministic zone set: every record type, a wildcard, and a CNAME per zone. */
function benchZones(count: number): ZoneSnapshot[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `z${i}.bench.rw`;
    const octet = (i % 250) + 1;
    return {
      name,
      serial: 1,
      soa: { mname: 'ns1.strettch.test', rname: 'hostmaster.strettch.test', refresh: 7200, retry: 900, expire: 1_209_600, minimum: 300, ttl: 3600 },
      nameservers: ['ns1.strettch.test', 'ns2.strettch.test'],
      rrsets: [
        { name, type: 'A', ttl: 300, records: [`192.0.2.${octet}`] },
        { name, type: 'AAAA', ttl: 300, records: [`2001:db8::${i.toString(16)}`] },
        { name, type: 'MX', ttl: 3600, records: [`10 mail.${name}.`, '20 mx.strettch.test.'] },
        { name, type: 'TXT', ttl: 300, records: ['"v=spf1 mx -all"'] },
        { name, type: 'CAA', ttl: 3600, records: ['0 issue "letsencrypt.org"'] },
        { name: `www.${name}`, type: 'CNAME', ttl: 300, records: [`${name}.`] },
        { name: `mail.${name}`, type: 'A', ttl: 300, records: [`198.51.100.${octet}`] },
        { name: `api.${name}`, type: 'A', ttl: 60, records: [`203.0.113.${octet}`, `203.0.113.${(octet % 250) + 2}`] },
        { name: `*.apps.${name}`, type: 'A', ttl: 60, records: [`192.0.2.${octet}`] },
        { name: `_sip._tcp.${name}`, type: 'SRV', ttl: 600, records: [`10 60 5060 sip.${name}.`] },
        { name: `sip.${name}`, type: 'A', ttl: 600, records: [`192.0.2.${octet}`] },
      ],
    };
  });
}

/** dnsperf's query file: answers, NXDOMAIN, NODATA, wildcards and CNAMEs, some in mixed case. */
function queryFile(zones: ZoneSnapshot[], file: string): number {
  const lines: string[] = [];
  zones.forEach((z, i) => {
    const n = z.name;
    lines.push(`${n} A`, `www.${n} A`, `mail.${n} AAAA`, `${n} MX`, `${n} TXT`, `h${i}.apps.${n} A`, `nothere${i}.${n} A`, `${n} CAA`, `_sip._tcp.${n} SRV`, `API.${n.toUpperCase()} A`);
  });
  // A fixed shuffle, so every run sends the same sequence.
  let x = 12345;
  for (let i = lines.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return lines.length;
}

interface PerfResult {
  qps: number;
  lost: string;
  latencyMs: number;
}

function dnsperf(port: number, queries: string, seconds: number, clients: number): PerfResult {
  const r = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-c', String(clients), '-Q', '1000000'], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const qps = /Queries per second:\s+([\d.]+)/.exec(out);
  if (!qps) throw new Error(`dnsperf failed: ${out}`);
  return {
    qps: Number(qps[1]),
    lost: /Queries lost:\s+(\d+ \([\d.]+%\))/.exec(out)?.[1] ?? '?',
    latencyMs: Number(/Average Latency \(s\):\s+([\d.]+)/.exec(out)?.[1] ?? 0) * 1000,
  };
}

async function serve(port: number, zoneCount: number, workers: string, cache: string): Promise<void> {
  const server = await startDnsServer({
    host: '127.0.0.1',
    port,
    zones: benchZones(zoneCount),
    workers: workers === 'auto' ? 'auto' : Number(workers),
    ...(cache === 'off' ? { cacheEntries: 0 } : {}),
  });
  process.stdout.write('ready\n');
  const stop = async () => {
    const stats = await server.stats();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  for (const tool of ['dnsperf', PDNS_SERVER]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed (apt-get install dnsperf pdns-server pdns-backend-bind)`);
  }
  const seconds = Number(args.seconds);
  const rounds = Number(args.rounds);
  const clients = Number(args.clients);
  const zones = benchZones(Number(args.zones));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-bench-dns-'));
  const queries = path.join(dir, 'queries.txt');
  const lines = queryFile(zones, queries);

  const oursPort = await freeUdpTcpPort();
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, fileURLToPath(import.meta.url), 'serve', String(oursPort), args.zones!, args.workers!, args.cache!], { stdio: ['ignore', 'pipe', 'inherit'] });
  let childOut = '';
  child.stdout!.on('data', (d: Buffer) => (childOut += d.toString()));
  const until = Date.now() + 60_000;
  while (!childOut.includes('ready')) {
    if (Date.now() > until || child.exitCode !== null) throw new Error('our DNS server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const receivers = Number(args['pdns-receivers']);
  // The packet cache is on by default (cache-ttl=20); a longer TTL keeps it warm for the whole run.
  const pdns = await startPdns(zones, await freeUdpTcpPort(), {
    settings: { 'cache-ttl': 60, 'negquery-cache-ttl': 60, 'receiver-threads': receivers, ...(receivers > 1 ? { reuseport: 'yes' } : {}) },
  });
  try {
    // Both answer a sample query before anything is measured.
    const sample = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: zones[0]!.name, type: 'A' }] });
    for (const port of [oursPort, pdns.port]) await udpQuery(port, sample);
    console.log(`bench:dns — ${zones.length} zones, ${lines} distinct queries, dnsperf -l ${seconds} -c ${clients}, ${rounds} rounds each, alternating; ${os.availableParallelism()} cores`);
    // Warm-up: fills both packet caches.
    dnsperf(oursPort, queries, 2, clients);
    dnsperf(pdns.port, queries, 2, clients);
    const results: { ours: PerfResult[]; pdns: PerfResult[] } = { ours: [], pdns: [] };
    for (let round = 1; round <= rounds; round++) {
      const a = dnsperf(oursPort, queries, seconds, clients);
      const b = dnsperf(pdns.port, queries, seconds, clients);
      results.ours.push(a);
      results.pdns.push(b);
      console.log(`round ${round}: ours ${Math.round(a.qps)} q/s (lost ${a.lost}, ${a.latencyMs.toFixed(2)} ms avg)   pdns ${Math.round(b.qps)} q/s (lost ${b.lost}, ${b.latencyMs.toFixed(2)} ms avg)`);
    }
    const ours = median(results.ours.map((r) => r.qps));
    const theirs = median(results.pdns.map((r) => r.qps));
    console.log('');
    console.log('| server | queries/s (median) |');
    console.log('| --- | ---: |');
    console.log(`| ours (workers ${args.workers}, response cache ${args.cache}) | ${Math.round(ours).toLocaleString('en')} |`);
    console.log(`| PowerDNS 4.7 (bind backend, packet cache on, ${receivers} receiver thread${receivers > 1 ? 's' : ''}) | ${Math.round(theirs).toLocaleString('en')} |`);
    console.log(`\nratio ours / PowerDNS: ${(ours / theirs).toFixed(2)}× (target ≥ 1.00×)`);
  } finally {
    await pdns.stop();
    await stopChild(child);
    console.log(`our server's counters: ${childOut.split('\n').filter((l) => l.startsWith('{')).join('')}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (positionals[0] === 'serve') await serve(Number(positionals[1]), Number(positionals[2]), positionals[3] ?? 'auto', positionals[4] ?? 'on');
else await main();
