import { createStrettchClient } from '@strettch/sdk';

/**
 * The one API client of the console: the generated SDK (openapi-fetch, typed by the OpenAPI
 * paths, which are relative to `/api/v1`) pointed at the origin that served the page. In development Vite proxies `/api` to
 * `strettch serve`. Sign-in arrives later as a session cookie, which same-origin requests send
 * by default, so no API key is configured here.
 */
export const api = createStrettchClient({ baseUrl: window.location.origin });

export type Api = typeof api;
