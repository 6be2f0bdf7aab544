import { useSyncExternalStore } from 'react';
import { createStrettchClient } from '@strettch/sdk';

/**
 * The one API client of the console: the generated SDK (openapi-fetch, typed by the OpenAPI
 * paths, which are relative to `/api/v1`) pointed at the origin that served the page. In
 * development Vite proxies `/api` to `strettch serve`. The console signs in with the HttpOnly
 * `sc_session` cookie, which same-origin requests send; no API key is configured here.
 */
export const api = createStrettchClient({
  baseUrl: window.location.origin,
  fetch: (input, init) => window.fetch(input, { ...init, credentials: 'same-origin' }),
});

export type Api = typeof api;

/* ---- Session state the middleware adds to requests ---- */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** From `GET /me`: every cookie-authenticated change must send it as `X-CSRF-Token`. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Headers for a change made with plain `fetch` (e.g. `POST /auth/logout`). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

/**
 * The team the console acts in, sent as `X-Team-Id`. Kept in memory only (no storage entry to
 * declare in the cookie register): a reload starts again on the first team.
 */
let selectedTeamId: string | null = null;
const teamListeners = new Set<() => void>();

export function getSelectedTeamId(): string | null {
  return selectedTeamId;
}

export function setSelectedTeamId(teamId: string | null): void {
  if (teamId === selectedTeamId) return;
  selectedTeamId = teamId;
  for (const listener of teamListeners) listener();
}

function subscribeTeam(listener: () => void): () => void {
  teamListeners.add(listener);
  return () => teamListeners.delete(listener);
}

/** The selected team's id, re-rendering when the team switcher changes it. */
export function useSelectedTeamId(): string | null {
  return useSyncExternalStore(subscribeTeam, getSelectedTeamId, () => null);
}

api.use({
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase()) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    if (selectedTeamId) request.headers.set('x-team-id', selectedTeamId);
    return request;
  },
});

/** A UUID v4 for `Idempotency-Key`; `crypto.randomUUID` exists only in secure contexts. */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
