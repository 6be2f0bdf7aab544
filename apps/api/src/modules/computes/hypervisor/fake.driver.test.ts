import { describe, expect, it } from 'vitest';
import { CONTRACT_SSH_KEY, hypervisorDriverContract } from './driver.contract.ts';
import { FakeHypervisorDriver } from './fake.driver.ts';

hypervisorDriverContract('fake', async () => {
  const driver = new FakeHypervisorDriver({ delayMs: 30 });
  return {
    driver,
    ignoreAcpi: async (ref) => driver.ignoreAcpi(ref),
    timeoutMs: 5_000,
    gracefulTimeoutMs: 60,
    cleanup: () => driver.close(),
  };
});

describe('fake hypervisor driver', () => {
  const spec = { computeId: '7d1c7b52-8f0e-4a55-9a51-2f4f1d2a0c11', hostName: 'demo-1', image: 'UBUNTU-24.04', vcpus: 1, memoryMb: 512, diskGb: 10, sshPublicKeys: [CONTRACT_SSH_KEY], userData: null, network: { privateIpv4: '10.0.0.2', publicIpv4: null } };

  it('moves with its own clock: running with progress until the delay has passed, then done', async () => {
    let t = 0;
    const driver = new FakeHypervisorDriver({ delayMs: 100, now: () => t });
    const h = await driver.create(spec, 'k1');
    expect(await driver.poll(h)).toEqual({ state: 'running', progress: 0 });
    t = 150; // a create takes three delays
    expect(await driver.poll(h)).toEqual({ state: 'running', progress: 50 });
    expect((await driver.inspect(h.ref))?.power).toBe('off');
    t = 300;
    expect(await driver.poll(h)).toEqual({ state: 'succeeded', progress: 100 });
    expect((await driver.inspect(h.ref))?.power).toBe('running');
  });

  it('finishes every operation at its first poll with no delay', async () => {
    const driver = new FakeHypervisorDriver({ delayMs: 0 });
    const h = await driver.create(spec, 'k1');
    expect((await driver.poll(h)).state).toBe('succeeded');
  });

  it('fails an operation on request, reporting the error through poll', async () => {
    const driver = new FakeHypervisorDriver({ delayMs: 0 });
    driver.failNext('create', 'no capacity left on any host');
    const h = await driver.create(spec, 'k1');
    expect(await driver.poll(h)).toEqual({ state: 'failed', error: { code: 'injected_failure', message: 'no capacity left on any host' } });
    const next = await driver.create({ ...spec, computeId: 'b3c0d2c4-56a4-4a53-8e50-08c2e1e7e0a2' }, 'k2');
    expect((await driver.poll(next)).state).toBe('succeeded');
  });

  it('says on its console that it is a simulation, with the key fingerprints of the request', async () => {
    const driver = new FakeHypervisorDriver({ delayMs: 0 });
    const h = await driver.create(spec, 'k1');
    await driver.poll(h);
    const stream = await driver.openConsole(h.ref);
    const text = String(stream.read());
    expect(text).toMatch(/fake hypervisor: simulated serial console/);
    expect(text).toContain('demo-1 ready');
    expect(text).toContain('SHA256:');
  });
});
