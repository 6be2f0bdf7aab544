/** Every table of the platform, for drizzle and the data map. */
export * from '../modules/catalog/catalog.schema.ts';
export * from '../modules/accounts/accounts.schema.ts';
export * from '../modules/teams/teams.schema.ts';
export * from '../modules/privacy/privacy.schema.ts';
export * from '../modules/audit/audit.schema.ts';
export * from '../modules/idempotency/idempotency.schema.ts';
export * from '../jobs/jobs.schema.ts';
export * from '../modules/notifications/notifications.schema.ts';
export * from '../modules/phone/phone.schema.ts';
export * from '../modules/age/age.schema.ts';
export * from '../modules/billing/billing.schema.ts';
export * from '../modules/computes/computes.schema.ts';
export * from '../modules/computes/hosts.schema.ts';
export * from '../modules/computes/console.schema.ts';
export * from '../modules/computes/hypervisor/proxmox.schema.ts';
export * from '../modules/computes/metrics/metrics.schema.ts';
export * from '../modules/dns/dns.schema.ts';
