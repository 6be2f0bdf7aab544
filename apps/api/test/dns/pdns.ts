/**
 * PowerDNS Authoritative as a reference server for the differential test and the benchmark:
 * started on a free loopback port from a temporary config folder, with the bind backend reading
 * master files written from the same snapshots our server loads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { zoneFile } from '../../src/modules/dns/server/zone-file.ts';
import type { ZoneSnapshot } from '../../src/modules/dns/zone.ts';
import { udpQuery } from './client.ts';

export const PDNS_SERVER = '/usr/sbin/pdns_server';

export interface Pdns {
  port: number;
  child: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

export interface PdnsOptions {
  /** Extra pdns.conf lines, e.g. for the packet cache or threads. */
  settings?: Record<string, string | number>;
}

/** Starts pdns_server on 127.0.0.1:`port` serving `zones`; resolves once it answers a query. */
export async function startPdns(zones: ZoneSnapshot[], port: number, options: PdnsOptions = {}): Promise<Pdns> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-pdns-'));
  const named: string[] = [];
  for (const z of zones) {
    const file = path.join(dir, `${z.name}.zone`);
    fs.writeFileSync(file, zoneFile(z));
    named.push(`zone "${z.name}" { type master; file "${file}"; };`);
  }
  fs.writeFileSync(path.join(dir, 'named.conf'), `${named.join('\n')}\n`);
  const settings: Record<string, string | number> = {
    launch: 'bind',
    'bind-config': path.join(dir, 'named.conf'),
    'local-address': '127.0.0.1',
    'local-port': port,
    // No outbound security-status lookup at start (stack-findings §5).
    'security-poll-suffix': '',
    daemon: 'no',
    guardian: 'no',
    'disable-syslog': 'yes',
    'socket-dir': dir,
    loglevel: 3,
    'default-soa-content': 'ns1.example.rw hostmaster.example.rw 0 10800 3600 604800 3600',
    ...options.settings,
  };
  fs.writeFileSync(path.join(dir, 'pdns.conf'), Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const child = spawn(PDNS_SERVER, [`--config-dir=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        fs.rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    const reply = await udpQuery(port, dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: zones[0]!.name, type: 'SOA' }] }), 300).catch(() => null);
    if (reply) return { port, child, dir, stop };
  }
  await stop();
  throw new Error(`pdns_server did not start: ${log}`);
}
