import crypto from 'node:crypto';
import type { Db, Executor } from '../../db/database.ts';
import { MINUTE, type Clock } from '../../shared/clock.ts';
import { inTransaction, systemContext, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { personId } from '../../shared/person.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { NotifyInput } from '../notifications/notifications.service.ts';
import { authorize } from '../teams/index.ts';
import { billingRepository, type TopUpRow, type WalletRow } from './billing.repository.ts';
import type { BillingState } from './billing.schema.ts';
import type { Ledger } from './ledger.ts';
import type { PaymentConfirmation, PaymentGateway } from './payment-gateway.ts';
import { rwfFromMilli, type PriceList } from './prices.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;

/** What billing asks of the teams and compute modules, late-bound by the composition root. */
export interface BillingPeers {
  teamName(ex: Executor, teamId: string): Promise<string | null>;
  /** Owners and Admins: who hears about the team's money. */
  billingContacts(ex: Executor, teamId: string): Promise<string[]>;
  requireVerifiedPhone(ex: Executor, userId: string): Promise<void>;
  requireFullAccount(ex: Executor, userId: string): Promise<void>;
  /** Sum of the hourly rates of the team's billable computes, milli-RWF. */
  hourlyRateMilli(ex: Executor, teamId: string): Promise<number>;
  /** Stops the team's running computes, remembering which; answers how many. */
  stopForSuspension(ctx: Context, teamId: string): Promise<unknown>;
  /** Starts again what suspension stopped. */
  resumeAfterSuspension(ctx: Context, teamId: string): Promise<unknown>;
  /** Destroys the team's computes after a staff-approved termination; answers how many wait for a running action. */
  destroyForTermination(ctx: Context, teamId: string): Promise<number>;
}

export interface BillingOptions {
  topUpMin: number;
  topUpMax: number;
  invoiceHours: number;
  lowBalanceThreshold: number;
  lowBalanceDays: number;
  createMinHoursFunded: number;
}

export interface WalletView {
  teamId: string;
  balance: number;
  currency: 'RWF';
  state: BillingState;
  stateChangedAt: Date;
  lowBalanceThreshold: number;
  /** The hourly cost of what runs now, RWF (rounded), and the month it projects to. */
  hourlyRate: number;
  projectedDailySpend: number;
  /** Days the balance lasts at the current rate; null when nothing is charged. */
  daysLeft: number | null;
}

export interface TopUpView {
  id: string;
  amount: number;
  currency: 'RWF';
  status: TopUpRow['status'];
  invoiceNumber: string | null;
  transactionId: string;
  paymentLinkUrl: string | null;
  paymentMethod: string | null;
  paidAt: Date | null;
  expiresAt: Date;
  createdAt: Date;
}

export type PaymentOutcome = 'credited' | 'duplicate' | 'ignored' | 'unknown' | 'mismatch';

const present = (t: TopUpRow): TopUpView => ({
  id: t.id,
  amount: t.amount,
  currency: 'RWF',
  status: t.status,
  invoiceNumber: t.invoiceNumber,
  transactionId: t.transactionId,
  paymentLinkUrl: t.paymentLinkUrl,
  paymentMethod: t.paymentMethod,
  paidAt: t.paidAt,
  expiresAt: t.expiresAt,
  createdAt: t.createdAt,
});

const LANGUAGE = { en: 'EN', fr: 'FR', rw: 'RW' } as const;

/**
 * The prepaid wallet of a team (issue 5): balance and state, top-ups through IremboPay credited
 * exactly once, reconciliation of open invoices, alerts, and the spending guard the compute
 * module asks before anything that costs money.
 */
export class BillingService {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      clock: Clock;
      ledger: Ledger;
      audit: Audit;
      notify: Notify;
      gateway: () => PaymentGateway;
      prices: PriceList;
      peers: BillingPeers;
      logger: Logger;
      /** Called after a credit brings a team's balance above zero (the dunning module lifts its state). */
      onFunded: (ctx: Context, teamId: string) => Promise<void>;
      /** Called after every credit (referral rewards). */
      onToppedUp: (ctx: Context, teamId: string, toppedUpTotal: number) => Promise<void>;
    },
    private readonly options: BillingOptions,
  ) {}

  async wallet(ctx: Context): Promise<WalletView> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const ex = ctx.tx;
    const wallet = await this.walletRow(ex, teamId);
    const rateMilli = await this.deps.peers.hourlyRateMilli(ex, teamId);
    const daily = rwfFromMilli(rateMilli * 24);
    return {
      teamId,
      balance: wallet.balance,
      currency: 'RWF',
      state: wallet.state,
      stateChangedAt: wallet.stateChangedAt,
      lowBalanceThreshold: wallet.lowBalanceThreshold ?? this.options.lowBalanceThreshold,
      hourlyRate: rwfFromMilli(rateMilli),
      projectedDailySpend: daily,
      daysLeft: rateMilli > 0 ? Math.max(0, Math.floor((wallet.balance * 1000) / (rateMilli * 24))) : null,
    };
  }

  async updateSettings(ctx: Context, input: { lowBalanceThreshold: number | null }): Promise<WalletView> {
    const { teamId } = await authorize(ctx, 'billing.write');
    await inTransaction(ctx, async (ctx) => {
      await this.walletRow(ctx.tx, teamId);
      await billingRepository.updateWallet(ctx.tx, teamId, { lowBalanceThreshold: input.lowBalanceThreshold, lowBalanceAlertedAt: null, updatedAt: this.deps.clock.now() });
      await this.deps.audit.record(ctx, { action: 'billing.settings.update', targetType: 'team', targetId: teamId, data: { fields: ['lowBalanceThreshold'] } });
    });
    return this.wallet(ctx);
  }

  async transactions(ctx: Context, limit: number, offset: number) {
    const { teamId } = await authorize(ctx, 'billing.read');
    return billingRepository.transactions(ctx.tx, teamId, limit, offset);
  }

  async dailySpend(ctx: Context, days: number): Promise<{ day: string; amount: number }[]> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const since = new Date(this.deps.clock.now().getTime() - days * 86_400_000);
    since.setUTCHours(0, 0, 0, 0);
    const rows = new Map((await billingRepository.dailySpend(ctx.tx, teamId, since)).map((r) => [r.day, r.amount]));
    // Every day of the range, with zero where nothing was debited, so a chart needs no gaps logic.
    return Array.from({ length: days + 1 }, (_, i) => {
      const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
      return { day, amount: rows.get(day) ?? 0 };
    });
  }

  async topUps(ctx: Context, limit: number, offset: number): Promise<{ rows: TopUpView[]; total: number }> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const { rows, total } = await billingRepository.topUps(ctx.tx, teamId, limit, offset);
    return { rows: rows.map(present), total };
  }

  async topUp(ctx: Context, id: string): Promise<TopUpView> {
    const { teamId } = await authorize(ctx, 'billing.read');
    const row = await billingRepository.topUp(ctx.tx, teamId, id);
    if (!row) throw new AppError('RESOURCE_NOT_FOUND', 'There is no such top-up in this team.');
    return present(row);
  }

  /**
   * Starts a top-up: our record first (so a crash after IremboPay answered is still found by
   * reconciliation through our transaction id), then the IremboPay invoice. Nothing is credited
   * here: only a verified notification or reconciliation credits.
   */
  async createTopUp(ctx: Context, input: { amount: number; mobileMoney?: { phone: string; provider?: 'MTN' | 'AIRTEL' } | undefined; locale?: 'en' | 'fr' | 'rw' }): Promise<TopUpView> {
    const { teamId } = await authorize(ctx, 'billing.write');
    const userId = personId(ctx);
    const { topUpMin, topUpMax, invoiceHours } = this.options;
    if (!Number.isSafeInteger(input.amount) || input.amount < topUpMin || input.amount > topUpMax) {
      throw new AppError('VALIDATION_ERROR', `A top-up is a whole number of RWF from ${topUpMin} to ${topUpMax}.`, [
        { field: 'amount', message: `must be a whole number from ${topUpMin} to ${topUpMax}` },
      ]);
    }
    const push = input.mobileMoney ? mobileMoney(input.mobileMoney) : null;
    await this.deps.peers.requireFullAccount(ctx.tx, userId);
    await this.deps.peers.requireVerifiedPhone(ctx.tx, userId);
    const wallet = await this.walletRow(ctx.tx, teamId);
    if (wallet.state === 'TERMINATED') throw new AppError('TEAM_TERMINATED');

    const now = this.deps.clock.now();
    const id = crypto.randomUUID();
    const transactionId = `TOPUP-${crypto.randomBytes(9).toString('base64url').toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`;
    const expiresAt = new Date(now.getTime() + invoiceHours * 3_600_000);
    await inTransaction(ctx, async (ctx) => {
      await billingRepository.insertTopUp(ctx.tx, { id, teamId, requestedBy: userId, amount: input.amount, transactionId, status: 'PENDING', expiresAt, createdAt: now, updatedAt: now });
      await this.deps.audit.record(ctx, { action: 'billing.top_up.create', targetType: 'top_up', targetId: id, data: { amount: input.amount } });
    });

    let invoice;
    try {
      invoice = await this.deps.gateway().createInvoice({
        transactionId,
        amount: input.amount,
        description: 'Strettch Cloud prepaid balance top-up',
        expiryAt: expiresAt,
        language: LANGUAGE[input.locale ?? 'en'],
      });
    } catch (err) {
      // The invoice may exist after all (a timeout after IremboPay created it): reconciliation asks
      // by our transaction id and either adopts it or marks the top-up failed.
      this.deps.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, topUpId: id }, 'IremboPay invoice creation failed');
      throw new AppError('PAYMENT_PROVIDER_ERROR');
    }
    if (invoice.amount !== input.amount || (invoice.currency && invoice.currency !== 'RWF')) {
      await this.flag(this.db, 'AMOUNT_MISMATCH', teamId, invoice.invoiceNumber, { expected: input.amount, invoiced: invoice.amount, currency: invoice.currency });
      throw new AppError('PAYMENT_PROVIDER_ERROR', 'The payment provider created an invoice that does not match the request; staff have been told.');
    }
    const row = await billingRepository.updateTopUp(this.db, id, { invoiceNumber: invoice.invoiceNumber, paymentLinkUrl: invoice.paymentLinkUrl, updatedAt: this.deps.clock.now() });
    if (push) {
      try {
        await this.deps.gateway().initiatePush({ ...push, invoiceNumber: invoice.invoiceNumber });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new AppError('PAYMENT_PROVIDER_ERROR', `The mobile-money prompt could not be sent${code ? ` (${code})` : ''}; pay through the payment link instead.`, { topUpId: id, paymentLinkUrl: invoice.paymentLinkUrl });
      }
    }
    return present(row!);
  }

  /**
   * Applies a payment confirmation, from a verified webhook or from reconciliation, in one
   * transaction with the top-up's state change: the top-up row is locked and the ledger reference
   * is unique, so any number of concurrent deliveries credit once.
   */
  async applyPayment(payment: PaymentConfirmation, source: 'webhook' | 'reconciliation'): Promise<PaymentOutcome> {
    const ctx = systemContext(this.db, `billing.${source}`);
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      const topUp = await billingRepository.lockTopUpByInvoice(ex, payment.invoiceNumber, payment.transactionId);
      if (!topUp) {
        await this.flag(ex, 'UNKNOWN_INVOICE', null, payment.invoiceNumber, { ...paymentFacts(payment), source });
        return 'unknown';
      }
      if (topUp.status === 'PAID') return 'duplicate';
      if (payment.paymentStatus && payment.paymentStatus !== 'PAID') return 'ignored';
      const sameInvoice = !topUp.invoiceNumber || topUp.invoiceNumber === payment.invoiceNumber;
      const sameTransaction = !payment.transactionId || payment.transactionId === topUp.transactionId;
      if (payment.amount !== topUp.amount || (payment.currency && payment.currency !== 'RWF') || !sameInvoice || !sameTransaction) {
        await this.flag(ex, 'AMOUNT_MISMATCH', topUp.teamId, payment.invoiceNumber, { ...paymentFacts(payment), expected: topUp.amount, source });
        return 'mismatch';
      }
      const now = this.deps.clock.now();
      const posted = await this.deps.ledger.post(ex, {
        teamId: topUp.teamId,
        kind: 'top_up',
        reference: `top_up:${topUp.id}`,
        description: `Top-up through IremboPay, invoice ${payment.invoiceNumber}`,
        actor: ctx.actor,
        entries: [
          { account: 'team_wallet', teamId: topUp.teamId, amount: topUp.amount },
          { account: 'payment_clearing', teamId: topUp.teamId, amount: -topUp.amount },
        ],
      });
      if (!posted.posted) return 'duplicate';
      const balance = posted.balances.get(topUp.teamId)!;
      await billingRepository.updateTopUp(ex, topUp.id, {
        status: 'PAID',
        invoiceNumber: payment.invoiceNumber,
        paymentMethod: payment.paymentMethod ?? null,
        paidAt: payment.paidAt ?? now,
        ledgerTransactionId: posted.transactionId,
        updatedAt: now,
      });
      const wallet = (await billingRepository.lockWallet(ex, topUp.teamId))!;
      const toppedUpTotal = wallet.toppedUpTotal + topUp.amount;
      await billingRepository.updateWallet(ex, topUp.teamId, { toppedUpTotal, updatedAt: now });
      const teamCtx = { ...ctx, teamId: topUp.teamId };
      await this.deps.audit.record(teamCtx, { action: 'billing.top_up.paid', targetType: 'top_up', targetId: topUp.id, data: { amount: topUp.amount, source } });
      const teamName = (await this.deps.peers.teamName(ex, topUp.teamId)) ?? 'your';
      const recipients = new Set(topUp.requestedBy ? [topUp.requestedBy] : await this.deps.peers.billingContacts(ex, topUp.teamId));
      for (const userId of recipients) {
        await this.deps.notify(teamCtx, {
          template: 'payment-received',
          to: { userId },
          teamId: topUp.teamId,
          variables: { teamName, amountRwf: topUp.amount, balanceRwf: balance, invoiceNumber: payment.invoiceNumber, paidAt: (payment.paidAt ?? now).toISOString() },
        }).catch((err: unknown) => this.deps.logger.warn({ err: { message: (err as Error).message }, teamId: topUp.teamId }, 'payment-received e-mail not queued'));
      }
      await this.checkLowBalance(teamCtx, topUp.teamId);
      if (balance > 0) await this.deps.onFunded(teamCtx, topUp.teamId);
      await this.deps.onToppedUp(teamCtx, topUp.teamId, toppedUpTotal);
      return 'credited';
    });
  }

  /**
   * Reconciliation: asks IremboPay about every open top-up, so a lost or refused notification still
   * credits (once: through `applyPayment`), an unpaid invoice expires, and a top-up whose invoice
   * was never created fails.
   */
  async reconcile(): Promise<{ checked: number; credited: number; expired: number; failed: number }> {
    const now = this.deps.clock.now();
    const open = await billingRepository.openTopUps(this.db, { createdBefore: new Date(now.getTime() - MINUTE), checkedBefore: new Date(now.getTime() - MINUTE), limit: 200 });
    const counts = { checked: 0, credited: 0, expired: 0, failed: 0 };
    for (const topUp of open) {
      counts.checked++;
      let invoice;
      try {
        invoice = await this.deps.gateway().getInvoice(topUp.invoiceNumber ?? topUp.transactionId);
      } catch (err) {
        this.deps.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, topUpId: topUp.id }, 'IremboPay invoice lookup failed');
        continue;
      }
      const at = this.deps.clock.now();
      if (!invoice) {
        // Never created (the provider failed before answering): a top-up nobody can pay.
        if (!topUp.invoiceNumber && topUp.createdAt.getTime() < at.getTime() - 15 * MINUTE) {
          await billingRepository.updateTopUp(this.db, topUp.id, { status: 'FAILED', lastCheckedAt: at, updatedAt: at });
          counts.failed++;
        } else {
          await billingRepository.updateTopUp(this.db, topUp.id, { lastCheckedAt: at });
        }
        continue;
      }
      if (!topUp.invoiceNumber) {
        await billingRepository.updateTopUp(this.db, topUp.id, { invoiceNumber: invoice.invoiceNumber, paymentLinkUrl: invoice.paymentLinkUrl, updatedAt: at });
      }
      if (invoice.paymentStatus === 'PAID') {
        const outcome = await this.applyPayment(
          { invoiceNumber: invoice.invoiceNumber, transactionId: invoice.transactionId, amount: invoice.amount, currency: invoice.currency, paymentStatus: 'PAID', paymentMethod: invoice.paymentMethod ?? null, paidAt: invoice.paidAt ?? null },
          'reconciliation',
        );
        if (outcome === 'credited') counts.credited++;
        if (outcome !== 'credited' && outcome !== 'duplicate') await billingRepository.updateTopUp(this.db, topUp.id, { lastCheckedAt: at });
      } else if ((invoice.expiryAt ?? topUp.expiresAt).getTime() <= at.getTime()) {
        await billingRepository.updateTopUp(this.db, topUp.id, { status: 'EXPIRED', lastCheckedAt: at, updatedAt: at });
        counts.expired++;
      } else {
        await billingRepository.updateTopUp(this.db, topUp.id, { lastCheckedAt: at });
      }
    }
    return counts;
  }

  /**
   * The guard the compute module asks before anything that costs money. A team past due,
   * suspended or terminated is refused with its state's code; creating or upsizing also needs a
   * balance covering the first hours of the new size.
   */
  async assertCanSpend(ex: Executor, teamId: string, intent: { command: 'create' | 'start' | 'reboot' | 'upsize'; specification: string; userId?: string | null }): Promise<void> {
    // Issue 4: a verified phone before the first compute; a child's account creates nothing until a parent consents.
    if (intent.command === 'create' && intent.userId) {
      await this.deps.peers.requireFullAccount(ex, intent.userId);
      await this.deps.peers.requireVerifiedPhone(ex, intent.userId);
    }
    const wallet = await this.walletRow(ex, teamId);
    if (wallet.state === 'PAST_DUE') throw new AppError('TEAM_PAST_DUE');
    if (wallet.state === 'SUSPENDED' || wallet.state === 'TERMINATION_PROPOSED') throw new AppError('TEAM_SUSPENDED');
    if (wallet.state === 'TERMINATED') throw new AppError('TEAM_TERMINATED');
    if (intent.command === 'create' || intent.command === 'upsize') {
      const rate = this.deps.prices.hourlyMilli[intent.specification];
      if (rate === undefined) throw new AppError('RESOURCE_NOT_FOUND', `There is no price for specification ${intent.specification}.`);
      const needed = Math.ceil((rate * this.options.createMinHoursFunded) / 1000);
      if (wallet.balance < Math.max(needed, 1)) {
        throw new AppError('INSUFFICIENT_BALANCE', `The balance (${wallet.balance} RWF) does not cover the first ${this.options.createMinHoursFunded} hours of ${intent.specification} (${needed} RWF): top up first.`);
      }
    } else if (wallet.balance <= 0) {
      throw new AppError('INSUFFICIENT_BALANCE');
    }
  }

  /**
   * Low-balance alert, once per crossing: when the balance falls below the team's threshold or
   * below `lowBalanceDays` of the projected spend, e-mail and SMS go to the Owners and Admins; the
   * mark clears when the balance is back above both.
   */
  async checkLowBalance(ctx: Context, teamId: string): Promise<void> {
    const ex = ctx.tx;
    const wallet = await this.walletRow(ex, teamId);
    const threshold = wallet.lowBalanceThreshold ?? this.options.lowBalanceThreshold;
    const rate = await this.deps.peers.hourlyRateMilli(ex, teamId);
    const daysFloor = this.options.lowBalanceDays > 0 && rate > 0 ? Math.ceil((rate * 24 * this.options.lowBalanceDays) / 1000) : 0;
    const low = wallet.balance < threshold || wallet.balance < daysFloor;
    const now = this.deps.clock.now();
    if (!low) {
      if (wallet.lowBalanceAlertedAt) await billingRepository.updateWallet(ex, teamId, { lowBalanceAlertedAt: null, updatedAt: now });
      return;
    }
    if (wallet.lowBalanceAlertedAt) return;
    await billingRepository.updateWallet(ex, teamId, { lowBalanceAlertedAt: now, updatedAt: now });
    const teamName = (await this.deps.peers.teamName(ex, teamId)) ?? 'your';
    for (const userId of await this.deps.peers.billingContacts(ex, teamId)) {
      await this.deps
        .notify({ ...ctx, teamId }, { template: 'low-balance', to: { userId }, teamId, variables: { teamName, balanceRwf: wallet.balance, thresholdRwf: Math.max(threshold, daysFloor), topUpUrl: '/billing' } })
        .catch(() => undefined); // an erased contact has no address
      await this.deps
        .notify({ ...ctx, teamId }, { template: 'low-balance-sms', to: { userId }, teamId, variables: { teamName: teamName.slice(0, 40), balanceRwf: wallet.balance } })
        .catch(() => undefined); // no verified phone: the e-mail is enough
    }
  }

  /** The team's wallet row, created on first use. */
  async walletRow(ex: Executor, teamId: string): Promise<WalletRow> {
    const row = await billingRepository.wallet(ex, teamId);
    if (row) return row;
    await this.deps.ledger.ensureWallet(ex, teamId);
    return (await billingRepository.wallet(ex, teamId))!;
  }

  /** For staff: open review items, newest first. */
  async reviewItems(limit: number) {
    return billingRepository.reviewItems(this.db, limit);
  }

  /** The ledger check found a disagreement: one review item per problem, for staff. */
  async flagLedger(problems: { unbalanced: { transactionId: number; sum: number }[]; mismatched: { teamId: string; cached: number; entries: number }[] }): Promise<void> {
    const now = this.deps.clock.now();
    for (const u of problems.unbalanced) {
      await billingRepository.flag(this.db, { kind: 'LEDGER_MISMATCH', teamId: null, reference: `transaction:${u.transactionId}`, detail: { ...u }, createdAt: now });
    }
    for (const m of problems.mismatched) {
      await billingRepository.flag(this.db, { kind: 'LEDGER_MISMATCH', teamId: m.teamId, reference: `wallet:${m.teamId}:${now.toISOString().slice(0, 10)}`, detail: { ...m }, createdAt: now });
    }
  }

  private async flag(ex: Executor, kind: 'UNKNOWN_INVOICE' | 'AMOUNT_MISMATCH', teamId: string | null, reference: string, detail: Record<string, unknown>): Promise<void> {
    await billingRepository.flag(ex, { kind, teamId, reference, detail, createdAt: this.deps.clock.now() });
    this.deps.logger.warn({ kind, reference }, 'payment flagged for staff review');
  }
}

/** Only the payment facts, never anything about the payer. */
function paymentFacts(p: PaymentConfirmation): Record<string, unknown> {
  return { invoiceNumber: p.invoiceNumber, transactionId: p.transactionId ?? null, amount: p.amount, currency: p.currency ?? null, paymentStatus: p.paymentStatus ?? null, paymentMethod: p.paymentMethod ?? null };
}

/** A Rwandan mobile-money number in IremboPay's `07XXXXXXXX` form, and its provider (078/079 MTN, 072/073 Airtel). */
export function mobileMoney(input: { phone: string; provider?: 'MTN' | 'AIRTEL' | undefined }): { accountIdentifier: string; paymentProvider: 'MTN' | 'AIRTEL' } {
  const digits = input.phone.replace(/[\s-]/g, '');
  const match = /^(?:\+?250|0)?(7[2389]\d{7})$/.exec(digits);
  if (!match) throw new AppError('VALIDATION_ERROR', 'Mobile money needs a Rwandan number such as 0788 123 456.', [{ field: 'mobileMoney.phone', message: 'must be a Rwandan mobile number' }]);
  const national = `0${match[1]}`;
  const provider = input.provider ?? (/^07[89]/.test(national) ? 'MTN' : 'AIRTEL');
  return { accountIdentifier: national, paymentProvider: provider };
}
