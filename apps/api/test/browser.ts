/**
 * A minimal browser for `inject`-based tests of the sign-in flows: a cookie jar that honours
 * Path and Max-Age, a record of every Set-Cookie it received, and redirects followed by hand
 * (same-origin ones through `inject`, others, such as a mock provider, over real HTTP).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair, ...attrs] = header.split(';');
  const eq = pair!.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    attributes[key] = i < 0 ? true : a.slice(i + 1).trim();
  }
  return { name: pair!.slice(0, eq).trim(), value: decodeURIComponent(pair!.slice(eq + 1).trim()), attributes };
}

export function setCookiesOf(res: { headers: Record<string, unknown> }): SetCookie[] {
  const h = res.headers['set-cookie'];
  return (Array.isArray(h) ? h : h ? [h] : []).map((v) => parseSetCookie(String(v)));
}

export class TestBrowser {
  /** name → { value, path } */
  readonly jar = new Map<string, { value: string; path: string }>();
  /** Every cookie the server set, in order. */
  readonly received: SetCookie[] = [];

  constructor(
    private readonly app: FastifyInstance,
    readonly publicUrl: string,
    private readonly headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' },
  ) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }

  cookieHeader(path: string): string | undefined {
    // RFC 6265 §5.1.4 path match, for the paths we use ("/" and "/auth").
    const pairs = [...this.jar].filter(([, c]) => c.path === '/' || path === c.path || path.startsWith(`${c.path}/`)).map(([n, c]) => `${n}=${c.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  async request(opts: { method?: string; url: string; headers?: Record<string, string>; payload?: unknown }): Promise<LightMyRequestResponse> {
    const path = opts.url.startsWith('http') ? new URL(opts.url).pathname + new URL(opts.url).search : opts.url;
    const cookie = this.cookieHeader(path.split('?')[0]!);
    const res = await this.app.inject({
      method: (opts.method ?? 'GET') as 'GET',
      url: path,
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...opts.headers },
      ...(opts.payload === undefined ? {} : { payload: opts.payload as string }),
    });
    for (const c of setCookiesOf(res)) {
      this.received.push(c);
      const expired = c.attributes['max-age'] === '0' || (typeof c.attributes.expires === 'string' && new Date(c.attributes.expires).getTime() <= Date.now());
      if (expired || c.value === '') this.jar.delete(c.name);
      else this.jar.set(c.name, { value: c.value, path: typeof c.attributes.path === 'string' ? c.attributes.path : '/' });
    }
    return res;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request({ url, headers });
  }

  /** A state-changing request as the console makes it: same Origin and the session's CSRF token. */
  async change(method: string, url: string, payload?: unknown, extra: Record<string, string> = {}) {
    const me = await this.get('/api/v1/me');
    const csrf = me.statusCode === 200 ? (me.json().data.csrfToken as string) : '';
    return this.request({
      method,
      url,
      payload: payload === undefined ? undefined : JSON.stringify(payload),
      headers: { origin: new URL(this.publicUrl).origin, 'x-csrf-token': csrf, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    });
  }
}

/** The hidden fields and action of the development provider's "Sign in as…" form. */
export function formFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]!] = unescape(m[2]!);
  return out;
}

/**
 * Signs in through the development provider as a person would: start, the "Sign in as…" page,
 * its form, the callback. Returns the responses of each step.
 */
export async function devSignIn(b: TestBrowser, person: { name: string; email: string }, returnTo?: string) {
  const start = await b.get(`/auth/dev/start${returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`);
  if (start.statusCode !== 302) throw new Error(`start answered ${start.statusCode}: ${start.body}`);
  const page = await b.get(String(start.headers.location));
  if (page.statusCode !== 200) throw new Error(`authorize answered ${page.statusCode}: ${page.body}`);
  const form = new URLSearchParams({ ...formFields(page.body), ...person, action: 'approve' }).toString();
  const approved = await b.request({ method: 'POST', url: '/dev/oidc/authorize', payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (approved.statusCode !== 303) throw new Error(`approve answered ${approved.statusCode}: ${approved.body}`);
  const callbackUrl = String(approved.headers.location);
  const callback = await b.get(callbackUrl);
  return { start, page, approved, callbackUrl, callback };
}
