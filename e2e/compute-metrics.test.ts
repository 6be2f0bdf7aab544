/**
 * Compute metrics end to end against a real `strettch serve` (fake hypervisor sampled every 5 s,
 * this test's address trusted as the metadata relay): an agent fetches its token from the metadata
 * route and pushes snappy-compressed node_exporter metrics the way sc-metrics-agent does, the API
 * answers the series, and the console's Metrics tab draws the graphs, shows exact values on hover
 * and switches range. Screenshot: test-results/compute-metrics-desktop-light.png.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, shouldRunBrowserTests, signInWithDevProvider, startConsoleSession, type ConsoleSession } from './harness.ts';

const person = { name: 'Eric Habimana', email: 'eric.metrics@example.rw' };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl eric@e2e';
const GiB = 1024 ** 3;

interface Series {
  source: string;
  timestamps: string[];
  avg: Record<string, (number | null)[]>;
}

/** The n-th push of a lightly busy machine: counters as totals, 30 s of agent time apart. */
function push(vmId: string, n: number, ts: number) {
  const s = 30 * n;
  const wave = (base: number, swing: number, period: number) => base * s - ((swing * period) / (2 * Math.PI)) * (Math.cos((2 * Math.PI * s) / period) - 1);
  const m = (name: string, value: number, labels: Record<string, string> = {}) => ({ name, labels: { vm_id: vmId, ...labels }, value, timestamp: ts, type: 'gauge' });
  const user = wave(0.22, 0.15, 600);
  const system = wave(0.08, 0.05, 420);
  return [
    m('node_cpu_seconds_total', user, { mode: 'user' }),
    m('node_cpu_seconds_total', system, { mode: 'system' }),
    m('node_cpu_seconds_total', s - user - system, { mode: 'idle' }),
    m('node_memory_MemTotal_bytes', 2 * GiB),
    m('node_memory_MemAvailable_bytes', (1.2 - 0.2 * Math.sin(n / 5)) * GiB),
    m('node_load1', 0.4 + 0.3 * Math.sin(n / 4)),
    m('node_load5', 0.45 + 0.1 * Math.sin(n / 8)),
    m('node_load15', 0.5),
    m('node_disk_read_bytes_total', wave(120_000, 90_000, 300), { device: 'vda' }),
    m('node_disk_written_bytes_total', wave(450_000, 300_000, 540), { device: 'vda' }),
    m('node_disk_reads_completed_total', wave(12, 8, 300), { device: 'vda' }),
    m('node_disk_writes_completed_total', wave(40, 25, 540), { device: 'vda' }),
    m('node_network_receive_bytes_total', wave(80_000, 60_000, 360), { device: 'eth0' }),
    m('node_network_transmit_bytes_total', wave(30_000, 20_000, 480), { device: 'eth0' }),
    m('node_network_receive_packets_total', wave(90, 60, 360), { device: 'eth0' }),
    m('node_network_transmit_packets_total', wave(50, 30, 480), { device: 'eth0' }),
    m('node_filesystem_size_bytes', 25e9, { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }),
    m('node_filesystem_free_bytes', 17.5e9, { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }),
  ];
}

describe.skipIf(!shouldRunBrowserTests())('compute metrics: agent pushes, hypervisor readings, graphs', () => {
  let session: ConsoleSession;
  let baseUrl: string;

  beforeAll(async () => {
    session = await startConsoleSession({
      HYPERVISOR_DRIVER: 'fake',
      HYPERVISOR_FAKE_DELAY_MS: '200',
      METRICS_HOST_SAMPLE_SECONDS: '5',
      METRICS_METADATA_RELAYS: '127.0.0.1/32',
      METRICS_INGEST_PER_MINUTE: '120',
    });
    baseUrl = session.platform.baseUrl;
  });
  afterAll(() => session?.close());

  it('draws CPU, memory, load, disk and network from the agent and the hypervisor, with exact values on hover', { timeout: 240_000 }, async () => {
    const seed = await seedAccount(baseUrl, person);
    const auth = { authorization: `Bearer ${seed.apiKey}` };
    const call = async <T>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
      const res = await fetch(`${baseUrl}${pathname}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      expect(res.status, `${method} ${pathname}: ${text}`).toBeLessThan(300);
      return (JSON.parse(text) as { data: T }).data;
    };

    // A funded wallet and a running compute.
    const topUp = await call<{ invoiceNumber: string }>('POST', '/api/v1/billing/top-ups', { amount: 50_000 }, { 'idempotency-key': randomUUID() });
    const paid = await fetch(`${baseUrl}/sandbox/irembopay/invoices/${topUp.invoiceNumber}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paymentMethod: 'MTN_MOMO' }) });
    expect(paid.status, await paid.text()).toBe(200);
    await expect.poll(async () => (await call<{ balance: number }>('GET', '/api/v1/billing/balance')).balance, { timeout: 20_000 }).toBe(50_000);
    const compute = await call<{ id: string }>('POST', '/api/v1/computes', { hostName: 'metrics-e2e', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: [KEY] }, { 'idempotency-key': randomUUID() });
    await expect.poll(async () => (await call<{ state: string }>('GET', `/api/v1/computes/${compute.id}`)).state, { timeout: 30_000 }).toBe('RUNNING');

    // The agent: a token from the metadata service (through the relay), then a push every 1.5 s.
    const meta = await fetch(`${baseUrl}/metadata/v1/auth-token`, { headers: { 'x-resource-id': compute.id, accept: 'application/json' } });
    expect(meta.status).toBe(200);
    const { token, cloudAPIUrl } = (await meta.json()) as { token: string; cloudAPIUrl: string };
    expect(cloudAPIUrl).toBe(baseUrl);
    const agentHeaders = { authorization: `Bearer ${token}`, 'content-type': 'application/timeseries-binary-0', 'content-encoding': 'snappy', 'user-agent': 'sc-metrics-agent/1.0' };
    const beat = await fetch(`${cloudAPIUrl}/resource-manager/api/v1/compute/agent/heartbeat`, { method: 'POST', headers: { ...agentHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ agentType: 'SC-METRICS-AGENT', eventTime: new Date().toISOString(), version: '3.17.1' }) });
    expect(beat.status).toBe(200);
    const t0 = Date.now();
    for (let n = 0; n < 40; n++) {
      const res = await fetch(`${cloudAPIUrl}/resource-manager/api/v1/metrics/ingest`, { method: 'POST', headers: agentHeaders, body: Buffer.from(snappy.compress(Buffer.from(JSON.stringify(push(compute.id, n, t0 + n * 30_000))))) });
      expect(res.status, await res.text()).toBe(202);
      await new Promise((r) => setTimeout(r, 1_500));
    }

    const metrics = await call<{ series: Series[]; agent: { version: string } }>('GET', `/api/v1/computes/${compute.id}/metrics?range=1h`);
    expect(metrics.agent.version).toBe('3.17.1');
    const agent = metrics.series.find((s) => s.source === 'agent')!;
    const host = metrics.series.find((s) => s.source === 'host')!;
    expect(agent.avg.cpuPercent!.some((v) => v !== null && v > 5 && v < 60)).toBe(true);
    expect(agent.avg.memoryUsedBytes!.every((v) => v !== null && v > 0.5 * GiB && v < 1.2 * GiB)).toBe(true);
    expect(host.avg.cpuPercent!.some((v) => v !== null && v > 0)).toBe(true);
    expect(host.avg.memoryUsedBytes!.every((v) => v === null)).toBe(true);

    // The console: the Metrics tab of the compute.
    const { page, problems } = await session.openPage({ viewport: { width: 1280, height: 900 } });
    await signInWithDevProvider(page, baseUrl, person, `/computes/${compute.id}`);
    await page.waitForURL(`${baseUrl}/computes/${compute.id}`);
    await page.getByRole('tab', { name: 'Metrics' }).click();
    const cpu = page.locator('.metrics-card[data-chart="cpu"]');
    await cpu.locator('path.metrics-line').first().waitFor();
    expect(await cpu.getAttribute('data-source')).toBe('agent');
    expect(await page.locator('.metrics-card[data-chart="memory"]').getAttribute('data-source')).toBe('agent');
    expect(await page.locator('.metrics-card[data-chart="load"] path.metrics-line').count()).toBe(3);
    expect(await page.getByText('Metrics agent 3.17.1, last report').isVisible()).toBe(true);
    expect(await page.getByText(/GB of 25\.0 GB used \(30 %\)/).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: '1h' }).getAttribute('aria-pressed')).toBe('true');

    // Hover near the newest point: the tooltip gives that point's exact values.
    const svg = cpu.locator('svg');
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + box.width - 16, box.y + box.height / 2);
    const tooltip = cpu.locator('.metrics-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toMatch(/User\d+\.\d+ %System\d+\.\d+ %Total\d+\.\d+ %/);
    await page.screenshot({ path: path.join(session.screenshotDir, 'compute-metrics-desktop-light.png'), fullPage: true });

    // Another range reads the roll-ups (none yet, minutes after the start): the page says so.
    await page.getByRole('button', { name: '7d' }).click();
    await expect.poll(() => page.getByRole('button', { name: '7d' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByText(/No metrics in this range|Hypervisor readings only|Metrics agent/).first().waitFor();
    expect(problems).toEqual([]);
  });
});
