/** Shared pieces of the live DNS tests: tool checks (the socket helpers are in client.ts). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'vitest';

export * from './client.ts';

/** Why the tools are missing, or null when they are all installed. */
export function missingTools(tools: string[]): string | null {
  const missing = tools.filter((t) => (t.startsWith('/') ? !fs.existsSync(t) : spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0));
  if (missing.length) return `${missing.join(', ')} not installed (apt-get install pdns-server pdns-backend-bind dnsutils dnsperf)`;
  if (tools.some((t) => t.endsWith('pdns_server'))) {
    const found = spawnSync('sh', ['-c', 'ls /usr/lib/*/pdns/libbindbackend.so 2>/dev/null']).stdout.toString().trim();
    if (!found) return 'the PowerDNS bind backend is not installed (apt-get install pdns-backend-bind)';
  }
  return null;
}

/**
 * `describe` when the tools are installed; otherwise a visible skip, or, under CI=true, a failing
 * test (CI must install them).
 */
export function describeWithTools(title: string, tools: string[], body: () => void): void {
  const missing = missingTools(tools);
  if (!missing) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has its tools installed', () => {
        throw new Error(`${title}: ${missing}; CI must install them.`);
      });
    });
    return;
  }
  console.warn(`[${title}] SKIPPED: ${missing}.`);
  describe.skip(`${title} (skipped: ${missing})`, () => {
    it('needs its tools', () => {});
  });
}
