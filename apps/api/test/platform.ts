/** Builds the whole HTTP platform on a fresh test database, for `inject`-based tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.ts';
import { createPlatform, type PlatformOptions } from '../src/platform.ts';
import { createLogger } from '../src/shared/logger.ts';
import { ManualClock } from '../src/shared/clock.ts';
import { createTestDatabase } from './db.ts';

export async function startTestPlatform(env: Record<string, string> = {}, opts: PlatformOptions = {}) {
  const database = await createTestDatabase();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const clock = opts.clock ?? new ManualClock(new Date());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strettch-test-'));
  // Computes run on the fake hypervisor unless a test asks otherwise: no test boots a real VM by accident.
  const config = loadConfig({ LOG_LEVEL: 'info', STRETTCH_DATA_DIR: dataDir, HYPERVISOR_DRIVER: 'fake', ...env });
  const platform = await createPlatform(config, { database, logger: createLogger('trace', sink), clock, ...opts });
  const app = await platform.http();
  return {
    app,
    platform,
    deps: platform.deps,
    clock,
    logLines: lines,
    async close() {
      await platform.stop();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
