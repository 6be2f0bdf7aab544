/**
 * The cookie inventory: every cookie and browser-storage entry the platform sets, with its purpose,
 * lifetime and attributes (privacy notice 1B, "Cookies and Other Identifiers"). Only strictly
 * necessary ones exist: nothing here tracks, measures or advertises, so none needs consent, and a
 * visitor who has not signed in gets none at all. The code that sets a cookie takes its name and
 * attributes from this register, and a test checks every cookie a sign-in sets against it.
 */

export interface CookieEntry {
  name: string;
  kind: 'cookie' | 'local-storage';
  purpose: string;
  strictlyNecessary: true;
  /** Why it is strictly necessary: the service the person asked for cannot work without it. */
  necessity: string;
  /** Human-readable lifetime. */
  lifetime: string;
  /** What it holds; never personal data in clear. */
  holds: string;
  /** Set by the server or by the console's own script. */
  setBy: 'server' | 'console';
  attributes: {
    httpOnly: boolean;
    /** `Secure` is added whenever PUBLIC_URL is https. */
    secure: 'when PUBLIC_URL is https' | 'not applicable';
    sameSite: 'lax' | 'strict' | 'not applicable';
    path: string;
  };
}

export const cookies = {
  sc_session: {
    name: 'sc_session',
    kind: 'cookie',
    purpose: 'Keeps a person signed in to the console (the session).',
    strictlyNecessary: true,
    necessity: 'Signing in is how a person reaches their account; without it every page would ask again.',
    lifetime: 'Until sign-out, or SESSION_IDLE_MINUTES without use (default 12 hours), at most SESSION_ABSOLUTE_DAYS (default 14 days).',
    holds: 'An opaque random token; the server keeps only its SHA-256.',
    setBy: 'server',
    attributes: { httpOnly: true, secure: 'when PUBLIC_URL is https', sameSite: 'lax', path: '/' },
  },
  sc_signin: {
    name: 'sc_signin',
    kind: 'cookie',
    purpose: 'Ties a sign-in with Google or GitHub to the browser that started it (security: refuses a callback another browser started).',
    strictlyNecessary: true,
    necessity: 'Without it the sign-in could be hijacked (login CSRF); it exists only during a sign-in.',
    lifetime: '10 minutes, deleted when the sign-in completes.',
    holds: 'The random id of the sign-in attempt; state, nonce and PKCE verifier stay on the server.',
    setBy: 'server',
    attributes: { httpOnly: true, secure: 'when PUBLIC_URL is https', sameSite: 'lax', path: '/auth' },
  },
  'strettch.console.theme': {
    name: 'strettch.console.theme',
    kind: 'local-storage',
    purpose: 'Remembers the colour theme the person chose (light, dark or system).',
    strictlyNecessary: true,
    necessity: 'Stores a choice the person made explicitly; never sent to the server.',
    lifetime: 'Until the person changes it or clears the browser storage.',
    holds: '"light", "dark" or "system".',
    setBy: 'console',
    attributes: { httpOnly: false, secure: 'not applicable', sameSite: 'not applicable', path: 'not applicable' },
  },
} as const satisfies Record<string, CookieEntry>;

export type CookieName = {
  [K in keyof typeof cookies]: (typeof cookies)[K]['kind'] extends 'cookie' ? K : never;
}[keyof typeof cookies];

/** The options for setting a server cookie, from the register (`@fastify/cookie` shape). */
export function cookieOptions(name: CookieName, publicUrl: string, maxAgeSeconds: number) {
  const entry = cookies[name];
  return {
    httpOnly: entry.attributes.httpOnly,
    secure: publicUrl.startsWith('https://'),
    sameSite: entry.attributes.sameSite,
    path: entry.attributes.path,
    maxAge: maxAgeSeconds,
  };
}
