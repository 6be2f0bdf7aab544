/**
 * The web console of a compute over a real WebSocket, on the fake hypervisor: a ticket from
 * POST /computes/{id}/console opens /computes/{id}/console/stream, where the guest's ready line
 * arrives and keystrokes echo; tickets are single-use, short-lived and bound to their holder;
 * roles, teams, state, Origin and the one-console-per-compute rule are enforced; opening and
 * closing are audited without what was typed.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const PUBLIC_URL = 'http://console.test';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bar@test';
const IDLE_SECONDS = 10;

interface Client {
  ws: WebSocket;
  /** Resolves when the upgrade succeeded; rejects with `HTTP <status>` when it was refused. */
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** Text (control) messages, parsed. */
  control: Array<Record<string, unknown>>;
  /** Everything the console printed (binary messages), as text. */
  output(): string;
  until(what: string, check: () => boolean, ms?: number): Promise<void>;
}

function connect(base: string, path: string, headers: Record<string, string>): Client {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, { headers });
  let output = '';
  const control: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  const notify = () => [...waiters].forEach((w) => w());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) output += data.toString('utf8');
    else control.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    notify();
  });
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      req.destroy();
    });
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      notify();
    }),
  );
  const until = (what: string, check: () => boolean, ms = 5_000) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const done = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`no ${what} within ${ms} ms; console so far: ${JSON.stringify(output.slice(-300))}, control: ${JSON.stringify(control)}`));
      }, ms);
      waiters.add(done);
    });
  return { ws, opened, closed, control, output: () => output, until };
}

describe(`compute web console (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  const db = () => t.deps.database.db;
  const clock = () => t.clock as ManualClock;

  beforeAll(async () => {
    t = await startTestPlatform({
      PUBLIC_URL, RATE_LIMIT_API_KEY: '100000', RATE_LIMIT_SESSION: '100000', RATE_LIMIT_IP: '100000',
      HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0', CONSOLE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t?.close());

  const call = (key: string, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload ? { payload } : {}) });

  /** An API key of a new team (Owner unless told), with money in the wallet. */
  async function key(opts: Parameters<typeof buildApiKey>[3] = {}, teamId?: string) {
    const k = await buildApiKey(db(), t.deps.apiKeys, teamId, opts);
    if (!teamId) {
      await db().transaction((tx) =>
        t.deps.ledger.post(tx, {
          teamId: k.teamId, kind: 'credit', reference: `test-credit:${k.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' },
          entries: [{ account: 'team_wallet', teamId: k.teamId, amount: 10_000_000 }, { account: 'promotional_credit', amount: -10_000_000 }],
        }),
      );
    }
    return k;
  }

  async function runningCompute(secret: string, hostName = `con-${crypto.randomBytes(3).toString('hex')}`) {
    const res = await call(secret, 'POST', '/computes', { hostName, image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: [KEY] }, { 'idempotency-key': crypto.randomUUID() });
    expect(res.statusCode, res.body).toBe(202);
    await t.platform.worker().drain();
    return { id: res.json().data.id as string, hostName };
  }

  async function ticket(secret: string, computeId: string) {
    const res = await call(secret, 'POST', `/computes/${computeId}/console`);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { ticket: string; expiresAt: string; path: string };
  }

  /** Opens the stream with `secret`'s credentials and presents `ticketValue` as the first message. */
  async function open(secret: string, path: string, ticketValue: string) {
    const c = connect(base, path, { authorization: `Bearer ${secret}` });
    await c.opened;
    c.ws.send(JSON.stringify({ ticket: ticketValue }));
    return c;
  }

  const audit = async (teamId: string) =>
    (await db().execute(sql`select action, target_id, data from audit_events where team_id = ${teamId} and action like 'compute.console.%' order by id`)).rows as Array<{
      action: string;
      target_id: string;
      data: Record<string, unknown>;
    }>;

  it('opens the serial console with a ticket: the ready line arrives, keys echo, and opening and closing are audited without the keys', async () => {
    const owner = await key();
    const { id, hostName } = await runningCompute(owner.secret);
    const before = clock().now().getTime();
    const t1 = await ticket(owner.secret, id);
    expect(t1.path).toBe(`/api/v1/computes/${id}/console/stream`);
    const ttl = Date.parse(t1.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(30_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // Only a hash is kept.
    const stored = (await db().execute(sql`select token_hash from compute_console_tickets where compute_id = ${id}`)).rows;
    expect(stored).toEqual([{ token_hash: crypto.createHash('sha256').update(t1.ticket).digest('hex') }]);

    const c = await open(owner.secret, t1.path, t1.ticket);
    await c.until('ready message', () => c.control.length > 0);
    expect(c.control[0]).toEqual({ type: 'ready', simulated: true, idleTimeoutSeconds: IDLE_SECONDS });
    await c.until('ready line', () => c.output().includes(`${hostName} ready`) && c.output().includes(`${hostName} login: `));
    expect(c.output()).toContain('simulated serial console');

    c.ws.send(Buffer.from('hello-console\r'));
    await c.until('echo', () => c.output().includes('hello-console\r\n'));
    clock().advance(95_000);
    c.ws.close(1000);
    expect((await c.closed).code).toBe(1000);

    await expect.poll(async () => (await audit(owner.teamId)).map((e) => e.action)).toEqual(['compute.console.open', 'compute.console.close']);
    const [opened, closed] = await audit(owner.teamId);
    expect(opened).toMatchObject({ target_id: id, data: { driver: 'fake' } });
    expect(closed).toMatchObject({ target_id: id, data: { reason: 'client', durationSeconds: 95 } });
    expect(JSON.stringify(await audit(owner.teamId))).not.toContain('hello-console');
    // The entries are in the team's audit log as members read it.
    const log = (await call(owner.secret, 'GET', '/audit-logs?action=compute.console.*')).json();
    expect(log.data.map((e: { action: string }) => e.action).sort()).toEqual(['compute.console.close', 'compute.console.open']);
  });

  it('refuses a used ticket, an expired one, an unknown one and someone else\'s, with close code 4401 and a reason', async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);

    const t1 = await ticket(owner.secret, id);
    const first = await open(owner.secret, t1.path, t1.ticket);
    await first.until('ready message', () => first.control.length > 0);
    first.ws.close();
    await first.closed;
    const reused = await open(owner.secret, t1.path, t1.ticket);
    expect(await reused.closed).toEqual({ code: 4401, reason: expect.stringContaining('already used') });

    const t2 = await ticket(owner.secret, id);
    clock().advance(61_000);
    const late = await open(owner.secret, t2.path, t2.ticket);
    expect(await late.closed).toEqual({ code: 4401, reason: expect.stringContaining('expired') });

    const unknown = await open(owner.secret, t1.path, crypto.randomBytes(32).toString('base64url'));
    expect(await unknown.closed).toEqual({ code: 4401, reason: expect.stringContaining('not valid') });

    // A teammate (another key) cannot use a ticket issued to this one, and tried once, it is spent.
    const admin = await key({ role: 'ADMIN' }, owner.teamId);
    const t3 = await ticket(owner.secret, id);
    const stolen = await open(admin.secret, t3.path, t3.ticket);
    expect((await stolen.closed).code).toBe(4401);
    const after = await open(owner.secret, t3.path, t3.ticket);
    expect((await after.closed).code).toBe(4401);

    // A ticket opens the compute it names, and no other.
    const other = await runningCompute(owner.secret);
    const t4 = await ticket(owner.secret, id);
    const elsewhere = await open(owner.secret, `/api/v1/computes/${other.id}/console/stream`, t4.ticket);
    expect((await elsewhere.closed).code).toBe(4401);

    // Garbage first message.
    const c = connect(base, t1.path, { authorization: `Bearer ${owner.secret}` });
    await c.opened;
    c.ws.send('not json');
    expect((await c.closed).code).toBe(4401);

    expect((await audit(owner.teamId)).map((e) => e.action)).toEqual(['compute.console.open', 'compute.console.close']);
  });

  it('answers 404 for another team\'s compute, 403 to a Member, 409 COMPUTE_NOT_RUNNING to a stopped compute', async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);

    const stranger = await key();
    const foreign = await call(stranger.secret, 'POST', `/computes/${id}/console`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('RESOURCE_NOT_FOUND');
    expect((await call(stranger.secret, 'POST', `/computes/not-a-uuid/console`)).statusCode).toBe(404);

    const member = await key({ role: 'MEMBER' }, owner.teamId);
    const denied = await call(member.secret, 'POST', `/computes/${id}/console`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
    // A key scoped without compute.write cannot either, even an Owner's.
    const readOnly = await key({ scopes: ['compute.read'] }, owner.teamId);
    expect((await call(readOnly.secret, 'POST', `/computes/${id}/console`)).statusCode).toBe(403);
    expect((await call(readOnly.secret, 'GET', `/computes/${id}`)).statusCode).toBe(200);

    // A ticket made while RUNNING does not open the console of a compute stopped since.
    const early = await ticket(owner.secret, id);
    expect((await call(owner.secret, 'POST', `/computes/${id}/stop`)).statusCode).toBe(202);
    await t.platform.worker().drain();
    const stopped = await call(owner.secret, 'POST', `/computes/${id}/console`);
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json()).toMatchObject({ code: 'COMPUTE_NOT_RUNNING', message: expect.stringContaining('STOPPED') });
    const c = await open(owner.secret, early.path, early.ticket);
    expect(await c.closed).toEqual({ code: 4409, reason: expect.stringContaining('RUNNING') });
  });

  it('re-checks the role when the WebSocket connects: an Admin demoted after getting a ticket is refused', async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);
    const admin = await key({ role: 'ADMIN' }, owner.teamId);
    const t1 = await ticket(admin.secret, id);
    await db().execute(sql`update team_members set role = 'MEMBER' where team_id = ${owner.teamId} and user_id = ${admin.userId}`);
    const c = await open(admin.secret, t1.path, t1.ticket);
    expect((await c.closed).code).toBe(4403);
  });

  it('serves one console per compute at a time, and the next one once it is closed', async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);
    const t1 = await ticket(owner.secret, id);
    const first = await open(owner.secret, t1.path, t1.ticket);
    await first.until('ready message', () => first.control.length > 0);

    const t2 = await ticket(owner.secret, id);
    const second = await open(owner.secret, t2.path, t2.ticket);
    expect(await second.closed).toEqual({ code: 4409, reason: expect.stringContaining('already open') });

    first.ws.close();
    await first.closed;
    await expect.poll(() => t.deps.consoles.sessions().filter((s) => s.computeId === id).length).toBe(0);
    const t3 = await ticket(owner.secret, id);
    const third = await open(owner.secret, t3.path, t3.ticket);
    await third.until('ready message', () => third.control.length > 0);
    third.ws.close();
    await third.closed;
  });

  it('takes a console session from the browser only from our own origin, and cookies alone never carry a ticket', async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);
    const sessionCtx = { actor: { type: 'anonymous' as const }, teamId: null, requestId: 'test', ip: null, userAgent: null, tx: db() };
    const s = await t.deps.sessions.create(sessionCtx, owner.userId);
    const cookie = `sc_session=${s.token}`;
    const browser = { cookie, origin: PUBLIC_URL, 'x-team-id': owner.teamId };

    // The ticket request is a change: without the CSRF token it is refused.
    const noCsrf = await t.app.inject({ method: 'POST', url: `/api/v1/computes/${id}/console`, headers: browser });
    expect(noCsrf.statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/computes/${id}/console`, headers: { ...browser, 'x-csrf-token': t.deps.sessions.csrfToken(s.sessionId) } });
    expect(res.statusCode, res.body).toBe(201);
    const t1 = res.json().data as { ticket: string; path: string };

    // Another site's page: the browser sends the cookie and its own Origin; refused before the upgrade.
    const evil = connect(base, t1.path, { cookie, origin: 'http://evil.example' });
    await expect(evil.opened).rejects.toThrow('HTTP 403');
    // A cookie without an Origin is no browser of ours either.
    const bare = connect(base, t1.path, { cookie });
    await expect(bare.opened).rejects.toThrow('HTTP 403');
    // No credentials at all.
    const anonymous = connect(base, t1.path, { origin: PUBLIC_URL });
    await expect(anonymous.opened).rejects.toThrow('HTTP 401');

    const c = connect(base, t1.path, { cookie, origin: PUBLIC_URL });
    await c.opened;
    c.ws.send(JSON.stringify({ ticket: t1.ticket }));
    await c.until('ready line', () => c.output().includes('login: '));
    c.ws.close();
    await c.closed;
    await expect.poll(async () => (await audit(owner.teamId)).length).toBe(2);
  });

  it('closes a console left without a keystroke for the idle timeout, and audits why', { timeout: 30_000 }, async () => {
    const owner = await key();
    const { id } = await runningCompute(owner.secret);
    const t1 = await ticket(owner.secret, id);
    const started = Date.now();
    const c = await open(owner.secret, t1.path, t1.ticket);
    expect(await c.closed).toEqual({ code: 4408, reason: expect.stringContaining('without a keystroke') });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 200);
    expect(waited).toBeLessThan(IDLE_SECONDS * 1000 + 5_000);
    await expect.poll(async () => (await audit(owner.teamId)).at(-1)?.data).toMatchObject({ reason: 'idle' });
  });
});

describe(`compute web console when the server stops (${dbKind})`, () => {
  it('closes open consoles with 1001 and audits their end before the database closes', async () => {
    const t = await startTestPlatform({ PUBLIC_URL, HYPERVISOR_DRIVER: 'fake', HYPERVISOR_FAKE_DELAY_MS: '0' });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const k = await buildApiKey(t.deps.database.db, t.deps.apiKeys);
      await t.deps.database.db.transaction((tx) =>
        t.deps.ledger.post(tx, {
          teamId: k.teamId, kind: 'credit', reference: `test-credit:${k.teamId}`, description: 'Test credit', actor: { type: 'system', id: 'test' },
          entries: [{ account: 'team_wallet', teamId: k.teamId, amount: 10_000_000 }, { account: 'promotional_credit', amount: -10_000_000 }],
        }),
      );
      const headers = { authorization: `Bearer ${k.secret}` };
      const created = await t.app.inject({
        method: 'POST', url: '/api/v1/computes', headers: { ...headers, 'idempotency-key': crypto.randomUUID() },
        payload: { hostName: 'stopping', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C-1G', publicKeys: [KEY] },
      });
      expect(created.statusCode, created.body).toBe(202);
      await t.platform.worker().drain();
      const id = created.json().data.id as string;
      const ticket = (await t.app.inject({ method: 'POST', url: `/api/v1/computes/${id}/console`, headers })).json().data as { ticket: string; path: string };
      const c = connect(base, ticket.path, headers);
      await c.opened;
      c.ws.send(JSON.stringify({ ticket: ticket.ticket }));
      await c.until('ready message', () => c.control.length > 0);

      await t.app.close();
      expect((await c.closed).code).toBe(1001);
      const rows = (await t.deps.database.db.execute(sql`select action, data from audit_events where team_id = ${k.teamId} and action like 'compute.console.%' order by id`)).rows;
      expect(rows).toMatchObject([{ action: 'compute.console.open' }, { action: 'compute.console.close', data: { reason: 'shutdown' } }]);
    } finally {
      await t.close();
    }
  });
});
