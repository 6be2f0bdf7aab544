/** The PowerDNS backend of DNS hosting (DNS_BACKEND=powerdns or both). */
export { PowerDnsBackend, type PowerDnsBackendOptions, type PushResult, type ResyncReport } from './powerdns.backend.ts';
export { PowerDnsClient, PowerDnsError, zoneId, type PowerDnsClientOptions } from './powerdns.client.ts';
export { desiredZone, planChanges } from './powerdns.plan.ts';
export { servedZones } from './served-zones.ts';
