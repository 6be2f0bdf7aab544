/**
 * Wire compatibility with Strettch Cloud's public API contract (a copy of its OpenAPI document
 * sits next to this file). Every response we serve on a contract path must validate against the
 * contract's schema for that path and status.
 */
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
    t = await startTestPlatform();
    headers = { authorization: `Bearer ${(await buildApiKey(t.deps.database.db, t.deps.apiKeys)).secret}` };
  });
  afterAll(() => t?.close());

  const implemented = Object.keys(contract.paths).filter((p) => ours.paths[p]);

  it('documents contract paths at the same place, with the same methods and security', () => {
    expect(implemented).toEqual(expect.arrayContaining(['/health', '/regions', '/images', '/computes/specifications']));
    for (const p of implemented) {
      for (const method of Object.keys(contract.paths[p])) {
        expect(ours.paths[p][method], `${method} ${p}`).toBeDefined();
        expect(ours.paths[p][method].security ?? [], `${method} ${p} security`).toEqual(contract.paths[p][method].security ?? []);
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
