import { UAParser } from 'ua-parser-js';

export interface AgentSummary {
  browser: string | null;
  os: string | null;
}

const cache = new Map<string, AgentSummary>();
const CACHE_MAX = 1000;

/**
 * Browser and operating system names with their major version ("Chrome 131", "Windows 10"),
 * the only parts of a user agent the usage and audit logs keep (privacy notice 1B names
 * "browser type, operating system"; the raw string is more than that and is never stored).
 * Results are cached: a process sees few distinct agents.
 */
export function summariseUserAgent(ua: string | null): AgentSummary {
  if (!ua) return { browser: null, os: null };
  let parsed = cache.get(ua);
  if (!parsed) {
    const r = UAParser(ua);
    const join = (name?: string, version?: string) => (name ? [name, version?.split('.')[0]].filter(Boolean).join(' ').slice(0, 100) : null);
    parsed = { browser: join(r.browser.name, r.browser.version), os: join(r.os.name, r.os.version) };
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(ua, parsed);
  }
  return parsed;
}
