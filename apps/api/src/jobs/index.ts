export { JobQueue, type EnqueueOptions, type JobListFilter } from './job-queue.ts';
export { Worker, nextTick, type JobHandler, type JobHandlers, type JobSchedule, type WorkerLogger, type WorkerOptions } from './worker.ts';
export type { JobRow, JobStatus } from './jobs.repository.ts';
