/**
 * Typed client for the Strettch Cloud API, generated from the OpenAPI document that the server
 * builds from its own route schemas (`npm run gen`). Paths are relative to `/api/v1`, as in the
 * public contract: `client.GET('/computes/specifications')`.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

export type { components, paths };
export type StrettchClient = Client<paths>;

export interface StrettchClientOptions {
  /** Origin of the installation, e.g. `https://cloud.example.rw`; defaults to the page's origin in a browser. */
  baseUrl?: string;
  /** A team API key (`sc_…`); the console authenticates with its session cookie instead. */
  apiKey?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export function createStrettchClient(opts: StrettchClientOptions = {}): StrettchClient {
  const origin = (opts.baseUrl ?? '').replace(/\/$/, '');
  return createClient<paths>({
    baseUrl: `${origin}/api/v1`,
    fetch: opts.fetch,
    headers: { ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}), ...opts.headers },
  });
}
