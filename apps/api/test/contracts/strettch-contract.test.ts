/**
 * Wire compatibility with Strettch Cloud's public API contract (a copy of its OpenAPI document
 * sits next to this file). Every response we serve on a contract path must validate against the
 * contract's schema for that path and status.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const contract = JSON.parse(fs.readFileSync(path.join(here, 'strettch-public-api.openapi.json'), 'utf8'));
const ours = JSON.parse(fs.readFileSync(path.join(here, '../../../../packages/sdk/openapi.json'), 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'contract', components: contract.components });

function contractValidator(p: string, method: string, status: number) {
  const schema = contract.paths[p]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`contract has no ${status} response for ${method.toUpperCase()} ${p}`);
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"contract#/components/'));
  return ajv.compile(rewritten);
}

describe('Strettch Cloud public API contract', () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let headers: Record<string, string>;
  beforeAll(async () => {
    t = await startTestPlatform({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', RATE_LIMIT_API_KEY: '10000' });
    const key = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    headers = { authorization: `Bearer ${key.secret}` };
    // A funded wallet, so billing lets the compute calls below through.
    await t.deps.database.db.transaction((tx) =>
      t.deps.ledger.post(tx, {
        teamId: key.teamId, kind: 'credit', reference: `test-credit:${key.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' },
        entries: [{ account: 'team_wallet', teamId: key.teamId, amount: 1_000_000 }, { account: 'promotional_credit', amount: -1_000_000 }],
      }),
    );
  });
  afterAll(() => t?.close());

  const implemented = Object.keys(contract.paths).filter((p) => ours.paths[p]);

  it('documents contract paths at the same place, with the same methods and security', () => {
    expect(implemented).toEqual(
      expect.arrayContaining(['/health', '/regions', '/images', '/computes/specifications', '/computes', '/computes/{id}', '/computes/{id}/reboot', '/computes/{id}/start', '/computes/{id}/stop', '/computes/{id}/upsize']),
    );
    for (const p of implemented) {
      for (const method of Object.keys(contract.paths[p])) {
        expect(ours.paths[p][method], `${method} ${p}`).toBeDefined();
        // The security that applies: the operation's own, else the document's default (OpenAPI 3.1 §4.8.10).
        expect(ours.paths[p][method].security ?? ours.security ?? [], `${method} ${p} security`).toEqual(contract.paths[p][method].security ?? contract.security ?? []);
      }
    }
    const missing = Object.entries(contract.paths).flatMap(([p, ops]) => Object.keys(ops as object).filter((m) => !ours.paths[p]?.[m]).map((m) => `${m.toUpperCase()} ${p}`));
    if (missing.length) console.warn(`contract operations not implemented yet: ${missing.join(', ')}`);
  });

  for (const [p, status, auth] of [['/health', 200, false], ['/regions', 200, true], ['/images', 200, true], ['/computes/specifications', 200, true], ['/regions', 401, false]] as const) {
    it(`GET ${p} → ${status} validates against the contract`, async () => {
      const res = await t.app.inject({ url: `/api/v1${p}`, headers: auth ? headers : {} });
      expect(res.statusCode).toBe(status);
      const validate = contractValidator(p, 'get', status);
      const body = res.json();
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      if (status === 200) expect(body.success).toBe(true);
    });
  }

  it('answers every compute operation of the contract in its shape, through a whole life cycle', async () => {
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, extra: Record<string, string> = {}) =>
      t.app.inject({ method, url: `/api/v1${url}`, headers: { ...headers, ...extra }, ...(payload ? { payload } : {}) });
    const expectContract = (res: { statusCode: number; json(): unknown; body: string }, p: string, method: string, status: number) => {
      expect(res.statusCode, `${method.toUpperCase()} ${p}: ${res.body}`).toBe(status);
      const validate = contractValidator(p, method, status);
      expect(validate(res.json()), `${method.toUpperCase()} ${p} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const drain = () => t.platform.worker().drain();
    // The request body exactly as the contract's example would send it.
    const body = {
      hostName: 'my-server-01', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', tags: ['production', 'web'], withPublicIp: true,
      publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host'],
    };
    expectContract(await call('POST', '/computes', body), '/computes', 'post', 400);
    const created = await call('POST', '/computes', body, { 'idempotency-key': crypto.randomUUID() });
    expectContract(created, '/computes', 'post', 202);
    const id = (created.json() as { data: { id: string } }).data.id;
    await drain();
    expectContract(await call('GET', '/computes'), '/computes', 'get', 200);
    expectContract(await call('GET', `/computes/${id}`), '/computes/{id}', 'get', 200);
    expectContract(await call('GET', '/computes/325'), '/computes/{id}', 'get', 404);
    expectContract(await call('PATCH', `/computes/${id}/upsize`, { newSpecification: 'S-2C-4G' }), '/computes/{id}/upsize', 'patch', 400);
    expectContract(await call('POST', `/computes/${id}/reboot`), '/computes/{id}/reboot', 'post', 202);
    await drain();
    expectContract(await call('POST', `/computes/${id}/stop`), '/computes/{id}/stop', 'post', 202);
    await drain();
    expectContract(await call('PATCH', `/computes/${id}/upsize`, { newSpecification: 'S-2C-4G' }), '/computes/{id}/upsize', 'patch', 202);
    await drain();
    expectContract(await call('POST', `/computes/${id}/start`), '/computes/{id}/start', 'post', 202);
    await drain();
    expectContract(await call('DELETE', `/computes/${id}`), '/computes/{id}', 'delete', 202);
    await drain();
    const gone = await call('GET', `/computes/${id}`);
    expectContract(gone, '/computes/{id}', 'get', 200);
    expect((gone.json() as { data: { state: string; ipv4: string } }).data).toMatchObject({ state: 'DESTROYED', specification: 'S-2C-4G' });
    const anonymous = await t.app.inject({ url: '/api/v1/computes' });
    expectContract(anonymous, '/computes', 'get', 401);
  });

  it('serves exactly the reference data the contract names', async () => {
    const get = async (p: string) => (await t.app.inject({ url: `/api/v1${p}`, headers })).json().data;
    expect(await get('/regions')).toEqual([{ id: 1, region: 'KGL-1', name: 'Kigali-1', countryCode: 'RW' }]);
    const images = await get('/images');
    expect(images.slice(0, 2)).toEqual([
      { image: 'UBUNTU-24.04', imageName: 'Ubuntu', version: '24.04', displayName: '24.04 LTS' },
      { image: 'UBUNTU-22.04', imageName: 'Ubuntu', version: '22.04', displayName: '22.04 LTS' },
    ]);
    expect(images.map((i: { imageName: string }) => i.imageName)).toEqual(['Ubuntu', 'Ubuntu', 'Coolify', 'Dokploy', 'Supabase']);
    const specs = await get('/computes/specifications');
    expect(specs.map((s: { specification: string; vcpus: number; memoryMb: number; storageGb: number }) => [s.specification, s.vcpus, s.memoryMb, s.storageGb])).toEqual([
      ['S-1C', 1, 512, 10], ['S-1C-1G', 1, 1024, 20], ['S-1C-2G', 1, 2048, 40], ['S-2C-4G', 2, 4096, 80],
      ['S-4C-8G', 4, 8192, 160], ['S-8C-16G', 8, 16384, 320], ['S-16C-32G', 16, 32768, 640],
    ]);
  });

  it('keeps the committed OpenAPI document equal to what the code generates', async () => {
    const { buildOpenApiDocument } = await import('../../src/openapi/generate.ts');
    expect(JSON.parse(JSON.stringify(await buildOpenApiDocument()))).toEqual(ours);
  });
});
