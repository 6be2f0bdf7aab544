import { JobQueue, openDatabase, presentJob, systemClock, type Config } from '@strettch/api';

/** `strettch jobs list [--status dead]`: the job queue of the configured database, newest first. */
export async function listJobs(config: Config, opts: { status?: 'queued' | 'running' | 'succeeded' | 'dead'; name?: string; limit: number }) {
  const database = await openDatabase(config);
  try {
    const rows = await new JobQueue(systemClock).listJobs(database.db, opts);
    if (rows.length === 0) return console.log('no jobs');
    console.table(rows.map(presentJob).map((j) => ({ ...j, lastError: j.lastError?.slice(0, 80) ?? '' })));
  } finally {
    await database.close();
  }
}

/** `strettch jobs retry <id>`: puts a dead job back in the queue. */
export async function retryJob(config: Config, id: number) {
  const database = await openDatabase(config);
  try {
    const job = await new JobQueue(systemClock).retryDeadJob(database.db, id);
    console.log(`job ${job.id} (${job.name}) queued again`);
  } finally {
    await database.close();
  }
}
