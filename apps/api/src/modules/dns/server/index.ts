/** The authoritative DNS server engine (role `dns`): fed zone snapshots, answers on UDP and TCP. */
export { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
export { DnsEngine, type DnsEngineOptions, type UpsertResult, type Transport } from './engine.ts';
export type { DnsLogger } from './listeners.ts';
export type { NotifyTarget } from './notify.ts';
export { zoneFile } from './zone-file.ts';
