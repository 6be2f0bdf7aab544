import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { z } from 'zod';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, ok } from '../../src/http/envelope.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

type TestPlatform = Awaited<ReturnType<typeof startTestPlatform>>;

describe(`HTTP conventions (${dbKind})`, () => {
  let t: TestPlatform;
  let key: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '1000', BODY_LIMIT_BYTES: '2048' });
    // A create endpoint used only here, to exercise the idempotency mechanism end to end;
    // routes can still be added before the first request is served.
    const app = t.app as FastifyInstance;
    let counter = 0;
    app.withTypeProvider<ZodTypeProvider>().post('/api/v1/test-widgets', {
      config: { idempotency: true },
      schema: { body: z.object({ name: z.string().min(1) }), response: { 202: envelope(z.object({ n: z.number(), name: z.string() })) } },
    }, async (req, reply) => reply.code(202).send(ok(req.id, new Date(), { n: ++counter, name: req.body.name })));
    key = (await buildApiKey(t.deps.database.db, t.deps.apiKeys)).secret;
    auth = { authorization: `Bearer ${key}` };
  });
  afterAll(() => t?.close());

  it('answers health without credentials, in the envelope, with a request id header', async () => {
    const res = await t.app.inject({ url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, data: { service: 'public-api', status: 'ok' } });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(new Date(body.timestamp).toString()).not.toBe('Invalid Date');
  });

  it('refuses missing and unknown API keys with UNAUTHORIZED', async () => {
    for (const headers of [{}, { authorization: 'Bearer sc_bogus_0000' }, { authorization: 'Basic abc' }]) {
      const res = await t.app.inject({ url: '/api/v1/regions', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    }
  });

  it('serves the reference data to a valid key', async () => {
    const res = await t.app.inject({ url: '/api/v1/computes/specifications', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual({ total: 7, page: 1, limit: 20 });
    const paged = await t.app.inject({ url: '/api/v1/computes/specifications?page=2&limit=5', headers: auth });
    expect(paged.json().data.map((s: { specification: string }) => s.specification)).toEqual(['S-8C-16G', 'S-16C-32G']);
  });

  it('reports bad query parameters as VALIDATION_ERROR with the field', async () => {
    const res = await t.app.inject({ url: '/api/v1/computes/specifications?limit=500', headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'querystring.limit' }] });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/api/v1/test-widgets', payload: '{"name": "x",',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, code: 'MALFORMED_JSON' });
  });

  it('answers an oversize body with 413 in the envelope', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/api/v1/test-widgets', payload: JSON.stringify({ name: 'x'.repeat(5000) }),
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await t.app.inject({ url: '/api/v1/no-such-thing', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('sends security headers', async () => {
    const res = await t.app.inject({ url: '/api/v1/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  describe('idempotency keys', () => {
    const post = (k: string | undefined, body: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/v1/test-widgets', payload: body as object, headers: { ...auth, ...(k ? { 'idempotency-key': k } : {}) } });

    it('requires a UUID v4 key', async () => {
      for (const k of [undefined, 'abc', '6ba7b810-9dad-11d1-80b4-00c04fd430c8' /* v1 */]) {
        const res = await post(k, { name: 'a' });
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('INVALID_IDEMPOTENCY_KEY');
      }
    });

    it('replays the stored response for the same key and body, without running the handler again', async () => {
      const k = crypto.randomUUID();
      const first = await post(k, { name: 'same' });
      const again = await post(k, { name: 'same' });
      expect(first.statusCode).toBe(202);
      expect(again.statusCode).toBe(202);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      const other = await post(crypto.randomUUID(), { name: 'same' });
      expect(other.json().data.n).toBe(first.json().data.n + 1);
    });

    it('refuses the same key with a different body', async () => {
      const k = crypto.randomUUID();
      await post(k, { name: 'one' });
      const res = await post(k, { name: 'two' });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('keeps a key for 24 hours only', async () => {
      const k = crypto.randomUUID();
      const first = await post(k, { name: 'ttl' });
      (t.clock as ManualClock).advance(24 * 3600_000 + 1000);
      const later = await post(k, { name: 'ttl' });
      expect(later.headers['idempotent-replayed']).toBeUndefined();
      expect(later.json().data.n).toBeGreaterThan(first.json().data.n);
    });

    it('does not keep rejected requests, so a corrected retry can use the same key', async () => {
      const k = crypto.randomUUID();
      const bad = await post(k, { name: '' });
      expect(bad.statusCode).toBe(400);
      const good = await post(k, { name: 'fixed' });
      expect(good.statusCode).toBe(202);
      expect(good.headers['idempotent-replayed']).toBeUndefined();
    });
  });
});

describe(`rate limits (${dbKind})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '3', RATE_LIMIT_IP: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => t?.close());

  it('counts per API key, sends the headers on every response, and answers 429 with Retry-After', async () => {
    const a = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    const b = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    const get = (k: string) => t.app.inject({ url: '/api/v1/regions', headers: { authorization: `Bearer ${k}` } });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await get(a.secret));
    expect(seen.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(seen.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(seen[0]!.headers['x-ratelimit-limit']).toBe('3');
    const reset = Number(seen[0]!.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(t.clock.now().getTime() / 1000);
    const limited = seen[3]!;
    expect(limited.json()).toMatchObject({ success: false, code: 'TOO_MANY_REQUESTS' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another key has its own budget.
    expect((await get(b.secret)).statusCode).toBe(200);
    // The window passes with the clock.
    (t.clock as ManualClock).advance(61_000);
    expect((await get(a.secret)).statusCode).toBe(200);
  });

  it('limits anonymous callers per IP', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await t.app.inject({ url: '/api/v1/nothing-here', remoteAddress: '10.9.9.9' })).statusCode);
    expect(codes).toEqual([404, 404, 429]);
  });
});

describe(`usage log (${dbKind})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t?.close());

  it('records every API call with actor, team, route template, status, duration, IP, browser and OS', async () => {
    const k = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    await t.app.inject({ url: '/api/v1/computes/specifications?page=1', headers: { authorization: `Bearer ${k.secret}`, 'user-agent': ua }, remoteAddress: '198.51.100.7' });
    await t.app.inject({ url: '/api/v1/regions', remoteAddress: '198.51.100.8' });
    await t.deps.usage.flush();
    const { rows } = await t.deps.database.db.execute(sql`select * from api_usage order by id`);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      actor_type: 'api_key', actor_id: k.id, team_id: k.teamId, method: 'GET', route: '/api/v1/computes/specifications',
      status: 200, ip: '198.51.100.7', browser: 'Chrome 131', os: 'Windows 10',
    });
    expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(rows[1]).toMatchObject({ actor_type: 'anonymous', actor_id: null, team_id: null, route: '/api/v1/regions', status: 401, ip: '198.51.100.8' });
  });
});
