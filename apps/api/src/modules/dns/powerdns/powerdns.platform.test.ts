/**
 * DNS_BACKEND=powerdns through the whole platform: a domain and a record created through the API
 * are answered by a real pdns_server within a second, and a deleted domain stops being answered.
 */
import crypto from 'node:crypto';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApiKey } from '../../../../test/factories.ts';
import { udpQuery } from '../../../../test/dns/harness.ts';
import { describeWithPdnsApi, dig, hasDig, startPdnsApi, type PdnsApi } from '../../../../test/dns/pdns-api.ts';
import { startTestPlatform } from '../../../../test/platform.ts';
import { PowerDnsClient } from './powerdns.client.ts';

describeWithPdnsApi('DNS_BACKEND=powerdns through the platform', () => {
  let pdns: PdnsApi;
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let key: { secret: string };

  beforeAll(async () => {
    pdns = await startPdnsApi();
    t = await startTestPlatform({ DNS_BACKEND: 'powerdns', POWERDNS_API_URL: pdns.apiUrl, POWERDNS_API_KEY: pdns.apiKey, POWERDNS_ACCOUNT: 'strettch-platform' });
    key = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await pdns?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key.secret}`, ...headers }, ...(payload ? { payload } : {}) });
  const ask = async (name: string, type: 'A' | 'SOA') =>
    dnsPacket.decode(await udpQuery(pdns.dnsPort, dnsPacket.encode({ type: 'query', id: 3, questions: [{ name, type }] }), 500)) as dnsPacket.Packet & { rcode?: string };

  it('a record created through the API is answered by pdns_server within 1 s; our server does not start', async () => {
    expect(await t.platform.startDns({ port: 0, workers: 0 })).toBeNull();
    const name = `pdns${crypto.randomBytes(3).toString('hex')}.rw`;
    expect((await call('POST', '/domains', { name, autoImport: false }, { 'idempotency-key': crypto.randomUUID() })).statusCode).toBe(201);
    const put = await call('PUT', `/domains/${name}/rrsets/www/A`, { ttl: 300, records: [{ value: '196.12.1.10' }] });
    expect(put.statusCode, put.body).toBe(200);
    const started = Date.now();
    let answer: dnsPacket.Packet | undefined;
    while (Date.now() - started < 1000) {
      answer = await ask(`www.${name}`, 'A').catch(() => undefined);
      if (answer?.answers?.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = Date.now() - started;
    expect(answer?.answers?.[0], `no answer from pdns_server within 1 s`).toMatchObject({ type: 'A', data: '196.12.1.10', ttl: 300 });
    expect(answer!.flags! & dnsPacket.AUTHORITATIVE_ANSWER).toBeTruthy();
    console.log(`[powerdns] record answered by pdns_server ${elapsed} ms after the API call`);

    const serial = (await call('GET', `/domains/${name}`)).json().data.serial as number;
    expect(((await ask(name, 'SOA')).answers?.[0] as { data?: { serial?: number } })?.data?.serial).toBe(serial);
    const zone = await new PowerDnsClient({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey }).getZone(name);
    expect(zone).toMatchObject({ account: 'strettch-platform', serial });
    if (hasDig()) expect(await dig(pdns.dnsPort, `www.${name}`, 'A')).toEqual(['196.12.1.10']);
    else if (process.env.CI === 'true') throw new Error('dig is not installed; CI must install dnsutils');

    expect((await call('DELETE', `/domains/${name}`)).statusCode).toBe(200);
    await expect.poll(async () => (await ask(`www.${name}`, 'A')).rcode, { timeout: 1000, interval: 20 }).toBe('REFUSED');
    expect(t.logLines.join('\n')).not.toContain(pdns.apiKey);
  });
});
