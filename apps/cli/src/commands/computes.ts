import { createPlatform, type Config } from '@strettch/api';

/** `strettch computes drift [--run]`: what the reconciler found for staff to settle (optionally after a run now). */
export async function listDrift(config: Config, opts: { run: boolean }) {
  const platform = await createPlatform({ ...config, LOG_LEVEL: 'error' }, { migrate: false });
  try {
    if (opts.run) console.log(JSON.stringify(await platform.deps.reconciler.run()));
    const items = await platform.deps.reconciler.openItems();
    if (items.length === 0) return console.log('no drift');
    console.table(items.map((i) => ({ kind: i.kind, compute: i.computeId ?? '', machine: i.driverRef, since: i.firstSeenAt.toISOString(), detail: i.detail })));
  } finally {
    await platform.stop();
  }
}
