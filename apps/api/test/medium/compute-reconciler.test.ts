/**
 * The reconciler on the fake hypervisor: a guest that powered itself off, a machine that vanished,
 * a machine left over for a destroyed compute, and a stranger are each recorded, never deleted.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeHypervisorDriver } from '../../src/modules/computes/hypervisor/fake.driver.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';

describe(`compute reconciler (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', RATE_LIMIT_API_KEY: '100000' });
  });
  afterAll(() => t?.close());
  const db = () => t.deps.database.db;
  const fake = () => t.deps.hypervisor as unknown as FakeHypervisorDriver;

  async function running(secret: string) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/computes', headers: { authorization: `Bearer ${secret}`, 'idempotency-key': crypto.randomUUID() }, payload: { hostName: `r-${crypto.randomBytes(3).toString('hex')}`, image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C', publicKeys: [KEY] } });
    expect(res.statusCode, res.body).toBe(202);
    await t.platform.worker().drain();
    const row = (await db().execute<{ id: string; driver_ref: string; state: string }>(sql`select id, driver_ref, state from computes where id = ${res.json().data.id}`)).rows[0]!;
    expect(row.state).toBe('RUNNING');
    return row;
  }
  const stateOf = async (id: string) => (await db().execute<{ state: string }>(sql`select state from computes where id = ${id}`)).rows[0]!.state;

  it('follows what the hypervisor observes and reports what only a person should settle', async () => {
    const { secret, teamId } = await buildApiKey(db(), t.deps.apiKeys);
    await db().transaction((tx) =>
      t.deps.ledger.post(tx, { teamId, kind: 'credit', reference: `test-credit:${teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }] }),
    );
    const shutDown = await running(secret);
    const vanished = await running(secret);
    const destroyed = await running(secret);
    const healthy = await running(secret);

    fake().powerOffInside({ id: shutDown.driver_ref });
    fake().vanish({ id: vanished.driver_ref });
    // A destroyed compute whose machine is still there (left over), and a machine that is not ours.
    await db().execute(sql`update computes set state = 'DESTROYED', destroyed_at = now() where id = ${destroyed.id}`);
    const stranger = fake().addStranger(null);

    const counts = await t.deps.reconciler.run();
    expect(counts).toEqual({ powerFixed: 1, missing: 1, orphans: 1, unknown: 1 });
    expect(await stateOf(shutDown.id)).toBe('STOPPED');
    expect(await stateOf(vanished.id)).toBe('ERROR');
    expect(await stateOf(healthy.id)).toBe('RUNNING');
    // Nothing was deleted: the left-over machine and the stranger are still on the hypervisor.
    const refs = (await t.deps.hypervisor.observe()).map((m) => m.ref.id);
    expect(refs).toEqual(expect.arrayContaining([destroyed.driver_ref, stranger.id]));
    const items = await t.deps.reconciler.openItems();
    expect(items.map((i) => [i.kind, i.computeId]).sort()).toEqual(
      [['MISSING_MACHINE', vanished.id], ['ORPHAN_MACHINE', destroyed.id], ['UNKNOWN_MACHINE', null]].sort(),
    );
    const audit = await db().execute<{ action: string }>(sql`select action from audit_events where team_id = ${teamId} and action in ('compute.state.observed', 'compute.drift') order by id`);
    expect(audit.rows.map((r) => r.action).sort()).toEqual(['compute.drift', 'compute.state.observed']);

    // A second run finds the same items (no duplicates); when a stranger goes away its item closes.
    await t.deps.reconciler.run();
    expect(await t.deps.reconciler.openItems()).toHaveLength(3);
    fake().vanish(stranger);
    await t.deps.reconciler.run();
    expect((await t.deps.reconciler.openItems()).map((i) => i.kind).sort()).toEqual(['MISSING_MACHINE', 'ORPHAN_MACHINE']);
  });
});
