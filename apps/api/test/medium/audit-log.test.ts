/**
 * The team audit log through the API: scoped to the caller's team, filtered, network fields for
 * Owners and Admins only, and a CSV export that quotes properly and defuses formulas.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

/** A small RFC 4180 reader, to check the export the way a spreadsheet would read it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe(`audit log API (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '10000' });
  });
  afterAll(() => t?.close());

  const db = () => t.deps.database.db;
  const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
  const call = (key: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      remoteAddress: '198.51.100.23',
      headers: { authorization: `Bearer ${key}`, 'user-agent': ua, ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}) },
      ...(body ? { payload: body } : {}),
    });

  async function teamWithHistory() {
    const teamId = (await buildTeam(db())).id;
    const owner = await buildApiKey(db(), t.deps.apiKeys, teamId);
    const member = await buildApiKey(db(), t.deps.apiKeys, teamId, { role: 'MEMBER' });
    expect((await call(owner.secret, 'PATCH', `/teams/${teamId}`, { name: 'Renamed' })).statusCode).toBe(200);
    expect((await call(owner.secret, 'POST', '/api-keys', { name: 'deploys' })).statusCode).toBe(201);
    expect((await call(owner.secret, 'PATCH', `/teams/${teamId}/members/${member.userId}`, { role: 'ADMIN' })).statusCode).toBe(200);
    expect((await call(owner.secret, 'PATCH', `/teams/${teamId}/members/${member.userId}`, { role: 'MEMBER' })).statusCode).toBe(200);
    return { teamId, owner, member };
  }

  it('lists the caller\'s team only, newest first, with actor, time, IP, browser/OS and target', async () => {
    const a = await teamWithHistory();
    const b = await teamWithHistory();
    const res = await call(a.owner.secret, 'GET', '/audit-logs');
    expect(res.statusCode).toBe(200);
    const entries = res.json().data as { id: number; action: string; actorId: string; targetId: string; ip: string; browser: string; os: string; at: string }[];
    expect(entries.map((e) => e.action)).toEqual(['team.member.role_change', 'team.member.role_change', 'api_key.create', 'team.update']);
    expect(res.json().meta).toEqual({ total: 4, page: 1, limit: 20 });
    expect(entries[0]).toMatchObject({ actorType: 'api_key', actorId: a.owner.id, targetType: 'user', targetId: a.member.userId, ip: '198.51.100.23', browser: 'Safari 17', os: 'macOS 10', data: { from: 'ADMIN', to: 'MEMBER' } });
    expect(entries[0]!.id).toBeGreaterThan(entries[1]!.id);
    expect(new Date(entries[0]!.at).toString()).not.toBe('Invalid Date');
    const body = JSON.stringify(res.json());
    for (const other of [b.teamId, b.owner.id, b.member.userId]) expect(body).not.toContain(other);
  });

  it('filters by action (exact or prefix), actor, target and time', async () => {
    const a = await teamWithHistory();
    const q = async (query: string) => ((await call(a.owner.secret, 'GET', `/audit-logs?${query}`)).json().data as { action: string }[]).map((e) => e.action);
    expect(await q('action=team.update')).toEqual(['team.update']);
    expect(await q('action=team.member.*')).toEqual(['team.member.role_change', 'team.member.role_change']);
    expect(await q(`targetId=${a.member.userId}`)).toHaveLength(2);
    expect(await q(`actorId=${a.member.id}`)).toEqual([]);
    const later = new Date((t.clock as ManualClock).now().getTime() + 1000).toISOString();
    expect(await q(`from=${encodeURIComponent(later)}`)).toEqual([]);
    expect(await q(`to=${encodeURIComponent(later)}&limit=1`)).toHaveLength(1);
    expect((await call(a.owner.secret, 'GET', '/audit-logs?action=DROP%20TABLE')).statusCode).toBe(400);
  });

  it('lets Members read the log without IP address, browser and OS, and refuses them the export', async () => {
    const a = await teamWithHistory();
    const res = await call(a.member.secret, 'GET', '/audit-logs');
    expect(res.statusCode).toBe(200);
    const entries = res.json().data as { ip: unknown; browser: unknown; os: unknown }[];
    expect(entries.length).toBe(4);
    for (const e of entries) expect([e.ip, e.browser, e.os]).toEqual([null, null, null]);
    expect((await call(a.member.secret, 'GET', '/audit-logs.csv')).statusCode).toBe(403);
  });

  it('exports CSV with a header row, proper quoting and formula cells defused', async () => {
    const a = await teamWithHistory();
    // An entry carrying hostile text, as a later module might write from customer input.
    await t.deps.audit.record(
      { actor: { type: 'system', id: 'test' }, teamId: a.teamId, requestId: '=cmd|\' /C calc\'!A0', ip: null, userAgent: null, tx: db() },
      { action: 'test.hostile', targetType: '+target', targetId: '@SUM(1,2)', data: { note: 'a "quoted", multi\nline value' } },
    );
    const res = await call(a.owner.secret, 'GET', '/audit-logs.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual(['time', 'action', 'actor_type', 'actor_id', 'target_type', 'target_id', 'ip', 'browser', 'os', 'request_id', 'details']);
    expect(rows).toHaveLength(1 + 5);
    const hostile = rows.find((r) => r[1] === 'test.hostile')!;
    expect(hostile[4]).toBe("'+target");
    expect(hostile[5]).toBe("'@SUM(1,2)");
    expect(hostile[9]).toBe("'=cmd|' /C calc'!A0");
    expect(JSON.parse(hostile[10]!)).toEqual({ note: 'a "quoted", multi\nline value' });
    const roleChange = rows.find((r) => r[1] === 'team.member.role_change')!;
    expect(roleChange.slice(6, 9)).toEqual(['198.51.100.23', 'Safari 17', 'macOS 10']);
    // No cell of the file starts a formula.
    for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+\-@]/);
  });

  it('exports only the caller\'s team', async () => {
    const a = await teamWithHistory();
    const b = await teamWithHistory();
    const csv = (await call(b.owner.secret, 'GET', '/audit-logs.csv')).body;
    expect(csv).not.toContain(a.owner.id);
    expect(csv).toContain(b.owner.id);
  });
});
