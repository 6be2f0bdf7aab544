/**
 * A crash while payment notifications are being received: `strettch serve` is killed with SIGKILL
 * while IremboPay (a sandbox in this process, so it outlives the server) delivers many copies of
 * one signed notification. Whatever the kill interrupted (before, during or after the crediting
 * transaction), reconciliation on the restarted database credits the wallet exactly once.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../apps/api/src/config.ts';
import { createPlatform } from '../apps/api/src/platform.ts';
import { startIremboPaySandbox, type IremboPaySandbox } from '../apps/api/src/modules/billing/irembopay/sandbox.ts';
import { ManualClock } from '../apps/api/src/shared/clock.ts';
import { createLogger } from '../apps/api/src/shared/logger.ts';
import { seedAccount, startPlatform, type Platform } from './harness.ts';

const SECRET = 'crash-test-secret';

describe('billing: a crash between receiving a payment and crediting it', () => {
  let sandbox: IremboPaySandbox | undefined;
  let server: Platform | undefined;
  afterAll(async () => {
    await sandbox?.close();
    await server?.stop();
  });

  it('is healed by reconciliation after a restart, with exactly one credit', async () => {
    sandbox = await startIremboPaySandbox({ secretKey: SECRET, retryDelayMs: 50, maxAttempts: 1 });
    server = await startPlatform({ IREMBOPAY_BASE_URL: sandbox.baseUrl, IREMBOPAY_SECRET_KEY: SECRET, HYPERVISOR_DRIVER: 'fake' });
    sandbox.controls.setCallbackUrl(`${server.baseUrl}/webhooks/irembopay`);
    const { apiKey, teamId } = await seedAccount(server.baseUrl, { email: `crash-${crypto.randomUUID()}@example.rw`, name: 'Crash Test' });
    const created = await fetch(`${server.baseUrl}/api/v1/billing/top-ups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ amount: 15_000 }),
    });
    expect(created.status).toBe(201);
    const { invoiceNumber } = ((await created.json()) as { data: { invoiceNumber: string } }).data;

    // Many copies at once keep the server busy with this payment; the kill lands in the middle.
    sandbox.controls.duplicates(300);
    sandbox.controls.pay(invoiceNumber, 'MTN_MOMO');
    await new Promise((resolve) => setTimeout(resolve, 40));
    await server.kill();
    await sandbox.controls.flush();
    const answered = sandbox.controls.deliveries.filter((d) => d.status !== null).length;
    const cut = sandbox.controls.deliveries.filter((d) => d.status === null).length;
    console.info(`crash test: ${answered} notifications answered before the kill, ${cut} cut off`);
    expect(cut).toBeGreaterThan(0);

    // Restart on the same data folder (in this process), two minutes later, and reconcile.
    const clock = new ManualClock(new Date(Date.now() + 3 * 60_000));
    const config = loadConfig({ STRETTCH_DATA_DIR: server.dataDir, IREMBOPAY_BASE_URL: sandbox.baseUrl, IREMBOPAY_SECRET_KEY: SECRET, HYPERVISOR_DRIVER: 'fake', LOG_LEVEL: 'error' });
    const restarted = await createPlatform(config, { clock, logger: createLogger('error') });
    try {
      const db = restarted.deps.database.db;
      await restarted.deps.billing.reconcile();
      clock.advance(3 * 60_000);
      await restarted.deps.billing.reconcile();
      expect(await restarted.deps.ledger.balanceOf(db, teamId)).toBe(15_000);
      expect(await restarted.deps.ledger.balanceFromEntries(db, teamId)).toBe(15_000);
      expect(await restarted.deps.ledger.check(db)).toEqual({ unbalanced: [], mismatched: [] });
    } finally {
      await restarted.stop();
    }
  }, 180_000);
});
