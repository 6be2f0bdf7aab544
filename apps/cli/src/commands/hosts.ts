import { createPlatform, type Config } from '@strettch/api';

/**
 * Staff commands of placement (runs against the platform's database; with the embedded database,
 * stop the server first). Hosts come from the configuration of the serving processes; these
 * commands read them and drain or re-enable one, never change their capacity.
 */
async function withPlatform<T>(config: Config, fn: (platform: Awaited<ReturnType<typeof createPlatform>>) => Promise<T>): Promise<T> {
  const platform = await createPlatform({ ...config, LOG_LEVEL: 'error' }, { migrate: false });
  try {
    return await fn(platform);
  } finally {
    await platform.stop();
  }
}

const gib = (mb: number) => (mb / 1024).toFixed(1);

/** `strettch hosts`: every host with its capacity, the limit the overcommit ratios give, what is committed and what is free. */
export async function listHosts(config: Config) {
  await withPlatform(config, async ({ deps }) => {
    const hosts = await deps.placement.hosts(deps.database.db);
    if (hosts.length === 0) return console.log('no hosts: start the server once so it records the configured ones');
    const r = deps.placement.ratios;
    console.log(`overcommit: CPU ${r.cpu}, memory ${r.memory}, disk ${r.disk}; "used/limit (capacity)"`);
    console.table(
      hosts.map((h) => ({
        host: h.name,
        driver: h.driver,
        region: h.region,
        status: h.status,
        computes: h.committed.computes,
        vcpus: `${h.committed.vcpus}/${h.limit.vcpus} (${h.capacity.vcpus})`,
        'memory GiB': `${gib(h.committed.memoryMb)}/${gib(h.limit.memoryMb)} (${gib(h.capacity.memoryMb)})`,
        'disk GB': `${h.committed.diskGb}/${h.limit.diskGb} (${h.capacity.diskGb})`,
        'free vcpus/GiB/GB': `${h.free.vcpus}/${gib(h.free.memoryMb)}/${h.free.diskGb}`,
      })),
    );
  });
}

/** `strettch hosts drain <name>` / `strettch hosts enable <name>`: stop or resume placing new machines on a host of the configured driver. */
export async function setHostStatus(config: Config, name: string, status: 'draining' | 'enabled') {
  await withPlatform(config, async ({ deps }) => {
    const h = await deps.placement.setStatus(deps.database.db, name, status, deps.clock.now());
    console.log(`${h.name}: ${h.status}${status === 'draining' ? ` (its ${h.committed.computes} compute(s) stay; no new ones)` : ''}`);
  });
}
