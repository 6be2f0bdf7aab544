/** Small DNS clients for tests and benchmarks: one-shot UDP and TCP queries, a free port, decoding. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/** One UDP query; rejects after `timeoutMs` without an answer. */
export function udpQuery(port: number, msg: Buffer, timeoutMs = 2_000, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no answer'));
    }, timeoutMs);
    s.once('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

/** Sends length-prefixed messages on one TCP connection and collects `expected` answers. */
export function tcpQueries(port: number, msgs: Buffer[], expected = msgs.length, timeoutMs = 5_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`only ${out.length} of ${expected} answers`));
    }, timeoutMs);
    sock.on('connect', () => {
      for (const m of msgs) {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(m.length);
        sock.write(Buffer.concat([prefix, m]));
      }
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= expected) {
        clearTimeout(timer);
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** dns-packet's decode with the fields its type definitions leave out. */
export type Decoded = dnsPacket.DecodedPacket & { rcode: string; opcode: string };
export function decode(raw: Buffer): Decoded {
  return dnsPacket.decode(raw) as Decoded;
}

/** A port free on 127.0.0.1 for both UDP and TCP (for servers that cannot be told to pick one). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((r) => udp.bind(0, '127.0.0.1', () => r(udp.address().port)));
    const ok = await new Promise<boolean>((r) => {
      const tcp = net.createServer();
      tcp.once('error', () => r(false));
      tcp.listen(port, '127.0.0.1', () => tcp.close(() => r(true)));
    });
    udp.close();
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** The data of a decoded record (dns-packet's types leave it out of the union). */
export function dataOf(a: dnsPacket.Answer): unknown {
  return (a as { data?: unknown }).data;
}
