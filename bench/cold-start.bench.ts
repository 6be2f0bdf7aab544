/**
 * bench:cold-start — time from spawning `strettch serve` on an existing data folder to the first
 * healthy answer (target < 3 s). The first start (which creates the database) is shown apart.
 */
import fs from 'node:fs';
import { startPlatform } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const t0 = performance.now();
const first = await startPlatform();
const firstMs = performance.now() - t0;
await first.stop();

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const p = await startPlatform({}, first.dataDir);
  times.push(performance.now() - t);
  await p.stop();
}
fs.rmSync(first.dataDir, { recursive: true, force: true });

times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(`first start (new data folder, creates the database): ${Math.round(firstMs)} ms`);
console.log(`restart on the existing data folder, ${RUNS} runs: ${times.map((t) => Math.round(t)).join(', ')} ms`);
console.log(`median ${Math.round(median)} ms, worst ${Math.round(times[times.length - 1]!)} ms → target < 3000 ms ${median < 3000 ? 'MET' : 'NOT MET'}`);
