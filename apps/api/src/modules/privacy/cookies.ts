/**
 * The cookie inventory: every cookie and browser-storage entry the platform sets, with its purpose,
 * lifetime and attributes (privacy notice 1B, "Cookies and Other Identifiers"). Only strictly
 * necessary ones exist: nothing here tracks, measures or advertises, so none needs consent, and a
 * visitor who has not signed in gets none at all. The code that sets a cookie takes its name and
 * attributes from this register, and a test checks every cookie a sign-in sets against it.
 */

export interface CookieEntry {
  name: string;
  kind: 'cookie' | 'local-storage' | 'session-storage';
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
  'strettch.console.invitation': {
    name: 'strettch.console.invitation',
    kind: 'session-storage',
    purpose: 'Holds the token of a team invitation link between opening the link and accepting it (also across signing in).',
    strictlyNecessary: true,
    necessity: 'Accepting the invitation the person opened needs its token; it is taken out of the address bar so it stays out of history and bookmarks.',
    lifetime: 'Until the invitation is accepted or refused, or the tab is closed.',
    holds: 'The invitation token from the e-mailed link.',
    setBy: 'console',
    attributes: { httpOnly: false, secure: 'not applicable', sameSite: 'not applicable', path: 'not applicable' },
  },
  'strettch.console.referral': {
    name: 'strettch.console.referral',
    kind: 'session-storage',
    purpose: 'Holds the referral code of the link a newcomer arrived with, until they have signed up and it is claimed.',
    strictlyNecessary: true,
    necessity: 'Claiming the referral the person followed (a reward they and the referrer asked for) needs the code across signing in.',
    lifetime: 'Until the referral is claimed or refused, or the tab is closed.',
    holds: 'A random referral code (it identifies the referrer to our server only).',
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
