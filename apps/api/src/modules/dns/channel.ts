/**
 * How committed zone changes are announced to the DNS servers: `pg_notify(ZONE_CHANNEL, payload)`
 * with a forward zone's id, or `REVERSE_PREFIX` + the name of one of the platform's reverse zones.
 * A leaf module, so that modules the DNS module reads from (addresses) can announce without a cycle.
 */
export const ZONE_CHANNEL = 'dns_zones';
export const REVERSE_PREFIX = 'reverse:';

/** `192.0.2.10` → `10.2.0.192.in-addr.arpa` (RFC 1035 §3.5). */
export const reverseNameOf = (ipv4: string) => `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;

/** The notification payload for the reverse zone (the /24) holding `ipv4`. */
export const reverseZonePayload = (ipv4: string) => REVERSE_PREFIX + reverseNameOf(ipv4).split('.').slice(1).join('.');
