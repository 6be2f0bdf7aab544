/**
 * Monthly invoices: issued on the 1st for teams with usage, numbered without gaps per year (also
 * when an issue fails half-way), lines per resource, credits, VAT shown separately, the PDF.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredit } from '../../src/modules/billing/referrals.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { systemContext } from '../../src/shared/context.ts';
import { dbKind } from '../db.ts';
import { buildApiKey } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

describe(`billing: monthly invoices (${dbKind})`, { timeout: 120_000 }, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  const clock = new ManualClock('2026-02-10T12:00:00Z');
  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '100000' }, { clock });
  });
  afterAll(() => t?.close());
  const db = () => t.deps.database.db;

  /** `hours` hours of one compute (5,478 milli-RWF each, as S-1C) in February 2026. */
  async function usage(teamId: string, hours: number, resourceId: string = crypto.randomUUID()) {
    for (let h = 0; h < hours; h++) {
      const at = new Date(Date.UTC(2026, 1, 3, h));
      await db().execute(sql`insert into usage_records (resource_type, resource_id, period_start, team_id, specification, amount_milli, created_at)
        values ('compute', ${resourceId}, ${at.toISOString()}::timestamptz, ${teamId}, 'S-1C', 5478, now())`);
    }
    return resourceId;
  }

  it('issues one invoice per team with usage, numbered without gaps, lines per resource, credits and VAT, once', async () => {
    // Team a's Owner is a real person (an e-mail address to send the invoice to); the others are placeholders.
    const person = await t.deps.accounts.create(systemContext(db(), 'test'), { email: `owner-${crypto.randomUUID()}@example.rw`, name: 'Invoice Owner' });
    const teams = [await buildApiKey(db(), t.deps.apiKeys, undefined, { userId: person.id })];
    for (let i = 0; i < 3; i++) teams.push(await buildApiKey(db(), t.deps.apiKeys));
    const [a, b, c, d] = teams as [(typeof teams)[0], (typeof teams)[0], (typeof teams)[0], (typeof teams)[0]];
    await usage(a.teamId, 10);
    await usage(a.teamId, 5);
    await db().execute(sql`insert into usage_records (resource_type, resource_id, period_start, team_id, amount_milli, created_at)
      values ('ipv4', ${crypto.randomUUID()}, '2026-02-01T00:00:00Z', ${a.teamId}, 1000000, now())`);
    await usage(b.teamId, 3);
    await usage(c.teamId, 2);
    // d has no usage in February: no invoice.
    clock.set('2026-02-15T00:00:00Z');
    await grantCredit(db(), t.deps.ledger, { teamId: b.teamId, amount: 10, reason: 'goodwill', staff: 'test', kind: 'credit' });

    // The issue of team c fails half-way (after its number was taken): its number is given back.
    const peers = t.deps.invoices as unknown as { deps: { peers: { teamName: (ex: unknown, id: string) => Promise<string | null> } } };
    const teamName = peers.deps.peers.teamName;
    peers.deps.peers.teamName = async (ex, id) => {
      if (id === c.teamId) throw new Error('disk full');
      return teamName(ex, id);
    };
    clock.set('2026-03-01T02:07:00Z');
    try {
      expect(await t.deps.invoices.issueMonth()).toBe(2);
    } finally {
      peers.deps.peers.teamName = teamName;
    }
    expect(await t.deps.invoices.issueMonth()).toBe(1); // c, now that it works
    expect(await t.deps.invoices.issueMonth()).toBe(0); // once per team and month

    const rows = await db().execute<{ team_id: string; number: string; sequence: number; usage_total: string; credits: string; total: string; tax: string; lines: { kind: string; quantity: number; amount: number }[] }>(
      sql`select team_id, number, sequence, usage_total, credits, total, tax, lines from invoices where year = 2026 order by sequence`,
    );
    expect(rows.rows.map((r) => r.sequence)).toEqual([1, 2, 3]);
    expect(rows.rows.map((r) => r.number)).toEqual(['INV-2026-000001', 'INV-2026-000002', 'INV-2026-000003']);
    expect(rows.rows.map((r) => r.team_id).sort()).toEqual([a.teamId, b.teamId, c.teamId].sort());
    expect(rows.rows.some((r) => r.team_id === d.teamId)).toBe(false);

    const invoiceA = rows.rows.find((r) => r.team_id === a.teamId)!;
    // 10 h → 54.78 → 55 RWF; 5 h → 27.39 → 27 RWF; one address-month 1,000 RWF.
    expect(invoiceA.lines.map((l) => [l.kind, l.quantity, l.amount]).sort()).toEqual([['compute', 10, 55], ['compute', 5, 27], ['ipv4', 1, 1000]].sort());
    expect(Number(invoiceA.usage_total)).toBe(1082);
    expect(Number(invoiceA.total)).toBe(1082);
    expect(Number(invoiceA.tax)).toBe(Math.round((1082 * 1800) / 11_800));
    const invoiceB = rows.rows.find((r) => r.team_id === b.teamId)!;
    expect([Number(invoiceB.usage_total), Number(invoiceB.credits), Number(invoiceB.total)]).toEqual([16, 10, 6]);
    expect(invoiceB.lines.at(-1)).toMatchObject({ kind: 'credit', amount: -10 });

    // The team reads it, and downloads the PDF.
    const list = await t.app.inject({ url: '/api/v1/billing/invoices', headers: { authorization: `Bearer ${a.secret}` } });
    expect(list.statusCode).toBe(200);
    const [listed] = list.json().data;
    expect(listed).toMatchObject({ number: invoiceA.number, period: '2026-02', total: 1082, taxRate: 18, currency: 'RWF' });
    const pdf = await t.app.inject({ url: `/api/v1/billing/invoices/${listed.id}/pdf`, headers: { authorization: `Bearer ${a.secret}` } });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe(`attachment; filename="${invoiceA.number}.pdf"`);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    // Another team cannot.
    const other = await t.app.inject({ url: `/api/v1/billing/invoices/${listed.id}/pdf`, headers: { authorization: `Bearer ${d.secret}` } });
    expect(other.statusCode).toBe(404);
    // The monthly e-mail is queued for the Owner.
    const queued = await db().execute(sql`select 1 from notifications where team_id = ${a.teamId} and template = 'monthly-invoice'`);
    expect(queued.rows).toHaveLength(1);
  });
});
