import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.ts';
import { HOUR, type Clock } from '../../shared/clock.ts';
import { inTransaction, systemContext, type Context } from '../../shared/context.ts';
import type { Logger } from '../../shared/logger.ts';
import { billingRepository } from './billing.repository.ts';
import type { Ledger } from './ledger.ts';
import { hourlyMilliOf, type PriceList } from './prices.ts';

/** Start of the UTC hour `at` falls in. */
export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR) * HOUR);
}

export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/**
 * Metering and debiting (issue 5, item 5).
 *
 * A compute is charged for every hour it was billable at any moment: from the end of its
 * creation (`computes.billable_from`, set when it first runs) until a destroy was accepted
 * (`computes.destroyed_at`), running or stopped, as the product does. A compute created at 10:59
 * and destroyed at 12:01 pays hours 10, 11 and 12. A public IPv4 is a monthly fee, charged once
 * for each month a compute held one during a metered hour.
 *
 * Each hour is metered by one set-based statement (the primary key makes it idempotent, so a
 * second run or a crash half-way changes nothing); the hours to meter follow a cursor, so a
 * platform that was down catches up hour by hour. Wallets are debited per team, daily (or
 * hourly), in whole francs with the fraction carried.
 */
export class Metering {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      clock: Clock;
      ledger: Ledger;
      prices: PriceList;
      logger: Logger;
      /** After a debit: alerts and dunning look at the new balance. */
      afterDebit: (ctx: Context, teamId: string, balance: number) => Promise<void>;
    },
    private readonly options: { debitInterval: 'daily' | 'hourly' },
  ) {}

  /** The hourly rates as a `values` list to join on `computes.specification`. */
  private priceTable() {
    return sql.join(Object.entries(this.deps.prices.hourlyMilli).map(([spec, rate]) => sql`(${spec}::text, ${rate}::bigint)`), sql`, `);
  }

  /** What the team's billable computes and their addresses cost per hour now, milli-RWF. */
  async hourlyRateMilli(ex: Executor, teamId: string): Promise<number> {
    const priceTable = this.priceTable();
    const ipv4Hourly = hourlyMilliOf(this.deps.prices.ipv4Monthly);
    const result = await ex.execute<{ milli: string | null }>(sql`
      select sum(p.rate + case when c.with_public_ip then ${ipv4Hourly}::bigint else 0 end) as milli
      from computes c join (values ${priceTable}) as p(spec, rate) on p.spec = c.specification
      where c.team_id = ${teamId} and c.billable_from is not null and c.destroyed_at is null`);
    return Number(result.rows[0]?.milli ?? 0);
  }

  /** Meters one hour (its start, on the hour). Returns the rows written. */
  async meterHour(ex: Executor, hour: Date): Promise<{ computes: number; addresses: number }> {
    const start = hourStart(hour);
    const end = new Date(start.getTime() + HOUR);
    const now = this.deps.clock.now();
    const priceTable = this.priceTable();
    const computes = await ex.execute(sql`
      insert into usage_records (resource_type, resource_id, period_start, team_id, specification, amount_milli, created_at)
      select 'compute', c.id, ${start.toISOString()}::timestamptz, c.team_id, c.specification, p.rate, ${now.toISOString()}::timestamptz
      from computes c
      join (values ${priceTable}) as p(spec, rate) on p.spec = c.specification
      where c.billable_from < ${end.toISOString()}::timestamptz
        and (c.destroyed_at is null or c.destroyed_at > ${start.toISOString()}::timestamptz)
      on conflict do nothing`);
    const addresses = await ex.execute(sql`
      insert into usage_records (resource_type, resource_id, period_start, team_id, specification, amount_milli, created_at)
      select 'ipv4', c.id, ${monthStart(start).toISOString()}::timestamptz, c.team_id, null, ${this.deps.prices.ipv4Monthly * 1000}::bigint, ${now.toISOString()}::timestamptz
      from computes c
      where c.with_public_ip
        and c.billable_from < ${end.toISOString()}::timestamptz
        and (c.destroyed_at is null or c.destroyed_at > ${start.toISOString()}::timestamptz)
      on conflict do nothing`);
    return { computes: computes.rowCount ?? 0, addresses: addresses.rowCount ?? 0 };
  }

  /** Meters every complete hour since the cursor (at most `maxHours` per call; a later run goes on). */
  async meterDue(maxHours = 24 * 40): Promise<number> {
    const until = hourStart(this.deps.clock.now());
    let metered = 0;
    for (let i = 0; i < maxHours; i++) {
      const done = await this.db.transaction(async (tx) => {
        const cursor = await tx.execute<{ at: Date | string }>(sql`select at from billing_cursors where name = 'metering' for update`);
        let next: Date;
        if (cursor.rows[0]) {
          next = new Date(cursor.rows[0].at);
        } else {
          // First run: begin with the earliest hour anything was billable, or the current hour.
          const first = await tx.execute<{ at: Date | string | null }>(sql`select min(billable_from) as at from computes where destroyed_at is null or destroyed_at > ${new Date(until.getTime() - 48 * HOUR).toISOString()}::timestamptz`);
          next = first.rows[0]?.at ? hourStart(new Date(first.rows[0].at)) : until;
          await tx.execute(sql`insert into billing_cursors (name, at) values ('metering', ${next.toISOString()}::timestamptz) on conflict do nothing`);
        }
        if (next.getTime() >= until.getTime()) return true;
        // Nothing billable from here to now (a quiet platform, or one that was down): jump ahead.
        const busy = await tx.execute(sql`
          select 1 from computes where billable_from < ${until.toISOString()}::timestamptz
            and (destroyed_at is null or destroyed_at > ${next.toISOString()}::timestamptz) limit 1`);
        if (busy.rows.length === 0) {
          await tx.execute(sql`update billing_cursors set at = ${until.toISOString()}::timestamptz where name = 'metering'`);
          return true;
        }
        await this.meterHour(tx, next);
        await tx.execute(sql`update billing_cursors set at = ${new Date(next.getTime() + HOUR).toISOString()}::timestamptz where name = 'metering'`);
        metered++;
        return false;
      });
      if (done) break;
    }
    return metered;
  }

  /** Debits every team with usage metered before the cutoff (start of today, or of this hour). */
  async debitDue(): Promise<{ teams: number; amount: number }> {
    const now = this.deps.clock.now();
    const cutoff = this.options.debitInterval === 'hourly' ? hourStart(now) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const due = await this.db.execute<{ team_id: string }>(sql`
      select distinct team_id from usage_records where debited_at is null and period_start < ${cutoff.toISOString()}::timestamptz`);
    let teams = 0;
    let amount = 0;
    for (const { team_id: teamId } of due.rows) {
      const debited = await this.debitTeam(teamId, cutoff);
      if (debited !== null) {
        teams++;
        amount += debited;
      }
    }
    return { teams, amount };
  }

  /** One team's debit up to `cutoff`, in one transaction. Returns the francs debited (null: nothing due). */
  async debitTeam(teamId: string, cutoff: Date): Promise<number | null> {
    const ctx = systemContext(this.db, 'billing.debit');
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      await this.deps.ledger.ensureWallet(ex, teamId);
      const wallet = (await billingRepository.lockWallet(ex, teamId))!;
      const now = this.deps.clock.now();
      const marked = await ex.execute<{ milli: string | null }>(sql`
        with due as (
          update usage_records set debited_at = ${now.toISOString()}::timestamptz
          where team_id = ${teamId} and debited_at is null and period_start < ${cutoff.toISOString()}::timestamptz
          returning amount_milli
        )
        select sum(amount_milli) as milli from due`);
      const milli = Number(marked.rows[0]?.milli ?? 0);
      if (milli === 0) return null;
      const total = wallet.usageRemainderMilli + milli;
      const francs = Math.floor(total / 1000);
      await billingRepository.updateWallet(ex, teamId, { usageRemainderMilli: total - francs * 1000, updatedAt: now });
      if (francs === 0) return 0;
      // Exactly once comes from marking the rows in this transaction, under the wallet's lock: a
      // second run finds none left. Late usage for an earlier period is debited by a later run.
      const posted = await this.deps.ledger.post(ex, {
        teamId,
        kind: 'usage',
        reference: `usage:${teamId}:${cutoff.toISOString()}:${crypto.randomUUID()}`,
        description: `Usage up to ${cutoff.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        actor: ctx.actor,
        entries: [
          { account: 'team_wallet', teamId, amount: -francs },
          { account: 'usage_revenue', teamId, amount: francs },
        ],
      });
      if (!posted.posted) throw new Error('a usage debit reference was reused');
      await this.deps.afterDebit({ ...ctx, teamId }, teamId, posted.balances.get(teamId)!);
      return francs;
    });
  }

  /** The scheduled run: meter, then debit. */
  async run(): Promise<void> {
    const hours = await this.meterDue();
    const debits = await this.debitDue();
    if (hours > 0 || debits.teams > 0) this.deps.logger.info({ hours, teams: debits.teams, amount: debits.amount }, 'usage metered and debited');
  }
}
