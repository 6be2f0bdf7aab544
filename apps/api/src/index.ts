export { loadConfig, ConfigError, renderConfigDocs, type Config } from './config.ts';
export { createPlatform, openDatabase, type Platform } from './platform.ts';
export { VERSION } from './modules/system/system.routes.ts';
