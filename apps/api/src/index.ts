export { loadConfig, ConfigError, renderConfigDocs, type Config } from './config.ts';
export { createPlatform, openDatabase, type Platform } from './platform.ts';
export { VERSION } from './modules/system/system.routes.ts';
export { JobQueue } from './jobs/index.ts';
export { presentJob } from './modules/dev/jobs.routes.ts';
export { systemClock } from './shared/clock.ts';
export { DatabaseInUseError } from './db/database.ts';
export { grantCredit } from './modules/billing/referrals.ts';
