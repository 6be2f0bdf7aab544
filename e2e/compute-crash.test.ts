/**
 * `strettch serve` killed (SIGKILL) in the middle of a compute create, on the qemu driver with
 * real QEMU machines, at four points: before the hypervisor is asked, after it accepted the
 * machine but before our database knows the machine's id, inside the driver between the disk
 * and QEMU's start, and after the guest booted but before the success is committed. The platform
 * is then restarted on the same data folder, six minutes later (when the dead worker's job lock
 * has expired), and must converge: the action ends in success, the compute is RUNNING with one
 * machine (no orphan, no stranger, nothing missing for the reconciler), and every hour is
 * charged once.
 *
 * The kills come from failpoints (STRETTCH_FAILPOINTS) so that each lands exactly where named.
 * QEMU runs daemonised, so machines outlive the killed server as they would in production.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../apps/api/src/config.ts';
import { qemuInstalled } from '../apps/api/src/modules/computes/hypervisor/select.ts';
import type { Failpoint } from '../apps/api/src/shared/failpoints.ts';
import { createPlatform } from '../apps/api/src/platform.ts';
import { ManualClock } from '../apps/api/src/shared/clock.ts';
import { createLogger } from '../apps/api/src/shared/logger.ts';
import { newSshPublicKey, repoRoot, seedAccount, startPlatform, type Platform } from './harness.ts';

const POINTS: Failpoint[] = ['compute.create.before-driver', 'compute.create.after-driver', 'qemu.create.after-disk', 'compute.create.before-commit'];

function tinyGuest(): { dir: string } | { missing: string } {
  if (!qemuInstalled('qemu-system-x86_64')) return { missing: 'qemu-system-x86_64 does not run (apt-get install qemu-system-x86)' };
  if (!qemuInstalled('qemu-img')) return { missing: 'qemu-img does not run (apt-get install qemu-utils)' };
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/build-tiny-guest.sh')], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const dir = out.trim().split('\n').pop() ?? '';
    return existsSync(path.join(dir, 'vmlinuz')) ? { dir } : { missing: 'scripts/build-tiny-guest.sh printed no build folder' };
  } catch (e) {
    return { missing: `the tiny guest could not be built: ${(e as Error).message.split('\n')[0]}` };
  }
}

const guest = tinyGuest();
const servers: Platform[] = [];
afterAll(async () => {
  for (const s of servers) {
    // A failed test may leave its daemonised QEMU running: end it before the folder goes.
    const vms = path.join(s.dataDir, 'vms');
    for (const name of existsSync(vms) ? readdirSync(vms) : []) {
      const pidFile = path.join(vms, name, 'qemu.pid');
      if (!existsSync(pidFile)) continue;
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await s.stop();
  }
});

describe('compute create: a crash at any point, then a restart, converges', () => {
  if ('missing' in guest) {
    if (process.env.CI === 'true') {
      it('runs the crash tests on real QEMU machines in CI', () => {
        throw new Error(`The compute crash tests cannot run here: ${guest.missing}.`);
      });
    } else {
      console.warn(`[compute-crash.test] SKIPPED: ${guest.missing}.`);
      it.skip(`compute crash tests (skipped: ${guest.missing})`, () => {});
    }
    return;
  }
  const env = { HYPERVISOR_DRIVER: 'qemu', QEMU_TINY_GUEST_DIR: guest.dir, HYPERVISOR_FAKE_DELAY_MS: '0' };

  for (const point of POINTS) {
    it(`killed at ${point}`, async () => {
      const server = await startPlatform({ ...env, STRETTCH_FAILPOINTS: point });
      servers.push(server);
      const { apiKey, teamId } = await seedAccount(server.baseUrl, { email: `crash-${randomUUID()}@example.rw`, name: 'Crash Test' });
      const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
        const response = await fetch(`${server.baseUrl}${url}`, {
          method,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
      };
      const topUp = await call('POST', '/api/v1/billing/top-ups', { amount: 50_000 }, { 'idempotency-key': randomUUID() });
      expect(topUp.status).toBe(201);
      const paid = await fetch(`${server.baseUrl}/sandbox/irembopay/invoices/${String(topUp.body.data.invoiceNumber)}/pay`, { method: 'POST' });
      expect(paid.status).toBe(200);
      await expect.poll(async () => (await call('GET', '/api/v1/billing/balance')).body.data.balance, { timeout: 20_000 }).toBe(50_000);

      const created = await call(
        'POST',
        '/api/v1/computes',
        { hostName: 'crash-1', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: [newSshPublicKey('crash@test').line] },
        { 'idempotency-key': randomUUID() },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const computeId = String(created.body.data.id);

      // The failpoint kills the server while it works on the create.
      expect(await server.exit(180_000)).toBe('SIGKILL');

      // Restart on the same data folder, in this process, after the dead worker's job lock expired.
      const clock = new ManualClock(new Date(Date.now() + 6 * 60_000));
      const config = loadConfig({ ...env, STRETTCH_DATA_DIR: server.dataDir, LOG_LEVEL: 'error' });
      const restarted = await createPlatform(config, { clock, logger: createLogger('error') });
      try {
        const db = restarted.deps.database.db;
        await restarted.worker().drain();

        const actions = await db.execute<{ command: string; status: string; error: string | null }>(
          sql`select command, status, error from compute_actions where compute_id = ${computeId} order by created_at`,
        );
        expect(actions.rows).toEqual([{ command: 'create', status: 'succeeded', error: null }]);
        const compute = await db.execute<{ state: string; driver_ref: string | null; billable_from: Date | null }>(
          sql`select state, driver_ref, billable_from from computes where id = ${computeId}`,
        );
        expect(compute.rows[0]?.state).toBe('RUNNING');
        expect(compute.rows[0]?.driver_ref).toBeTruthy();

        // One machine, ours, running: nothing orphaned, nothing unknown or missing.
        const machines = await restarted.deps.hypervisor.observe();
        expect(machines.map((m) => ({ computeId: m.computeId, power: m.power, id: m.ref.id }))).toEqual([
          { computeId, power: 'running', id: compute.rows[0]!.driver_ref },
        ]);
        expect(await restarted.deps.reconciler.run()).toEqual({ powerFixed: 0, missing: 0, orphans: 0, unknown: 0 });

        // Billing: two hours later every hour of the compute is charged once, however often metering runs.
        clock.advance(2 * 60 * 60_000);
        await restarted.deps.metering.run();
        await restarted.deps.metering.run();
        await restarted.deps.metering.debitTeam(teamId, clock.now());
        await restarted.deps.metering.debitTeam(teamId, clock.now());
        const usage = await db.execute<{ hours: string; distinct_hours: string; milli: string }>(
          sql`select count(*) as hours, count(distinct period_start) as distinct_hours, sum(amount_milli) as milli
              from usage_records where resource_type = 'compute' and resource_id = ${computeId}`,
        );
        const hours = Number(usage.rows[0]?.hours);
        expect(hours).toBeGreaterThanOrEqual(2);
        expect(hours).toBeLessThanOrEqual(3);
        expect(usage.rows[0]?.distinct_hours).toBe(usage.rows[0]?.hours);
        const hourly = await restarted.deps.metering.hourlyRateMilli(db, teamId);
        expect(Number(usage.rows[0]?.milli)).toBe(hours * hourly);
        const balance = await restarted.deps.ledger.balanceOf(db, teamId);
        expect(balance).toBe(await restarted.deps.ledger.balanceFromEntries(db, teamId));
        expect(balance).toBe(50_000 - Math.floor((hours * hourly) / 1000));
        expect(await restarted.deps.ledger.check(db)).toEqual({ unbalanced: [], mismatched: [] });

        // Clean up the real machine through the product's own path.
        await restarted.deps.hypervisor.destroy({ id: compute.rows[0]!.driver_ref! }, randomUUID());
        await expect.poll(async () => (await restarted.deps.hypervisor.observe()).length, { timeout: 60_000 }).toBe(0);
      } finally {
        await restarted.stop();
      }
    }, 300_000);
  }
});
