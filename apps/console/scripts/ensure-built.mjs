#!/usr/bin/env node
/**
 * Builds the web console (apps/console/dist) when it is missing or older than its sources.
 * Run by `npm start` (as `npm run build:console`) so a fresh checkout serves a current console
 * without a separate build step. Prints one short line either way; exits non-zero on failure.
 *
 *   node apps/console/scripts/ensure-built.mjs [--force]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const builtMarker = path.join(dist, 'index.html');
// The generated SDK is bundled into the console, so a regenerated SDK means a rebuild too.
const inputs = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', '../../packages/sdk/src'];

/** Newest modification time (ms) of a file, or of any file under a folder. */
function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's mtime
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    newest = Math.max(newest, newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

function staleReason() {
  if (process.argv.includes('--force')) return 'forced';
  if (!fs.existsSync(builtMarker)) return 'no build yet';
  const builtAt = fs.statSync(builtMarker).mtimeMs;
  const changed = inputs.find((input) => newestMtime(path.join(root, input)) > builtAt);
  return changed ? `${changed} changed` : null;
}

const reason = staleReason();
if (!reason) {
  console.log('console: up to date (apps/console/dist)');
  process.exit(0);
}

const started = Date.now();
try {
  const { build } = await import('vite');
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'error' });
  // Vite keeps the sources' timestamps out of dist; touch the marker so "newer than" is exact.
  const now = new Date();
  fs.utimesSync(builtMarker, now, now);
  console.log(`console: built apps/console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s (${reason})`);
} catch (error) {
  console.error(`console: build failed (${reason}): ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
