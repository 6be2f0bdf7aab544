import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTRACT_SSH_KEY, hypervisorDriverContract } from './driver.contract.ts';
import type { MachineSpec, OpHandle, OpStatus } from './port.ts';
import { ProxmoxHypervisorDriver, encodeSshKeys, type ProxmoxDriverOptions } from './proxmox.driver.ts';
import { ProxmoxModel } from './proxmox.model.ts';
import { MemoryVmidAllocator } from './proxmox.vmids.ts';

// These tests run the driver against ProxmoxModel, a local model of the documented API, not a real cluster.
const TOKEN_ID = 'strettch@pve!control-plane';
const TOKEN_SECRET = '5a3f7c1e-9b2d-4e6f-8a1b-2c3d4e5f6a7b';
const RANGE = { first: 100000, last: 199999 };

function driverFor(model: ProxmoxModel, overrides: Partial<ProxmoxDriverOptions> = {}): ProxmoxHypervisorDriver {
  return new ProxmoxHypervisorDriver({
    url: model.url,
    tokenId: TOKEN_ID,
    tokenSecret: TOKEN_SECRET,
    nodes: ['pve1'],
    storage: 'local-lvm',
    templates: { 'UBUNTU-24.04': 9000 },
    vmids: new MemoryVmidAllocator(RANGE),
    vmidRange: RANGE,
    privateNetwork: { prefix: 16, gateway: '10.0.0.1' },
    nameserver: '1.1.1.1',
    pollIntervalMs: 10,
    lockWaitMs: 3_000,
    ...overrides,
  });
}

hypervisorDriverContract('proxmox (against the local API model)', async () => {
  const model = await new ProxmoxModel({ tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, taskMs: 30 }).start();
  const driver = driverFor(model);
  return {
    driver,
    ignoreAcpi: async (ref) => model.ignoreAcpi(Number(ref.id)),
    timeoutMs: 10_000,
    gracefulTimeoutMs: 200,
    cleanup: async () => {
      await driver.close();
      await model.close();
    },
  };
});

describe('proxmox driver against the API model', () => {
  let model: ProxmoxModel;
  let driver: ProxmoxHypervisorDriver;
  beforeEach(async () => {
    model = await new ProxmoxModel({ tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, taskMs: 30 }).start();
    driver = driverFor(model);
  });
  afterEach(async () => {
    await driver.close();
    await model.close();
  });

  const spec = (overrides: Partial<MachineSpec> = {}): MachineSpec => ({
    computeId: crypto.randomUUID(),
    hostName: `pve-${crypto.randomBytes(3).toString('hex')}`,
    image: 'UBUNTU-24.04',
    vcpus: 2,
    memoryMb: 2048,
    diskGb: 20,
    sshPublicKeys: [CONTRACT_SSH_KEY],
    userData: null,
    network: { privateIpv4: '10.0.3.7', publicIpv4: null },
    ...overrides,
  });
  async function settle(d: ProxmoxHypervisorDriver, h: OpHandle): Promise<OpStatus> {
    for (;;) {
      const s = await d.poll(h);
      if (s.state !== 'running') return s;
      await new Promise((r) => setTimeout(r, d.pollIntervalMs));
    }
  }
  const posts = (path: RegExp) => model.requests.filter((r) => r.method !== 'GET' && path.test(r.url));

  it('sends the API token on every call, and a wrong token is refused', async () => {
    const s = spec();
    expect(await settle(driver, await driver.create(s, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
    expect(model.requests.length).toBeGreaterThan(5);
    expect(new Set(model.requests.map((r) => r.authorization))).toEqual(new Set([`PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`]));

    const wrong = driverFor(model, { tokenSecret: 'not-the-secret' });
    const err = await wrong.observe().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unauthorized', transient: false });
    expect(String((err as Error).message)).not.toContain('not-the-secret');
    await wrong.close();
  });

  it('clones the template in full with our label, then sizes, configures cloud-init and starts it', async () => {
    const s = spec();
    const h = await driver.create(s, crypto.randomUUID());
    expect(await settle(driver, h)).toMatchObject({ state: 'succeeded', progress: 100 });
    expect(h.ref).toEqual({ id: String(RANGE.first), host: 'pve1' });
    const clone = posts(/\/qemu\/9000\/clone$/);
    expect(clone).toHaveLength(1);
    const p = new URLSearchParams(clone[0]!.body);
    expect(Object.fromEntries(p)).toMatchObject({ newid: String(RANGE.first), name: s.hostName, full: '1', storage: 'local-lvm' });
    expect(p.get('description')).toContain(`strettch-compute=${s.computeId}`);
    const vm = model.vms.get(RANGE.first)!;
    expect(vm).toMatchObject({ cores: 2, memory: 2048, diskGb: 20, status: 'running', tags: `strettch-${s.computeId}` });
    expect(vm.extra).toMatchObject({ ciuser: 'root', ipconfig0: 'ip=10.0.3.7/16,gw=10.0.0.1', nameserver: '1.1.1.1' });
    expect(vm.lock).toBeUndefined();
  });

  it('URL-encodes the SSH keys as Proxmox requires, so they travel double-encoded in the form body', async () => {
    const keys = [CONTRACT_SSH_KEY, 'ssh-rsa AAAAB3NzaC1yc2E+/= other@host'];
    const s = spec({ sshPublicKeys: keys });
    await settle(driver, await driver.create(s, crypto.randomUUID()));
    const stored = model.vms.get(RANGE.first)!.extra.sshkeys!;
    expect(stored).toMatch(/^[-%a-zA-Z0-9_.!~*'()]*$/);
    expect(stored).not.toContain('+');
    expect(decodeURIComponent(stored)).toBe(keys.join('\n'));
    expect(stored).toBe(encodeSshKeys(keys));
    const body = posts(/\/qemu\/\d+\/config$/)[0]!.body;
    expect(body).toContain('sshkeys=ssh-ed25519%2520AAAA'); // the space: %20, itself form-encoded
    expect(body).toContain('%250A'); // the newline between keys
  });

  it('a create retried with the same key in a new process finds the machine it cloned and clones once', async () => {
    const s = spec();
    const key = crypto.randomUUID();
    const vmids = new MemoryVmidAllocator(RANGE);
    const first = driverFor(model, { vmids });
    const h = await first.create(s, key);
    // The process dies once the clone has landed (the VM exists, locked, not yet configured).
    while (!model.vms.has(Number(h.ref.id))) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    const second = driverFor(model, { vmids });
    const again = await second.create(s, key);
    expect(again.ref.id).toBe(h.ref.id);
    expect(await settle(second, again)).toMatchObject({ state: 'succeeded' });
    expect(posts(/\/clone$/)).toHaveLength(1);
    expect((await second.observe()).filter((m) => m.computeId === s.computeId)).toHaveLength(1);
    await second.close();
  });

  it('a retried create adopts its machine by label even when asked through a fresh VMID allocator', async () => {
    const s = spec();
    await settle(driver, await driver.create(s, crypto.randomUUID()));
    const other = driverFor(model, { vmids: new MemoryVmidAllocator({ first: 150000, last: 150010 }) });
    const h = await other.create(s, crypto.randomUUID());
    expect(h.ref.id).toBe(String(RANGE.first));
    expect(await settle(other, h)).toMatchObject({ state: 'succeeded' });
    expect(posts(/\/clone$/)).toHaveLength(1);
    await other.close();
  });

  it('clones one after the other on one storage (the model fails overlapping clones on its storage lock)', async () => {
    const [a, b] = [spec(), spec()];
    const [ha, hb] = await Promise.all([driver.create(a, crypto.randomUUID()), driver.create(b, crypto.randomUUID())]);
    expect(ha.ref.id).not.toBe(hb.ref.id);
    expect(await settle(driver, ha)).toMatchObject({ state: 'succeeded' });
    expect(await settle(driver, hb)).toMatchObject({ state: 'succeeded' });
    const [c1, c2] = [...model.clones].sort((x, y) => x.startedAt - y.startedAt);
    expect(c2!.startedAt).toBeGreaterThanOrEqual(c1!.endedAt!);
  });

  it('shows the nextid race it avoids: /cluster/nextid answers concurrent callers alike, our VMIDs differ', async () => {
    const ask = async () => (await fetch(`${model.url}/cluster/nextid`, { headers: { Authorization: `PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}` } }).then((r) => r.json())) as { data: string };
    const [x, y] = await Promise.all([ask(), ask()]);
    expect(x.data).toBe(y.data);
    const hs = await Promise.all([spec(), spec(), spec()].map((s) => driver.create(s, crypto.randomUUID())));
    expect(new Set(hs.map((h) => h.ref.id)).size).toBe(3);
    for (const h of hs) expect(await settle(driver, h)).toMatchObject({ state: 'succeeded' });
  });

  it('treats a locked machine as transient: refuses the change, and retries a step that met the lock', async () => {
    const s = spec();
    const h = await driver.create(s, crypto.randomUUID());
    await settle(driver, h);
    model.setLock(Number(h.ref.id), 'backup');
    const err = await driver.reboot(h.ref, crypto.randomUUID()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'locked', transient: true });
    model.setLock(Number(h.ref.id), undefined);
    expect(await settle(driver, await driver.reboot(h.ref, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });

    model.lockErrorNext('config', 2);
    const t = spec();
    expect(await settle(driver, await driver.create(t, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
    expect(model.vms.get(Number(h.ref.id) + 1)?.tags).toBe(`strettch-${t.computeId}`);
  });

  it('reports a failed Proxmox task with its exit status', async () => {
    model.failNextTask('qmstart', 'start failed: QEMU exited with code 1');
    const s = spec();
    const status = await settle(driver, await driver.create(s, crypto.randomUUID()));
    expect(status).toEqual({ state: 'failed', error: { code: 'task_failed', message: expect.stringContaining('QEMU exited with code 1') } });
  });

  it('stops with a shutdown and a timeout, and destroys with purge after a stop', async () => {
    const s = spec();
    const h = await driver.create(s, crypto.randomUUID());
    await settle(driver, h);
    expect(await settle(driver, await driver.stop(h.ref, crypto.randomUUID(), { gracefulTimeoutMs: 3_000 }))).toMatchObject({ state: 'succeeded', detail: 'graceful shutdown' });
    expect(new URLSearchParams(posts(/\/status\/shutdown$/)[0]!.body).get('timeout')).toBe('3');
    await settle(driver, await driver.start(h.ref, crypto.randomUUID()));
    expect(await settle(driver, await driver.destroy(h.ref, crypto.randomUUID()))).toMatchObject({ state: 'succeeded' });
    const del = model.requests.find((r) => r.method === 'DELETE')!;
    expect(del.url).toMatch(/purge=1/);
    expect(del.url).toMatch(/destroy-unreferenced-disks=1/);
    expect(model.vms.has(Number(h.ref.id))).toBe(false);
  });

  it('creates on the node placement chose, and puts a public address on a second NIC on the public bridge', async () => {
    await driver.close();
    await model.close();
    model = await new ProxmoxModel({ tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET, taskMs: 30, nodes: ['pve1', 'pve2'] }).start();
    driver = driverFor(model, { nodes: ['pve1', 'pve2'], publicBridge: 'vmbr1' });
    // pve1 has the most free memory, which the driver would pick by itself; placement said pve2.
    const network = { privateIpv4: '10.0.3.7', publicIpv4: '203.0.113.9', privateNet: { prefix: 16, gateway: '10.0.0.1' }, publicNet: { prefix: 24, gateway: '203.0.113.1' } };
    const h = await driver.create(spec({ host: 'pve2', network }), crypto.randomUUID());
    expect(await settle(driver, h)).toMatchObject({ state: 'succeeded' });
    expect(h.ref.host).toBe('pve2');
    expect(model.vms.get(Number(h.ref.id))).toMatchObject({ node: 'pve2' });
    expect(model.vms.get(Number(h.ref.id))!.extra).toMatchObject({ ipconfig0: 'ip=10.0.3.7/16', net1: 'virtio,bridge=vmbr1', ipconfig1: 'ip=203.0.113.9/24,gw=203.0.113.1' });
    // Without a public address the private gateway carries the default route, and no second NIC is added.
    const p = await driver.create(spec({ host: 'pve1' }), crypto.randomUUID());
    await settle(driver, p);
    expect(model.vms.get(Number(p.ref.id))!.extra).toMatchObject({ ipconfig0: 'ip=10.0.3.7/16,gw=10.0.0.1' });
    expect(model.vms.get(Number(p.ref.id))!.extra.net1).toBeUndefined();
  });

  it('refuses to destroy a machine it did not make, and refuses user data and the console clearly', async () => {
    const stranger = await driver.destroy({ id: '9000' }, crypto.randomUUID()).catch((e: unknown) => e);
    expect(stranger).toMatchObject({ code: 'not_ours' });
    expect(model.vms.has(9000)).toBe(true);
    expect(await driver.create(spec({ userData: '#cloud-config\n' }), crypto.randomUUID()).catch((e: unknown) => e)).toMatchObject({ code: 'user_data_unsupported' });
    expect(await driver.openConsole().catch((e: unknown) => e)).toMatchObject({ code: 'not_supported', message: expect.stringMatching(/not supported by the proxmox driver/) });
  });
});
