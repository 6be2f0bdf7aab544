import { UAParser } from 'ua-parser-js';

const cache = new Map<string, { browser: string | null; os: string | null }>();

/**
 * Browser and operating system, name and major version, as the session list shows them
 * ("Firefox 133", "Ubuntu 24"). The raw user agent is never stored: it says more than the
 * privacy notice's "browser type, operating system".
 */
export function browserAndOs(userAgent: string | null): { browser: string | null; os: string | null } {
  if (!userAgent) return { browser: null, os: null };
  let parsed = cache.get(userAgent);
  if (!parsed) {
    const r = UAParser(userAgent);
    const join = (name?: string, version?: string) => (name ? [name, version?.split('.')[0]].filter(Boolean).join(' ').slice(0, 100) : null);
    parsed = { browser: join(r.browser.name, r.browser.version), os: join(r.os.name, r.os.version) };
    if (cache.size > 1000) cache.clear();
    cache.set(userAgent, parsed);
  }
  return parsed;
}
