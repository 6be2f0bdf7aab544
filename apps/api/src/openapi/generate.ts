/**
 * `npm run gen`: writes the OpenAPI document generated from the route schemas to
 * packages/sdk/openapi.json and the configuration reference to docs/configuration.md.
 * The SDK types are then generated from the document (see the root package.json).
 * CI regenerates both and fails when the committed copies differ.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, renderConfigDocs } from '../config.ts';
import { openPostgres } from '../db/database.ts';
import { createLogger } from '../shared/logger.ts';
import { createPlatform } from '../platform.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  // The document depends only on route schemas: no database is queried (the pool connects lazily).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-gen-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', SANDBOXES: 'on', STRETTCH_DATA_DIR: scratch });
  const platform = await createPlatform(config, {
    database: openPostgres('postgres://unused@127.0.0.1:1/unused', 1),
    logger: createLogger('silent'),
    migrate: false,
  });
  const app = await platform.http();
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await platform.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
  return doc;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const doc = await buildOpenApiDocument();
  fs.writeFileSync(path.join(root, 'packages/sdk/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  fs.writeFileSync(path.join(root, 'docs/configuration.md'), renderConfigDocs());
  console.warn(`wrote packages/sdk/openapi.json (${Object.keys(doc.paths as object).length} paths) and docs/configuration.md`);
}
