/**
 * The ledger under a randomized concurrent load: top-ups, metered usage, debits, credits and
 * adjustments on a handful of teams at once. However they interleave, every movement balances and
 * every cached balance equals the sum of its wallet's entries.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/modules/billing/ledger.ts';
import { grantCredit } from '../../src/modules/billing/referrals.ts';
import { HOUR, ManualClock } from '../../src/shared/clock.ts';
import { dbKind } from '../db.ts';
import { buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const OPERATIONS = 10_000;
const CONCURRENCY = 8;
const TEAMS = 12;

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe(`ledger invariants under concurrent load (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  const clock = new ManualClock('2026-05-01T00:00:00Z');
  beforeAll(async () => {
    t = await startTestPlatform({}, { clock });
  });
  afterAll(() => t?.close());

  it('refuses a movement that does not balance, a zero entry or a fraction of a franc', async () => {
    const ledger = new Ledger(clock);
    const teamId = crypto.randomUUID();
    const db = t.deps.database.db;
    const post = (entries: { account: 'team_wallet' | 'adjustments'; amount: number }[]) =>
      db.transaction((tx) => ledger.post(tx, { teamId, kind: 'adjustment', reference: crypto.randomUUID(), description: 'x', actor: { type: 'system', id: 'test' }, entries: entries.map((e) => ({ ...e, teamId })) }));
    await expect(post([{ account: 'team_wallet', amount: 10 }, { account: 'adjustments', amount: -9 }])).rejects.toThrow(/sum to 1/);
    await expect(post([{ account: 'team_wallet', amount: 0 }, { account: 'adjustments', amount: 0 }])).rejects.toThrow(/non-zero whole/);
    await expect(post([{ account: 'team_wallet', amount: 1.5 }, { account: 'adjustments', amount: -1.5 }])).rejects.toThrow(/non-zero whole/);
    expect(await ledger.balanceOf(db, teamId)).toBe(0);
  });

  it(`keeps the ledger balanced and every cached balance equal to its entries after ${OPERATIONS} random operations`, async () => {
    const db = t.deps.database.db;
    const { ledger, metering } = t.deps;
    const teams: string[] = [];
    for (let i = 0; i < TEAMS; i++) teams.push((await buildTeam(db)).id);
    const next = random(Number(process.env.LEDGER_SEED ?? 20261127));
    const counts = { topUp: 0, usage: 0, debit: 0, credit: 0, adjustment: 0, replay: 0 };
    const references: string[] = [];
    let hourCounter = 0;

    async function operation(): Promise<void> {
      const teamId = teams[Math.floor(next() * TEAMS)]!;
      const roll = next();
      if (roll < 0.3) {
        counts.topUp++;
        const amount = 1000 + Math.floor(next() * 50_000);
        const reference = `top_up:${crypto.randomUUID()}`;
        references.push(reference);
        await db.transaction((tx) =>
          ledger.post(tx, { teamId, kind: 'top_up', reference, description: 'random top-up', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId, amount }, { account: 'payment_clearing', teamId, amount: -amount }] }),
        );
      } else if (roll < 0.6) {
        // An hour of usage for one of the team's (imaginary) computes, idempotent per resource and hour.
        counts.usage++;
        const hour = new Date(Date.UTC(2026, 4, 1) + (hourCounter++ % 500) * HOUR);
        await db.execute(sql`
          insert into usage_records (resource_type, resource_id, period_start, team_id, specification, amount_milli, created_at)
          values ('compute', ${crypto.randomUUID()}, ${hour.toISOString()}::timestamptz, ${teamId}, 'S-1C-1G', ${1 + Math.floor(next() * 20_000)}, now())
          on conflict do nothing`);
      } else if (roll < 0.75) {
        counts.debit++;
        await metering.debitTeam(teamId, new Date(Date.UTC(2026, 4, 1) + Math.floor(next() * 600) * HOUR));
      } else if (roll < 0.88) {
        counts.credit++;
        await grantCredit(db, ledger, { teamId, amount: 1 + Math.floor(next() * 5000), reason: 'load test', staff: 'test', kind: 'credit' });
      } else if (roll < 0.96) {
        counts.adjustment++;
        const amount = Math.floor(next() * 4000) - 2000 || 1;
        await grantCredit(db, ledger, { teamId, amount, reason: 'load test', staff: 'test', kind: 'adjustment' });
      } else if (references.length > 0) {
        // A replayed movement (same reference) must move nothing.
        counts.replay++;
        const reference = references[Math.floor(next() * references.length)]!;
        const result = await db.transaction((tx) =>
          ledger.post(tx, { teamId, kind: 'top_up', reference, description: 'replay', actor: { type: 'system', id: 'test' }, entries: [{ account: 'team_wallet', teamId, amount: 777 }, { account: 'payment_clearing', teamId, amount: -777 }] }),
        );
        expect(result.posted).toBe(false);
      }
    }

    let started = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (started < OPERATIONS) {
          started++;
          await operation();
        }
      }),
    );
    expect(started).toBe(OPERATIONS);

    const problems = await ledger.check(db);
    expect(problems).toEqual({ unbalanced: [], mismatched: [] });
    for (const teamId of teams) {
      expect(await ledger.balanceOf(db, teamId)).toBe(await ledger.balanceFromEntries(db, teamId));
    }
    const total = await db.execute<{ sum: string }>(sql`select coalesce(sum(amount), 0) as sum from ledger_entries`);
    expect(Number(total.rows[0]!.sum)).toBe(0);
    // Every debit carried its fraction: wallets hold less than one franc of usage not yet debited.
    const remainders = await db.execute<{ r: string }>(sql`select max(usage_remainder_milli) as r from team_wallets`);
    expect(Number(remainders.rows[0]!.r)).toBeLessThan(1000);
    console.info(`ledger load: ${JSON.stringify(counts)}`);
  }, 600_000);
});
