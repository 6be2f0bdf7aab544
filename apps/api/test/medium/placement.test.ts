/**
 * Placement through the public API on the fake hypervisor's simulated hosts: spreading, the
 * overcommit limits, refusal when nothing fits, room coming back when a compute is destroyed,
 * upsizes checked on their host, draining hosts, hosts kept in line with the configuration, and
 * creates arriving at once (on PostgreSQL too with `npm run test:pg`). Also the public-IPv4 quota
 * of one team under concurrent creates.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Placement, configuredHosts } from '../../src/modules/computes/placement.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';

function harness(env: Record<string, string>) {
  const h = {
    t: undefined as unknown as TestPlatform,
    db: () => h.t.deps.database.db,
    call: (key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
      h.t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload ? { payload } : {}) }),
    create: (key: string, overrides: Record<string, unknown> = {}) =>
      h.call(key, 'POST', '/computes', { hostName: `vm-${crypto.randomBytes(3).toString('hex')}`, image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: [KEY], ...overrides }, { 'idempotency-key': crypto.randomUUID() }),
    drain: () => h.t.platform.worker().drain(),
    /** An Owner key of a new team with a well-funded wallet. */
    async owner() {
      const key = await buildApiKey(h.db(), h.t.deps.apiKeys);
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
    hostOf: async (id: string) => (await h.db().execute(sql`select host from computes where id = ${id}`)).rows[0]?.host as string | null,
    hosts: () => h.t.deps.placement.hosts(h.db()),
  };
  beforeAll(async () => {
    h.t = await startTestPlatform({ RATE_LIMIT_API_KEY: '100000', HYPERVISOR_FAKE_DELAY_MS: '0', ...env });
  });
  afterAll(() => h.t?.close());
  return h;
}

describe(`placement on hosts (${dbKind})`, () => {
  // Two hosts with room for two S-1C-1G each (CPU 1 × 2; memory 2560 MB; disk 50 GB): four in all.
  const h = harness({ FAKE_HOSTS: 'host-a=1/2560/50,host-b=1/2560/50', PLACEMENT_CPU_OVERCOMMIT: '2', PLACEMENT_MEMORY_OVERCOMMIT: '1', PLACEMENT_DISK_OVERCOMMIT: '1' });

  it('spreads computes over the hosts, refuses the fifth with CAPACITY_EXHAUSTED, and takes one again once room is freed', async () => {
    const key = await h.owner();
    const first = await h.create(key.secret);
    const second = await h.create(key.secret);
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    const [a, b] = [first.json().data.id as string, second.json().data.id as string];
    // Spread: the second goes where the first is not.
    expect(new Set([await h.hostOf(a), await h.hostOf(b)])).toEqual(new Set(['host-a', 'host-b']));
    // The host travels to the driver, which made the machine there.
    await h.drain();
    const machines = await h.t.deps.hypervisor.observe();
    expect(machines.find((m) => m.computeId === a)?.ref.host).toBe(await h.hostOf(a));
    // The API does not show customers where their machine runs.
    expect(Object.keys((await h.call(key.secret, 'GET', `/computes/${a}`)).json().data)).not.toContain('host');

    expect((await h.create(key.secret)).statusCode).toBe(202);
    expect((await h.create(key.secret)).statusCode).toBe(202);
    const full = await h.create(key.secret);
    expect(full.statusCode).toBe(503);
    expect(full.json()).toMatchObject({ success: false, code: 'CAPACITY_EXHAUSTED' });
    expect(full.json().message).not.toMatch(/host-[ab]/);
    // A smaller specification does not fit either: the vCPUs are what ran out.
    expect((await h.create(key.secret, { specification: 'S-1C' })).json().code).toBe('CAPACITY_EXHAUSTED');
    expect((await h.hosts()).filter((x) => x.driver === 'fake').map((x) => [x.name, x.committed.computes, x.free.vcpus])).toEqual([
      ['host-a', 2, 0],
      ['host-b', 2, 0],
    ]);

    // A compute being destroyed still holds its room; a destroyed one does not.
    expect((await h.call(key.secret, 'DELETE', `/computes/${a}`)).statusCode).toBe(202);
    expect((await h.create(key.secret)).json().code).toBe('CAPACITY_EXHAUSTED');
    await h.drain();
    const again = await h.create(key.secret);
    expect(again.statusCode, again.body).toBe(202);
    expect(await h.hostOf(again.json().data.id)).toBe(await h.hostOf(a));
    await h.drain();
    for (const c of (await h.call(key.secret, 'GET', '/computes?limit=100')).json().data as Array<{ id: string }>) await h.call(key.secret, 'DELETE', `/computes/${c.id}`);
    await h.drain();
  });

  it('checks an upsize against the room left on the compute\'s own host', async () => {
    const key = await h.owner();
    const small = (await h.create(key.secret, { specification: 'S-1C' })).json().data.id as string;
    const other = (await h.create(key.secret, { specification: 'S-1C' })).json().data.id as string;
    // One S-1C (512 MB, 10 GB) on each host; an S-1C-2G fills host-a (the first name on a tie) to its 2560 MB.
    const smallHost = await h.hostOf(small);
    expect([smallHost, await h.hostOf(other)]).toEqual(['host-a', 'host-b']);
    const filler = (await h.create(key.secret, { specification: 'S-1C-2G' })).json().data.id as string;
    expect(await h.hostOf(filler)).toBe('host-a');
    await h.drain();
    expect((await h.call(key.secret, 'POST', `/computes/${small}/stop`)).statusCode).toBe(202);
    await h.drain();
    // 512 + 2048 are committed there: S-1C-1G (1024 MB) would take it past 2560 MB.
    const refused = await h.call(key.secret, 'PATCH', `/computes/${small}/upsize`, { newSpecification: 'S-1C-1G' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().code).toBe('CAPACITY_EXHAUSTED');
    expect((await h.call(key.secret, 'GET', `/computes/${small}`)).json().data).toMatchObject({ state: 'STOPPED', specification: 'S-1C' });
    // Room freed on that host: the upsize goes through, and counts its target while it runs.
    await h.call(key.secret, 'DELETE', `/computes/${filler}`);
    await h.drain();
    expect((await h.call(key.secret, 'PATCH', `/computes/${small}/upsize`, { newSpecification: 'S-1C-1G' })).statusCode).toBe(202);
    const during = (await h.hosts()).find((x) => x.name === smallHost)!;
    expect(during.committed.memoryMb).toBe(1024);
    await h.drain();
    for (const id of [small, other]) await h.call(key.secret, 'DELETE', `/computes/${id}`);
    await h.drain();
  });

  it('sends nothing to a draining host, and follows the configuration: a host dropped from it is retired, not deleted', async () => {
    const key = await h.owner();
    await h.t.deps.placement.setStatus(h.db(), 'host-a', 'draining', new Date());
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await h.create(key.secret)).json().data.id);
    expect(await Promise.all(ids.map(h.hostOf))).toEqual(['host-b', 'host-b']);
    expect((await h.create(key.secret)).json().code).toBe('CAPACITY_EXHAUSTED');

    // A restart with another host list: host-a stays draining (a staff decision), host-b is retired, host-c is new.
    const config = loadConfig({ STRETTCH_DATA_DIR: '/nonexistent', HYPERVISOR_DRIVER: 'fake', FAKE_HOSTS: 'host-a=1/2560/50,host-c=2/4096/100' });
    const placement = new Placement({ driver: 'fake', region: 'KGL-1', ratios: h.t.deps.placement.ratios });
    await placement.syncHosts(h.db(), await configuredHosts({ driver: 'fake', fakeHosts: config.FAKE_HOSTS, proxmoxNodes: [], proxmoxCapacity: {}, qemuDataDir: '/nonexistent' }), new Date());
    const after = await placement.hosts(h.db());
    expect(after.filter((x) => x.driver === 'fake').map((x) => [x.name, x.status, x.committed.computes])).toEqual([
      ['host-a', 'draining', 0],
      ['host-b', 'retired', 2],
      ['host-c', 'enabled', 0],
    ]);
    const next = await h.create(key.secret);
    expect(next.statusCode, next.body).toBe(202);
    expect(await h.hostOf(next.json().data.id)).toBe('host-c');
    // Back as configured at the start of this file.
    await placement.syncHosts(h.db(), await configuredHosts({ driver: 'fake', fakeHosts: h.t.deps.config.FAKE_HOSTS, proxmoxNodes: [], proxmoxCapacity: {}, qemuDataDir: '/nonexistent' }), new Date());
    await h.t.deps.placement.setStatus(h.db(), 'host-a', 'enabled', new Date());
    await h.drain();
  });
});

describe(`placement under concurrency (${dbKind})`, () => {
  // Room for exactly five S-1C-1G computes: three on one host, two on the other.
  const h = harness({ FAKE_HOSTS: 'host-x=3/8192/200,host-y=2/8192/200', PLACEMENT_CPU_OVERCOMMIT: '1', PUBLIC_IPV4_PER_TEAM: '2', PUBLIC_IPV4_POOL: '198.51.100.0/26' });

  it('never lets two creates take the last room, whatever arrives at once', async () => {
    const teams = await Promise.all(Array.from({ length: 8 }, () => h.owner()));
    // Widen the window between choosing a host and the commit, so that without the lock creates
    // would overlap there every time rather than by chance.
    const placement = h.t.deps.placement;
    const place = placement.place.bind(placement);
    placement.place = async (...args) => {
      const host = await place(...args);
      await new Promise((r) => setTimeout(r, 40));
      return host;
    };
    const answers = await Promise.all(teams.flatMap((k) => Array.from({ length: 2 }, () => h.create(k.secret)))).finally(() => {
      placement.place = place;
    });
    const accepted = answers.filter((r) => r.statusCode === 202).map((r) => r.json().data.id as string);
    const refused = answers.filter((r) => r.statusCode !== 202).map((r) => `${r.statusCode} ${r.json().code}`);
    expect(accepted).toHaveLength(5);
    expect(refused).toEqual(Array.from({ length: 11 }, () => '503 CAPACITY_EXHAUSTED'));
    const perHost = (await h.db().execute(sql`select host, count(*)::int as n from computes where state <> 'DESTROYED' group by host order by host`)).rows;
    expect(perHost).toEqual([
      { host: 'host-x', n: 3 },
      { host: 'host-y', n: 2 },
    ]);
    for (const x of (await h.hosts()).filter((x) => x.driver === 'fake')) expect(x.free.vcpus).toBe(0);
    await h.drain();
  });

  it('keeps one team within its public IPv4 quota when its creates arrive at once', async () => {
    // The previous test filled the hosts: make room first.
    await h.db().execute(sql`update computes set state = 'DESTROYED'`);
    const key = await h.owner();
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.create(key.secret, { withPublicIp: true, specification: 'S-1C' })));
    const codes = answers.map((r) => (r.statusCode === 202 ? 'accepted' : r.json().code)).sort();
    expect(codes).toEqual(['PUBLIC_IP_LIMIT_REACHED', 'PUBLIC_IP_LIMIT_REACHED', 'PUBLIC_IP_LIMIT_REACHED', 'accepted', 'accepted']);
    const held = (await h.db().execute(sql`select count(*)::int as n from ipv4_allocations where team_id = ${key.teamId} and kind = 'public' and released_at is null`)).rows[0];
    expect(held).toEqual({ n: 2 });
    await h.drain();
  });
});
