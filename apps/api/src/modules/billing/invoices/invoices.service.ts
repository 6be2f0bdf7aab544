import crypto from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../../db/database.ts';
import type { Clock } from '../../../shared/clock.ts';
import { inTransaction, systemContext, type Context } from '../../../shared/context.ts';
import { AppError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { NotifyInput } from '../../notifications/notifications.service.ts';
import { authorize } from '../../teams/index.ts';
import { invoiceCounters, invoices, type InvoiceLine } from '../billing.schema.ts';
import type { BillingPeers } from '../billing.service.ts';
import { monthStart } from '../metering.ts';
import { renderInvoicePdf, type InvoiceDocument } from './invoice-pdf.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;
export type InvoiceRow = typeof invoices.$inferSelect;

export interface SellerDetails {
  name: string;
  address: string[];
  taxId?: string;
  email: string;
  website: string;
}

const TYPE_LABELS: Record<string, string> = { compute: 'Computes', ipv4: 'Public IPv4 addresses' };

/**
 * Monthly invoices (issue 5, item 8). On the 1st, every team with usage in the month before gets
 * one invoice: a line per resource, subtotals per resource type, the promotional credits and
 * referral rewards used that month, and the VAT contained in the total shown separately. Numbers
 * are `INV-<year>-<6 digits>`, taken from a per-year counter under a row lock in the same
 * transaction as the invoice, so a failed issue returns its number and the sequence has no gaps.
 */
export class InvoicesService {
  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; notify: Notify; peers: BillingPeers; logger: Logger; seller: SellerDetails },
    private readonly options: { taxRateBp: number },
  ) {}

  async list(ctx: Context, limit: number, offset: number): Promise<{ rows: InvoiceRow[]; total: number }> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const [rows, [count]] = await Promise.all([
      ctx.tx.select().from(invoices).where(eq(invoices.teamId, teamId)).orderBy(desc(invoices.periodStart)).limit(limit).offset(offset),
      ctx.tx.select({ n: sql<number>`count(*)::int` }).from(invoices).where(eq(invoices.teamId, teamId)),
    ]);
    return { rows, total: count!.n };
  }

  async get(ctx: Context, id: string): Promise<InvoiceRow> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const [row] = await ctx.tx.select().from(invoices).where(and(eq(invoices.teamId, teamId), eq(invoices.id, id)));
    if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'There is no such invoice in this team.');
    return row;
  }

  async pdf(ctx: Context, id: string): Promise<{ filename: string; content: Buffer }> {
    const invoice = await this.get(ctx, id);
    return { filename: `${invoice.number}.pdf`, content: await renderInvoicePdf(this.document(invoice)) };
  }

  /** Issues the invoices of the month before `at` (idempotent: a team's month is invoiced once). */
  async issueMonth(at: Date = this.deps.clock.now()): Promise<number> {
    const periodEnd = monthStart(at);
    const periodStart = monthStart(new Date(periodEnd.getTime() - 1));
    const teams = await this.db.execute<{ team_id: string }>(sql`
      select distinct team_id from usage_records
      where period_start >= ${periodStart.toISOString()}::timestamptz and period_start < ${periodEnd.toISOString()}::timestamptz
        and not exists (select 1 from invoices i where i.team_id = usage_records.team_id and i.period_start = ${periodStart.toISOString()}::timestamptz)`);
    let issued = 0;
    for (const { team_id: teamId } of teams.rows) {
      try {
        if (await this.issue(teamId, periodStart, periodEnd)) issued++;
      } catch (err) {
        this.deps.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, teamId }, 'invoice not issued');
      }
    }
    if (issued) this.deps.logger.info({ issued, period: periodStart.toISOString().slice(0, 7) }, 'monthly invoices issued');
    return issued;
  }

  /** One team's invoice for one month, in one transaction; false when it exists already. */
  async issue(teamId: string, periodStart: Date, periodEnd: Date): Promise<boolean> {
    const ctx = { ...systemContext(this.db, 'billing.invoices'), teamId };
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      const lines = await this.usageLines(ex, teamId, periodStart, periodEnd);
      if (lines.length === 0) return false;
      const usageTotal = lines.reduce((sum, l) => sum + l.amount, 0);
      const creditsGranted = await this.creditsIn(ex, teamId, periodStart, periodEnd);
      const credits = Math.min(creditsGranted, usageTotal);
      const total = usageTotal - credits;
      const tax = Math.round((total * this.options.taxRateBp) / (10_000 + this.options.taxRateBp));
      const year = periodEnd.getUTCFullYear();
      // The counter row's lock orders concurrent issues of one year; a rolled-back issue gives its number back.
      await ex.insert(invoiceCounters).values({ year, last: 0 }).onConflictDoNothing();
      const [counter] = await ex.update(invoiceCounters).set({ last: sql`${invoiceCounters.last} + 1` }).where(eq(invoiceCounters.year, year)).returning({ last: invoiceCounters.last });
      const sequence = counter!.last;
      const number = `INV-${year}-${String(sequence).padStart(6, '0')}`;
      const teamName = (await this.deps.peers.teamName(ex, teamId)) ?? 'Team';
      const id = crypto.randomUUID();
      const inserted = await ex
        .insert(invoices)
        .values({
          id, teamId, number, year, sequence, periodStart, periodEnd,
          lines: credits > 0 ? [...lines, { kind: 'credit', resourceId: null, description: 'Credits and referral rewards', quantity: 1, amount: -credits }] : lines,
          usageTotal, credits, total, taxRateBp: this.options.taxRateBp, tax, teamName, issuedAt: this.deps.clock.now(),
        })
        .onConflictDoNothing({ target: [invoices.teamId, invoices.periodStart] })
        .returning({ id: invoices.id });
      if (inserted.length === 0) throw new RollbackIssue();
      const period = periodStart.toISOString().slice(0, 7);
      for (const userId of await this.deps.peers.billingContacts(ex, teamId)) {
        // A contact whose account was erased has no address: the invoice is issued all the same.
        await this.deps
          .notify(ctx, { template: 'monthly-invoice', to: { userId }, teamId, variables: { teamName, period, totalRwf: total, invoiceNumber: number, invoiceUrl: `/billing?invoice=${id}` } })
          .catch((err: unknown) => this.deps.logger.warn({ err: { message: (err as Error).message }, teamId }, 'invoice e-mail not queued'));
      }
      return true;
    }).catch((err: unknown) => {
      if (err instanceof RollbackIssue) return false;
      throw err;
    });
  }

  /** What a stored invoice prints as. */
  document(invoice: InvoiceRow): InvoiceDocument {
    const subtotals = Object.entries(
      invoice.lines.filter((l) => l.kind !== 'credit').reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.kind]: (acc[l.kind] ?? 0) + l.amount }), {}),
    ).map(([kind, amount]) => ({ kind, label: TYPE_LABELS[kind] ?? kind, amount }));
    return {
      number: invoice.number,
      issuedAt: invoice.issuedAt,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      seller: this.deps.seller,
      customer: { teamName: invoice.teamName, teamId: invoice.teamId },
      lines: invoice.lines.map((l) => ({ kind: l.kind as 'compute' | 'ipv4' | 'credit', description: l.description, quantity: l.quantity, unit: l.kind === 'compute' ? 'h' : l.kind === 'ipv4' ? 'month' : '', amount: l.amount })),
      subtotals,
      usageTotal: invoice.usageTotal,
      credits: invoice.credits,
      total: invoice.total,
      taxRateBp: invoice.taxRateBp,
      tax: invoice.tax,
      note: 'Paid from the prepaid wallet. Top-ups are not shown on invoices; prices include VAT.',
    };
  }

  private async usageLines(ex: Executor, teamId: string, from: Date, to: Date): Promise<InvoiceLine[]> {
    const rows = await ex.execute<{ resource_type: string; resource_id: string; host_name: string | null; specs: string | null; quantity: number; milli: string }>(sql`
      select u.resource_type, u.resource_id, c.host_name, string_agg(distinct u.specification, ', ') as specs, count(*)::int as quantity, sum(u.amount_milli) as milli
      from usage_records u left join computes c on c.id = u.resource_id
      where u.team_id = ${teamId} and u.period_start >= ${from.toISOString()}::timestamptz and u.period_start < ${to.toISOString()}::timestamptz
      group by u.resource_type, u.resource_id, c.host_name
      order by u.resource_type, c.host_name, u.resource_id`);
    return rows.rows.map((r) => ({
      kind: r.resource_type,
      resourceId: r.resource_id,
      description: r.resource_type === 'compute' ? `Compute ${r.host_name ?? r.resource_id} (${r.specs ?? 'unknown size'})` : `Public IPv4 address of ${r.host_name ?? r.resource_id}`,
      quantity: Number(r.quantity),
      amount: Math.floor((Number(r.milli) + 500) / 1000),
    }));
  }

  private async creditsIn(ex: Executor, teamId: string, from: Date, to: Date): Promise<number> {
    const rows = await ex.execute<{ total: string | null }>(sql`
      select sum(e.amount) as total from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
      where e.account = 'team_wallet' and e.team_id = ${teamId} and t.kind in ('credit', 'referral')
        and t.created_at >= ${from.toISOString()}::timestamptz and t.created_at < ${to.toISOString()}::timestamptz`);
    return Math.max(0, Number(rows.rows[0]?.total ?? 0));
  }
}

class RollbackIssue extends Error {}
