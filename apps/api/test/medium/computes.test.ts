/**
 * Computes through the public API with API keys, on the fake hypervisor: the whole life cycle,
 * idempotent creates, upsize rules, one action at a time, team isolation, permissions, public
 * IPv4 quota and pool, addresses under concurrency, SSH keys, user data, billing suspension and
 * the spending guard. Jobs run when a test drains the worker, so every step is deterministic.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.ts';
import type { Context } from '../../src/shared/context.ts';
import type { ManualClock } from '../../src/shared/clock.ts';
import { ComputesService } from '../../src/modules/computes/computes.service.ts';
import { AddressAllocator, addressPlan } from '../../src/modules/computes/addresses.ts';
import type { SpendingIntent } from '../../src/modules/computes/spending-guard.ts';
import type { FakeHypervisorDriver } from '../../src/modules/computes/hypervisor/fake.driver.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildUser } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';
const KEY_FINGERPRINT = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';
const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhVVK4/fYY08jJ8J6vbvLZvZNnDiQAIIk2XN7q5CkqO ada@example.rw';

const body = (overrides: Record<string, unknown> = {}) => ({
  hostName: `vm-${crypto.randomBytes(3).toString('hex')}`,
  image: 'UBUNTU-24.04',
  region: 'KGL-1',
  specification: 'S-1C-1G',
  publicKeys: [KEY],
  tags: ['bars'],
  ...overrides,
});

function harness(env: Record<string, string>) {
  const h = {
    t: undefined as unknown as TestPlatform,
    db: () => h.t.deps.database.db,
    async call(key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) {
      return h.t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload ? { payload } : {}) });
    },
    async create(key: string, overrides: Record<string, unknown> = {}, idempotencyKey: string = crypto.randomUUID()) {
      return h.call(key, 'POST', '/computes', body(overrides), { 'idempotency-key': idempotencyKey });
    },
    /** Creates a compute and runs its jobs: a RUNNING compute. */
    async running(key: string, overrides: Record<string, unknown> = {}) {
      const res = await h.create(key, overrides);
      expect(res.statusCode, res.body).toBe(202);
      await h.drain();
      return res.json().data as { id: string; privateIpv4: string; ipv4?: string; actionId: string };
    },
    drain: () => h.t.platform.worker().drain(),
    /** Moves the test clock on, so that what happens next is later (lists are newest first). */
    tick: () => (h.t.clock as ManualClock).advance(1000),
    /** An Owner key of a new team whose wallet holds plenty, so billing's guard lets it spend. */
    async owner(opts: Parameters<typeof buildApiKey>[3] = {}) {
      const key = await buildApiKey(h.db(), h.t.deps.apiKeys, undefined, opts);
      await h.db().transaction((tx) =>
        h.t.deps.ledger.post(tx, {
          teamId: key.teamId,
          kind: 'credit',
          reference: `test-credit:${key.teamId}`,
          description: 'Test credit',
          actor: { type: 'system', id: 'test' },
          entries: [{ account: 'team_wallet', teamId: key.teamId, amount: 10_000_000 }, { account: 'promotional_credit', amount: -10_000_000 }],
        }),
      );
      return key;
    },
    state: async (key: string, id: string) => (await h.call(key, 'GET', `/computes/${id}`)).json().data.state as string,
    row: async (id: string) => (await h.db().execute(sql`select * from computes where id = ${id}`)).rows[0] as Record<string, unknown>,
  };
  beforeAll(async () => {
    h.t = await startTestPlatform({ RATE_LIMIT_API_KEY: '100000', HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', ...env });
  });
  afterAll(() => h.t?.close());
  return h;
}

describe(`computes API (${dbKind})`, () => {
  const h = harness({ PUBLIC_IPV4_PER_TEAM: '1', PUBLIC_IPV4_POOL: '203.0.113.0/29' });
  const owner = () => h.owner();

  it('runs the whole life cycle: create, stop, upsize, start, reboot, destroy, each as an audited action', async () => {
    const { secret, teamId } = await owner();
    const created = await h.create(secret, { hostName: 'bar vm 1', tags: ['bars', 'web', 'bars'] });
    expect(created.statusCode, created.body).toBe(202);
    const c = created.json().data;
    expect(c).toMatchObject({ hostName: 'bar-vm-1', state: 'CREATING', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', tags: ['bars', 'web'], withPublicIp: false });
    expect(c.privateIpv4).toBe('10.0.0.2');
    expect(c).not.toHaveProperty('ipv4');
    expect((await h.call(secret, 'GET', `/actions/${c.actionId}`)).json().data).toMatchObject({ command: 'create', status: 'pending', progress: 0, computeId: c.id });
    expect((await h.row(c.id)).billable_from).toBeNull();

    await h.drain();
    expect(await h.state(secret, c.id)).toBe('RUNNING');
    expect((await h.call(secret, 'GET', `/actions/${c.actionId}`)).json().data).toMatchObject({ status: 'succeeded', progress: 100, error: null });
    expect((await h.row(c.id)).billable_from).not.toBeNull();
    const firstBillable = String((await h.row(c.id)).billable_from);

    const list = (await h.call(secret, 'GET', '/computes?tag=web')).json();
    expect(list.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect(list.meta).toEqual({ total: 1, page: 1, limit: 20 });
    expect((await h.call(secret, 'GET', '/computes?tag=db')).json().data).toEqual([]);

    const steps: Array<[string, 'POST' | 'PATCH' | 'DELETE', string, object | undefined, string, string]> = [
      ['stop', 'POST', `/computes/${c.id}/stop`, undefined, 'STOPPING', 'STOPPED'],
      ['upsize', 'PATCH', `/computes/${c.id}/upsize`, { newSpecification: 'S-2C-4G' }, 'RESIZING', 'STOPPED'],
      ['start', 'POST', `/computes/${c.id}/start`, undefined, 'STARTING', 'RUNNING'],
      ['reboot', 'POST', `/computes/${c.id}/reboot`, undefined, 'REBOOTING', 'RUNNING'],
      ['destroy', 'DELETE', `/computes/${c.id}`, undefined, 'DESTROYING', 'DESTROYED'],
    ];
    for (const [command, method, url, payload, during, after] of steps) {
      h.tick();
      const res = await h.call(secret, method, url, payload);
      expect(res.statusCode, `${command}: ${res.body}`).toBe(202);
      expect(res.json().data.state, command).toBe(during);
      await h.drain();
      expect(await h.state(secret, c.id), command).toBe(after);
    }
    const gone = (await h.call(secret, 'GET', `/computes/${c.id}`)).json().data;
    expect(gone).toMatchObject({ state: 'DESTROYED', specification: 'S-2C-4G' });
    expect((await h.call(secret, 'GET', '/computes')).json().data).toEqual([]);
    const row = await h.row(c.id);
    expect(row.destroyed_at).not.toBeNull();
    expect(String(row.billable_from)).toBe(firstBillable);

    const actions = (await h.call(secret, 'GET', `/computes/${c.id}/actions`)).json();
    expect(actions.data.map((a: { command: string; status: string }) => `${a.command}:${a.status}`)).toEqual([
      'destroy:succeeded', 'reboot:succeeded', 'start:succeeded', 'upsize:succeeded', 'stop:succeeded', 'create:succeeded',
    ]);
    expect(actions.data.find((a: { command: string }) => a.command === 'upsize').specification).toBe('S-2C-4G');
    const audit = (await h.db().execute(sql`select action, target_id from audit_events where team_id = ${teamId} and target_type = 'compute' order by id`)).rows;
    expect(audit.map((r) => r.action)).toEqual(['compute.create', 'compute.stop', 'compute.upsize', 'compute.start', 'compute.reboot', 'compute.destroy']);
    expect(new Set(audit.map((r) => r.target_id))).toEqual(new Set([c.id]));
    // The machine is gone from the engine and the address is free again.
    expect((await h.t.deps.hypervisor.observe()).some((m) => m.computeId === c.id)).toBe(false);
    const held = await h.db().execute(sql`select count(*)::int as n from ipv4_allocations where compute_id = ${c.id} and released_at is null`);
    expect(held.rows[0]).toEqual({ n: 0 });
    expect((await h.call(secret, 'DELETE', `/computes/${c.id}`)).statusCode).toBe(409);
  });

  it('requires an Idempotency-Key (UUID v4) on create, before looking at the body', async () => {
    const { secret, teamId } = await owner();
    for (const headers of [{} as Record<string, string>, { 'idempotency-key': 'not-a-uuid' }, { 'idempotency-key': 'a8098c1a-f86e-11da-bd1a-00112444be1e' /* v1 */ }]) {
      const res = await h.call(secret, 'POST', '/computes', body(), headers);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ success: false, code: 'INVALID_IDEMPOTENCY_KEY' });
    }
    expect((await h.call(secret, 'POST', '/computes', { hostName: '' })).json().code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect((await h.db().execute(sql`select count(*)::int as n from computes where team_id = ${teamId}`)).rows[0]).toEqual({ n: 0 });
  });

  it('answers a replay with the same 202 and makes one compute; another body with the key is refused', async () => {
    const { secret, teamId } = await owner();
    const key = crypto.randomUUID();
    const payload = body();
    const first = await h.call(secret, 'POST', '/computes', payload, { 'idempotency-key': key });
    const again = await h.call(secret, 'POST', '/computes', payload, { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().data).toEqual(first.json().data);
    expect((await h.db().execute(sql`select count(*)::int as n from computes where team_id = ${teamId}`)).rows[0]).toEqual({ n: 1 });
    const other = await h.call(secret, 'POST', '/computes', { ...payload, hostName: 'another' }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('upsizes only a stopped compute, and only to a larger specification', async () => {
    const { secret } = await owner();
    const c = await h.running(secret, { specification: 'S-1C-2G' });
    const running = await h.call(secret, 'PATCH', `/computes/${c.id}/upsize`, { newSpecification: 'S-2C-4G' });
    expect(running.statusCode).toBe(400);
    expect(running.json().code).toBe('COMPUTE_RUNNING');
    await h.call(secret, 'POST', `/computes/${c.id}/stop`);
    await h.drain();
    for (const smaller of ['S-1C-1G', 'S-1C-2G']) {
      const res = await h.call(secret, 'PATCH', `/computes/${c.id}/upsize`, { newSpecification: smaller });
      expect(res.statusCode, smaller).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/only be upsized/) });
    }
    expect((await h.call(secret, 'PATCH', `/computes/${c.id}/upsize`, { newSpecification: 'S-99C' })).json().code).toBe('RESOURCE_NOT_FOUND');
    expect((await h.row(c.id)).specification).toBe('S-1C-2G');
    expect(await h.state(secret, c.id)).toBe('STOPPED');
    const ok = await h.call(secret, 'PATCH', `/computes/${c.id}/upsize`, { newSpecification: 'S-4C-8G' });
    expect(ok.statusCode).toBe(202);
    await h.drain();
    expect((await h.t.deps.hypervisor.inspect({ id: String((await h.row(c.id)).driver_ref) }))?.size).toEqual({ vcpus: 4, memoryMb: 8192, diskGb: 160 });
  });

  it('refuses a second action while one holds the compute (CONFLICT), and power changes that make no sense', async () => {
    const { secret } = await owner();
    const c = (await h.create(secret)).json().data;
    for (const [method, url] of [['POST', `/computes/${c.id}/stop`], ['POST', `/computes/${c.id}/reboot`], ['DELETE', `/computes/${c.id}`]] as const) {
      const res = await h.call(secret, method, url);
      expect(res.statusCode, url).toBe(409);
      expect(res.json()).toMatchObject({ code: 'CONFLICT', details: { actionId: c.actionId, command: 'create' } });
    }
    await h.drain();
    expect((await h.call(secret, 'POST', `/computes/${c.id}/start`)).json()).toMatchObject({ code: 'CONFLICT', message: 'The compute is already running.' });
    expect((await h.call(secret, 'POST', `/computes/${c.id}/stop`)).statusCode).toBe(202);
    expect((await h.call(secret, 'POST', `/computes/${c.id}/start`)).json().code).toBe('CONFLICT');
    await h.drain();
    expect((await h.call(secret, 'POST', `/computes/${c.id}/reboot`)).json().code).toBe('CONFLICT');
    expect((await h.call(secret, 'POST', `/computes/${c.id}/start`)).statusCode).toBe(202);
  });

  it('answers 404 for another team\'s compute and action, and changes nothing', async () => {
    const a = await owner();
    const b = await owner();
    const c = await h.running(a.secret);
    const before = JSON.stringify(await h.row(c.id));
    const probes: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string, object?]> = [
      ['GET', `/computes/${c.id}`],
      ['DELETE', `/computes/${c.id}`],
      ['GET', `/computes/${c.id}/actions`],
      ['POST', `/computes/${c.id}/stop`],
      ['POST', `/computes/${c.id}/reboot`],
      ['PATCH', `/computes/${c.id}/upsize`, { newSpecification: 'S-2C-4G' }],
      ['GET', `/actions/${c.actionId}`],
      ['GET', '/computes/325'],
      ['GET', '/actions/325'],
    ];
    for (const [method, url, payload] of probes) {
      const res = await h.call(b.secret, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('RESOURCE_NOT_FOUND');
    }
    expect((await h.call(b.secret, 'GET', '/computes')).json().data).toEqual([]);
    expect(JSON.stringify(await h.row(c.id))).toBe(before);
  });

  it('lets a Member look but not create, power or delete', async () => {
    const { secret, teamId } = await owner();
    const c = await h.running(secret);
    const member = await buildApiKey(h.db(), h.t.deps.apiKeys, teamId, { role: 'MEMBER' });
    const created = await h.create(member.secret);
    expect(created.statusCode).toBe(403);
    expect(created.json().code).toBe('FORBIDDEN');
    expect((await h.call(member.secret, 'POST', `/computes/${c.id}/stop`)).statusCode).toBe(403);
    expect((await h.call(member.secret, 'DELETE', `/computes/${c.id}`)).statusCode).toBe(403);
    expect((await h.call(member.secret, 'GET', `/computes/${c.id}`)).statusCode).toBe(200);
    expect((await h.call(member.secret, 'GET', `/computes/${c.id}/actions`)).json().data).toHaveLength(1);
    // A scoped key of an Owner is limited to its scopes.
    const readOnly = await buildApiKey(h.db(), h.t.deps.apiKeys, teamId, { role: 'OWNER', scopes: ['compute.read'] });
    expect((await h.call(readOnly.secret, 'POST', `/computes/${c.id}/reboot`)).json().code).toBe('FORBIDDEN');
  });

  it('gives a public IPv4 within the team\'s quota, frees it on destroy, and reuses released addresses last', async () => {
    const { secret, teamId } = await owner();
    const first = await h.running(secret, { withPublicIp: true });
    expect(first.ipv4).toMatch(/^203\.0\.113\.[2-6]$/);
    const over = await h.create(secret, { withPublicIp: true });
    expect(over.statusCode).toBe(403);
    expect(over.json().code).toBe('PUBLIC_IP_LIMIT_REACHED');
    expect((await h.db().execute(sql`select count(*)::int as n from computes where team_id = ${teamId}`)).rows[0]).toEqual({ n: 1 });
    // Without a public IP it is fine; the private network is the team's own.
    const privateOnly = await h.running(secret);
    expect(privateOnly.ipv4).toBeUndefined();
    expect(privateOnly.privateIpv4).not.toBe(first.privateIpv4);

    await h.call(secret, 'DELETE', `/computes/${first.id}`);
    expect((await h.create(secret, { withPublicIp: true })).json().code, 'held until the machine is gone').toBe('PUBLIC_IP_LIMIT_REACHED');
    await h.drain();
    const second = await h.running(secret, { withPublicIp: true });
    expect(second.ipv4).toMatch(/^203\.0\.113\./);
    expect(second.ipv4, 'a never-used address goes first').not.toBe(first.ipv4);
  });

  it('checks keys, image, region and user data; keeps user data encrypted, out of logs, and shreds it on destroy', async () => {
    const { secret } = await owner();
    const badKey = await h.create(secret, { publicKeys: ['ssh-rsa AAAA'] });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'publicKeys.0' }] });
    expect((await h.create(secret, { publicKeys: [] })).json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'publicKeys' }] });
    expect((await h.create(secret, { image: 'WINDOWS-95' })).json()).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: expect.stringContaining('GET /images') });
    expect((await h.create(secret, { region: 'NBO-1' })).json().code).toBe('RESOURCE_NOT_FOUND');
    expect((await h.create(secret, { hostName: '-bad-' })).json().code).toBe('VALIDATION_ERROR');

    const canary = `#cloud-config\npassword: canary-${crypto.randomUUID()}`;
    const c = await h.running(secret, { userData: canary, publicKeys: [KEY, KEY.replace('bar@test', 'same key, other comment')] });
    const row = await h.row(c.id);
    expect(row.user_data_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('canary-');
    expect(row.public_keys, 'deduplicated, without comments').toEqual([KEY.replace(' bar@test', '')]);
    await h.call(secret, 'DELETE', `/computes/${c.id}`);
    await h.drain();
    expect((await h.row(c.id)).user_data_enc).toBeNull();
    expect((await h.db().execute(sql`select count(*)::int as n from subject_keys where subject_id = ${c.id}`)).rows[0]).toEqual({ n: 0 });
    expect(h.t.logLines.join('\n')).not.toContain('canary-');
  });

  it('keeps SSH keys as team resources, chosen at create by id or fingerprint', async () => {
    const { secret, teamId } = await owner();
    const added = await h.call(secret, 'POST', '/ssh-keys', { name: 'Bar laptop', publicKey: KEY }, { 'idempotency-key': crypto.randomUUID() });
    expect(added.statusCode, added.body).toBe(201);
    const k = added.json().data;
    expect(k).toMatchObject({ name: 'Bar laptop', fingerprint: KEY_FINGERPRINT, type: 'ssh-ed25519', bits: 256, publicKey: KEY.replace(' bar@test', '') });
    const dup = await h.call(secret, 'POST', '/ssh-keys', { name: 'Again', publicKey: KEY }, { 'idempotency-key': crypto.randomUUID() });
    expect(dup.statusCode).toBe(409);
    const other = (await h.call(secret, 'POST', '/ssh-keys', { name: 'Ada', publicKey: OTHER_KEY }, { 'idempotency-key': crypto.randomUUID() })).json().data;
    expect((await h.call(secret, 'GET', '/ssh-keys')).json().meta.total).toBe(2);
    expect((await h.call(secret, 'PATCH', `/ssh-keys/${k.id}`, { name: 'Bar desktop' })).json().data.name).toBe('Bar desktop');

    const c = await h.running(secret, { publicKeys: undefined, sshKeys: [KEY_FINGERPRINT, other.id] });
    expect(((await h.row(c.id)).public_keys as string[]).length).toBe(2);
    expect((await h.create(secret, { publicKeys: undefined, sshKeys: ['SHA256:nope'] })).json().code).toBe('RESOURCE_NOT_FOUND');

    const member = await buildApiKey(h.db(), h.t.deps.apiKeys, teamId, { role: 'MEMBER' });
    expect((await h.call(member.secret, 'GET', `/ssh-keys/${k.id}`)).statusCode).toBe(200);
    expect((await h.call(member.secret, 'DELETE', `/ssh-keys/${k.id}`)).statusCode).toBe(403);
    const stranger = await owner();
    expect((await h.call(stranger.secret, 'GET', `/ssh-keys/${k.id}`)).statusCode).toBe(404);
    expect((await h.call(stranger.secret, 'DELETE', `/ssh-keys/${k.id}`)).statusCode).toBe(404);
    expect((await h.call(secret, 'DELETE', `/ssh-keys/${k.id}`)).statusCode).toBe(200);
    expect((await h.call(secret, 'GET', `/ssh-keys/${k.id}`)).statusCode).toBe(404);
    const audit = (await h.db().execute(sql`select action from audit_events where team_id = ${teamId} and target_type = 'ssh_key' order by id`)).rows.map((r) => r.action);
    expect(audit).toEqual(['ssh_key.create', 'ssh_key.create', 'ssh_key.update', 'ssh_key.delete']);
  });

  it('ends a failed creation in ERROR with the driver\'s message; the compute can still be destroyed', async () => {
    const { secret } = await owner();
    (h.t.deps.hypervisor as FakeHypervisorDriver).failNext('create', 'no host has room for this machine');
    const c = await h.running(secret);
    expect(await h.state(secret, c.id)).toBe('ERROR');
    expect((await h.call(secret, 'GET', `/actions/${c.actionId}`)).json().data).toMatchObject({ status: 'failed', error: expect.stringContaining('no host has room') });
    expect((await h.row(c.id)).billable_from, 'never ran, never billed').toBeNull();
    expect((await h.call(secret, 'POST', `/computes/${c.id}/start`)).json().message).toMatch(/ERROR/);
    expect((await h.call(secret, 'DELETE', `/computes/${c.id}`)).statusCode).toBe(202);
    await h.drain();
    expect(await h.state(secret, c.id)).toBe('DESTROYED');
  });

  it('refuses to delete a team that still has computes', async () => {
    const { secret, teamId } = await owner();
    const c = await h.running(secret);
    const refused = await h.call(secret, 'DELETE', `/teams/${teamId}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/1 compute/);
    await h.call(secret, 'DELETE', `/computes/${c.id}`);
    expect((await h.call(secret, 'DELETE', `/teams/${teamId}`)).statusCode, 'still being destroyed').toBe(409);
    expect(await h.t.deps.computes.countLive(h.db(), teamId)).toBe(1);
    await h.drain();
    expect(await h.t.deps.computes.countLive(h.db(), teamId)).toBe(0);
    expect((await h.call(secret, 'DELETE', `/teams/${teamId}`)).statusCode).toBe(200);
  });

  it('stops running computes for a billing suspension and starts exactly those when it is lifted', async () => {
    const { secret, teamId } = await owner();
    const running = await h.running(secret);
    const stoppedByUser = await h.running(secret);
    await h.call(secret, 'POST', `/computes/${stoppedByUser.id}/stop`);
    await h.drain();
    const booting = (await h.create(secret)).json().data;

    h.tick();
    await h.t.deps.computes.stopForSuspension(h.db(), teamId);
    expect(await h.state(secret, running.id)).toBe('STOPPING');
    await h.drain();
    expect([await h.state(secret, running.id), await h.state(secret, stoppedByUser.id), await h.state(secret, booting.id)]).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    const marked = (await h.db().execute(sql`select id from computes where team_id = ${teamId} and suspended_at is not null order by id`)).rows.map((r) => r.id);
    expect(marked.sort()).toEqual([running.id, booting.id].sort());
    const reasons = (await h.db().execute(sql`select command, reason, requested_by from compute_actions where compute_id = ${booting.id} order by created_at`)).rows;
    expect(reasons).toEqual([{ command: 'create', reason: null, requested_by: expect.any(String) }, { command: 'stop', reason: 'billing-suspension', requested_by: null }]);

    await h.t.deps.computes.resumeAfterSuspension(h.db(), teamId);
    await h.drain();
    expect([await h.state(secret, running.id), await h.state(secret, stoppedByUser.id), await h.state(secret, booting.id)]).toEqual(['RUNNING', 'STOPPED', 'RUNNING']);
    expect((await h.db().execute(sql`select count(*)::int as n from computes where team_id = ${teamId} and suspended_at is not null`)).rows[0]).toEqual({ n: 0 });
  });

  it('undoes a suspension stop that finishes after the suspension was lifted', async () => {
    const { secret, teamId } = await owner();
    const c = await h.running(secret);
    h.tick();
    await h.t.deps.computes.stopForSuspension(h.db(), teamId);
    await h.t.deps.computes.resumeAfterSuspension(h.db(), teamId); // lifted while the stop is still queued
    h.tick();
    await h.drain();
    expect(await h.state(secret, c.id)).toBe('RUNNING');
    const commands = (await h.call(secret, 'GET', `/computes/${c.id}/actions`)).json().data.map((a: { command: string; reason: string | null }) => `${a.command}:${a.reason}`);
    expect(commands).toEqual(['start:billing-resume', 'stop:billing-suspension', 'create:null']);
  });
});

describe(`computes: the spending guard (${dbKind})`, () => {
  const h = harness({});

  it('creates nothing for a person who has not verified a phone', async () => {
    const db = h.db();
    const { id: userId } = await buildUser(db, { eligible: false });
    await h.t.deps.age.confirmDateOfBirth({ actor: { type: 'user', id: userId }, teamId: null, requestId: 'test', ip: null, userAgent: null, tx: db }, { dateOfBirth: '1990-01-01' });
    const { secret, teamId } = await buildApiKey(db, h.t.deps.apiKeys, undefined, { userId });
    await db.transaction((tx) =>
      h.t.deps.ledger.post(tx, { teamId, kind: 'credit', reference: `test-credit:${teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }] }),
    );
    const res = await h.create(secret);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('PHONE_VERIFICATION_REQUIRED');
  });

  it('asks billing before create, start, reboot and upsize, and never before stop or destroy', async () => {
    const { secret, teamId, id: apiKeyId, userId } = await h.owner();
    const c = await h.running(secret);
    const asked: SpendingIntent[] = [];
    let refuse: AppError | null = null;
    const d = h.t.deps;
    const service = new ComputesService({
      clock: d.clock, audit: d.audit, jobs: d.jobs, catalog: d.catalog, subjects: d.subjects, driver: d.hypervisor,
      addresses: new AddressAllocator(addressPlan({ publicPool: d.config.PUBLIC_IPV4_POOL, publicPerTeam: d.config.PUBLIC_IPV4_PER_TEAM, privateCidr: d.config.PRIVATE_NETWORK_CIDR })),
      spending: {
        async assertCanSpend(_ex, team, intent) {
          expect(team).toBe(teamId);
          asked.push(intent);
          if (refuse) throw refuse;
        },
      },
    });
    const ctx: Context = { actor: { type: 'api_key', id: apiKeyId, userId }, teamId, requestId: 'test', ip: null, userAgent: null, tx: h.db() };

    refuse = new AppError('INSUFFICIENT_BALANCE');
    await expect(service.create(ctx, { ...body(), publicKeys: [KEY] })).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    refuse = new AppError('TEAM_SUSPENDED');
    await expect(service.reboot(ctx, c.id)).rejects.toMatchObject({ code: 'TEAM_SUSPENDED' });
    expect((await h.db().execute(sql`select count(*)::int as n from computes where team_id = ${teamId}`)).rows[0]).toEqual({ n: 1 });
    expect((await h.db().execute(sql`select count(*)::int as n from compute_actions where compute_id = ${c.id}`)).rows[0]).toEqual({ n: 1 });

    await service.stop(ctx, c.id); // not asked, even while refusing
    await h.drain();
    refuse = new AppError('TEAM_PAST_DUE');
    await expect(service.start(ctx, c.id)).rejects.toMatchObject({ code: 'TEAM_PAST_DUE' });
    refuse = new AppError('TEAM_TERMINATED');
    await expect(service.upsize(ctx, c.id, 'S-2C-4G')).rejects.toMatchObject({ code: 'TEAM_TERMINATED' });
    refuse = null;
    await service.upsize(ctx, c.id, 'S-2C-4G');
    await h.drain();
    await service.destroy(ctx, c.id);
    expect(asked).toEqual([
      { command: 'create', specification: 'S-1C-1G', userId },
      { command: 'reboot', specification: 'S-1C-1G' },
      { command: 'start', specification: 'S-1C-1G' },
      { command: 'upsize', specification: 'S-2C-4G' },
      { command: 'upsize', specification: 'S-2C-4G' },
    ]);
  });
});

describe(`computes: addresses under concurrency (${dbKind})`, () => {
  // 13 public addresses (.2–.14 of a /28) for 16 requests at once.
  const h = harness({ PUBLIC_IPV4_PER_TEAM: '10', PUBLIC_IPV4_POOL: '198.51.100.0/28' });

  it('never hands one address to two computes, whatever arrives at once', async () => {
    const teams = await Promise.all(Array.from({ length: 4 }, () => h.owner()));
    const requests = teams.flatMap((k) => Array.from({ length: 4 }, () => h.create(k.secret, { withPublicIp: true })));
    const answers = await Promise.all(requests);
    const accepted = answers.filter((r) => r.statusCode === 202).map((r) => r.json().data as { ipv4: string; privateIpv4: string; id: string });
    const refused = answers.filter((r) => r.statusCode !== 202);
    expect(accepted).toHaveLength(13);
    expect(refused.map((r) => r.json().code)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect(new Set(accepted.map((c) => c.ipv4)).size).toBe(13);
    // Private addresses are unique within each team's network (and repeat across teams, which are isolated).
    const rows = (await h.db().execute(sql`select team_id, host(private_ipv4) as ip from computes`)).rows as Array<{ team_id: string; ip: string }>;
    for (const team of teams) {
      const ips = rows.filter((r) => r.team_id === team.teamId).map((r) => r.ip);
      expect(new Set(ips).size, team.teamId).toBe(ips.length);
    }
    // And the database itself refuses a second holder, whatever the code above it does.
    const [one] = accepted;
    await expect(
      h.db().execute(sql`insert into ipv4_allocations (kind, address, region, team_id, compute_id, allocated_at)
        values ('public', ${one!.ipv4}, 'KGL-1', ${teams[0]!.teamId}, ${one!.id}, now())`),
    ).rejects.toThrow();

    // The pool is full until a compute is destroyed; then its address is the one free.
    await h.drain();
    const teamOfOne = (await h.row(one!.id)).team_id as string;
    const keyOfOne = teams.find((k) => k.teamId === teamOfOne)!.secret;
    expect((await h.create(keyOfOne, { withPublicIp: true })).json().code).toBe('SERVICE_UNAVAILABLE');
    expect((await h.call(keyOfOne, 'DELETE', `/computes/${one!.id}`)).statusCode).toBe(202);
    await h.drain();
    const next = await h.create(keyOfOne, { withPublicIp: true });
    expect(next.statusCode, next.body).toBe(202);
    expect(next.json().data.ipv4).toBe(one!.ipv4);
  });
});
