import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorBody, errorResponses, ok, page, paginatedEnvelope, PaginationQuerySchema } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import type { BillingService, TopUpView, WalletView } from './billing.service.ts';
import type { Dunning, ProposalRow } from './dunning.ts';
import type { InvoiceRow, InvoicesService } from './invoices/invoices.service.ts';
import type { Referrals } from './referrals.ts';
import type { PriceList } from './prices.ts';
import { IremboPayNotificationError, parseIremboPayNotification } from './irembopay/client.ts';
import { IREMBOPAY_SIGNATURE_HEADER, verifyIremboPaySignature } from './irembopay/signature.ts';

const security = [{ BearerAuth: [] }];
const tags = ['Billing'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const BalanceSchema = z
  .object({
    balance: z.int().describe('The prepaid balance in RWF (whole francs); negative when usage exceeded it.'),
    currency: z.literal('RWF'),
    state: z.enum(['ACTIVE', 'PAST_DUE', 'SUSPENDED', 'TERMINATION_PROPOSED', 'TERMINATED']).describe('Billing state of the team (dunning).'),
    stateChangedAt: z.string(),
    lowBalanceThreshold: z.int().describe('Low-balance alert threshold, RWF.'),
    hourlyRate: z.int().describe('What the team\'s computes and addresses cost per hour now, RWF (rounded).'),
    projectedDailySpend: z.int().describe('The hourly rate over 24 hours, RWF.'),
    daysLeft: z.int().nullable().describe('Whole days the balance lasts at the current rate; null when nothing is charged.'),
  })
  .meta({ id: 'BillingBalance' });

const TopUpSchema = z
  .object({
    id: z.uuid(),
    amount: z.int(),
    currency: z.literal('RWF'),
    status: z.enum(['PENDING', 'PAID', 'EXPIRED', 'FAILED']),
    invoiceNumber: z.string().nullable().describe('IremboPay invoice number; what the payer sees.'),
    transactionId: z.string().describe('Our merchant transaction id of the IremboPay invoice.'),
    paymentLinkUrl: z.string().nullable().describe('IremboPay hosted checkout: send the payer here.'),
    paymentMethod: z.string().nullable().describe('Payment method type once paid (MTN_MOMO, AIRTEL_MONEY, ONLINE_CARD, …); never an account or card number.'),
    paidAt: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'TopUp' });

const TopUpCreateSchema = z
  .object({
    amount: z.int().positive().describe('RWF, whole francs, within the configured limits.'),
    mobileMoney: z
      .object({
        phone: z.string().min(9).max(20).describe('Rwandan mobile-money number, e.g. 0788123456; used for this prompt only and not stored.'),
        provider: z.enum(['MTN', 'AIRTEL']).optional().describe('Defaults from the number (078/079 MTN, 072/073 Airtel).'),
      })
      .optional()
      .describe('Also send a payment prompt to this phone (MTN MoMo or Airtel Money).'),
    language: z.enum(['en', 'fr', 'rw']).optional().describe('Language of the IremboPay checkout.'),
  })
  .meta({ id: 'TopUpCreateInput' });

const TransactionSchema = z
  .object({
    id: z.int(),
    kind: z.enum(['top_up', 'usage', 'credit', 'referral', 'adjustment', 'refund']),
    description: z.string(),
    amount: z.int().describe('Signed RWF: positive credits the wallet, negative debits it.'),
    createdAt: z.string(),
  })
  .meta({ id: 'WalletTransaction' });

const ProposalSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['PROPOSED', 'APPROVED', 'REJECTED', 'WITHDRAWN']),
    proposedAt: z.string(),
    balance: z.int(),
    reviewRequestedAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
  })
  .meta({ id: 'TerminationProposal' });

const InvoiceSchema = z
  .object({
    id: z.uuid(),
    number: z.string().describe('INV-<year>-<sequence>: gap-free per year.'),
    period: z.string().describe('The month invoiced, YYYY-MM (UTC).'),
    lines: z.array(
      z.object({
        kind: z.string().describe('compute, ipv4 or credit'),
        resourceId: z.string().nullable(),
        description: z.string(),
        quantity: z.number().describe('Hours for a compute, months for an address.'),
        amount: z.int().describe('RWF, VAT included; negative for credits.'),
      }),
    ),
    usageTotal: z.int(),
    credits: z.int(),
    total: z.int().describe('What the wallet paid, RWF, VAT included.'),
    taxRate: z.number().describe('VAT rate contained in the prices, percent.'),
    tax: z.int().describe('The VAT contained in the total, RWF.'),
    currency: z.literal('RWF'),
    issuedAt: z.string(),
  })
  .meta({ id: 'Invoice' });

const presentInvoice = (i: InvoiceRow) => ({
  id: i.id,
  number: i.number,
  period: i.periodStart.toISOString().slice(0, 7),
  lines: i.lines,
  usageTotal: i.usageTotal,
  credits: i.credits,
  total: i.total,
  taxRate: i.taxRateBp / 100,
  tax: i.tax,
  currency: 'RWF' as const,
  issuedAt: i.issuedAt.toISOString(),
});

const presentWallet = (w: WalletView) => ({ ...w, stateChangedAt: w.stateChangedAt.toISOString() });
const presentTopUp = (t: TopUpView) => ({ ...t, paidAt: iso(t.paidAt), expiresAt: t.expiresAt.toISOString(), createdAt: t.createdAt.toISOString() });
const presentProposal = (p: ProposalRow) => ({
  id: p.id,
  status: p.status,
  proposedAt: p.proposedAt.toISOString(),
  balance: p.balance,
  reviewRequestedAt: iso(p.reviewRequestedAt),
  decidedAt: iso(p.decidedAt),
  decisionNote: p.decisionNote,
});

export function billingRoutes(app: FastifyInstance, deps: { clock: Clock; billing: BillingService; dunning: Dunning; invoices: InvoicesService; referrals: Referrals; prices: PriceList }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  r.get('/api/v1/billing/prices', {
    schema: {
      summary: 'Price list',
      description:
        'What each compute specification and a public IPv4 address cost, in RWF. A compute is charged per started hour (running or stopped) at its monthly price ' +
        'spread over an average month of 730.5 hours; `hourly` is that rate rounded to 0.001 RWF. A public IPv4 is a monthly fee for every month it is held.',
      tags, security,
      response: {
        200: envelope(
          z
            .object({
              currency: z.literal('RWF'),
              hoursPerMonth: z.number(),
              specifications: z.array(z.object({ specification: z.string(), monthly: z.int(), hourly: z.number() })),
              publicIpv4Monthly: z.int(),
            })
            .meta({ id: 'PriceList' }),
        ),
        ...errorResponses(401, 429, 500),
      },
    },
  }, async (req) =>
    ok(req.id, now(), {
      currency: 'RWF' as const,
      hoursPerMonth: 730.5,
      specifications: Object.entries(deps.prices.monthly).map(([specification, monthly]) => ({ specification, monthly, hourly: deps.prices.hourlyMilli[specification]! / 1000 })),
      publicIpv4Monthly: deps.prices.ipv4Monthly,
    }));

  r.get('/api/v1/billing/balance', {
    schema: {
      summary: 'Get the balance',
      description: 'The team\'s prepaid wallet in RWF, its billing state, and the current hourly rate. Everyone in the team (`billing.read`).',
      tags, security,
      response: { 200: envelope(BalanceSchema), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentWallet(await deps.billing.wallet(req.ctx))));

  r.patch('/api/v1/billing/settings', {
    schema: {
      summary: 'Change billing settings',
      description: 'Sets the low-balance alert threshold (null: the platform default). Owner and Admin (`billing.write`).',
      tags, security,
      body: z.object({ lowBalanceThreshold: z.int().min(0).max(100_000_000).nullable() }).meta({ id: 'BillingSettingsInput' }),
      response: { 200: envelope(BalanceSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentWallet(await deps.billing.updateSettings(req.ctx, req.body)), 'Billing settings saved'));

  r.get('/api/v1/billing/transactions', {
    schema: {
      summary: 'List wallet transactions',
      description: 'Every movement of the wallet (top-ups, usage debits, credits, adjustments), newest first.',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(TransactionSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.billing.transactions(req.ctx, req.query.limit, (req.query.page - 1) * req.query.limit);
    return page(req.id, now(), rows.map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })), { total, page: req.query.page, limit: req.query.limit });
  });

  r.get('/api/v1/billing/spend', {
    schema: {
      summary: 'Daily spend',
      description: 'Usage debited per UTC day, for the last `days` days (default 30), with zero days included.',
      tags, security,
      querystring: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }),
      response: { 200: envelope(z.array(z.object({ day: z.string(), amount: z.int() }).meta({ id: 'DailySpend' }))), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.billing.dailySpend(req.ctx, req.query.days)));

  r.post('/api/v1/billing/top-ups', {
    config: { idempotency: true },
    schema: {
      summary: 'Top up the wallet',
      description:
        'Creates an IremboPay invoice for `amount` RWF and answers with its hosted checkout link (`paymentLinkUrl`). The wallet is credited once IremboPay confirms the payment. ' +
        'Needs a verified phone and a full account; Owner and Admin (`billing.write`). An `Idempotency-Key` header (UUID v4) makes a retry safe.',
      tags, security,
      body: TopUpCreateSchema,
      response: {
        201: envelope(TopUpSchema, 'Created'),
        ...errorResponses(400, 401, [403, ['FORBIDDEN', 'PHONE_VERIFICATION_REQUIRED', 'DATE_OF_BIRTH_REQUIRED', 'PARENTAL_CONSENT_REQUIRED', 'TEAM_TERMINATED']], [422, ['IDEMPOTENCY_KEY_REUSED']], 429, 500, [502, ['PAYMENT_PROVIDER_ERROR']]),
      },
    },
  }, async (req, reply) => {
    const topUp = await deps.billing.createTopUp(req.ctx, { amount: req.body.amount, mobileMoney: req.body.mobileMoney, locale: req.body.language });
    return reply.code(201).send(ok(req.id, now(), presentTopUp(topUp), 'Top-up created: pay it through the payment link'));
  });

  r.get('/api/v1/billing/top-ups', {
    schema: {
      summary: 'List top-ups',
      description: 'The team\'s top-ups, newest first, with their IremboPay invoice and status.',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(TopUpSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.billing.topUps(req.ctx, req.query.limit, (req.query.page - 1) * req.query.limit);
    return page(req.id, now(), rows.map(presentTopUp), { total, page: req.query.page, limit: req.query.limit });
  });

  r.get('/api/v1/billing/top-ups/:topUpId', {
    schema: {
      summary: 'Get a top-up',
      tags, security,
      params: z.object({ topUpId: z.uuid() }),
      response: { 200: envelope(TopUpSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentTopUp(await deps.billing.topUp(req.ctx, req.params.topUpId))));

  r.get('/api/v1/billing/invoices', {
    schema: {
      summary: 'List invoices',
      description: 'Monthly invoices of the team, newest first. Issued on the 1st for the month before, for months with usage.',
      tags, security,
      querystring: PaginationQuerySchema,
      response: { 200: paginatedEnvelope(InvoiceSchema), ...errorResponses(400, 401, 403, 429, 500) },
    },
  }, async (req) => {
    const { rows, total } = await deps.invoices.list(req.ctx, req.query.limit, (req.query.page - 1) * req.query.limit);
    return page(req.id, now(), rows.map(presentInvoice), { total, page: req.query.page, limit: req.query.limit });
  });

  r.get('/api/v1/billing/invoices/:invoiceId', {
    schema: {
      summary: 'Get an invoice',
      tags, security,
      params: z.object({ invoiceId: z.uuid() }),
      response: { 200: envelope(InvoiceSchema), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentInvoice(await deps.invoices.get(req.ctx, req.params.invoiceId))));

  r.get('/api/v1/billing/invoices/:invoiceId/pdf', {
    schema: {
      summary: 'Download an invoice as PDF',
      description: 'The invoice rendered as an A4 PDF (`application/pdf`).',
      tags, security,
      params: z.object({ invoiceId: z.uuid() }),
      response: { 200: z.any().describe('The PDF file.'), ...errorResponses(400, 401, 403, 404, 429, 500) },
    },
  }, async (req, reply) => {
    const { filename, content } = await deps.invoices.pdf(req.ctx, req.params.invoiceId);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).send(content);
  });

  r.get('/api/v1/me/referral', {
    schema: {
      summary: 'Your referral link',
      description: 'Your referral code and link, and how many people claimed it. When someone you referred tops up enough on a team they own, you both get a credit, once.',
      tags, security,
      response: { 200: envelope(z.object({ code: z.string(), link: z.string(), referred: z.int(), rewarded: z.int() }).meta({ id: 'Referral' })), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), await deps.referrals.mine(req.ctx)));

  r.post('/api/v1/me/referral/claim', {
    schema: {
      summary: 'Claim a referral',
      description: 'Names the person who referred you, by their code: once, in the first 30 days of your account and before your first top-up.',
      tags, security,
      body: z.object({ code: z.string().trim().min(4).max(32) }).meta({ id: 'ReferralClaimInput' }),
      response: { 200: envelope(z.object({ claimed: z.literal(true) })), ...errorResponses(400, 401, 403, 404, 409, 429, 500) },
    },
  }, async (req) => {
    await deps.referrals.claim(req.ctx, req.body.code);
    return ok(req.id, now(), { claimed: true as const }, 'Referral claimed');
  });

  r.get('/api/v1/billing/termination-proposal', {
    schema: {
      summary: 'Get the termination proposal',
      description: 'The latest proposal to terminate the team for non-payment, if any. A proposal is never carried out without a staff member\'s decision.',
      tags, security,
      response: { 200: envelope(ProposalSchema.nullable()), ...errorResponses(401, 403, 429, 500) },
    },
  }, async (req) => {
    const proposal = await deps.dunning.proposalOf(req.ctx);
    return ok(req.id, now(), proposal ? presentProposal(proposal) : null);
  });

  r.post('/api/v1/billing/termination-proposal/review', {
    schema: {
      summary: 'Ask for a human review',
      description: 'Asks staff to review the open termination proposal, with what you want them to know (privacy notice §6). Owner and Admin.',
      tags, security,
      body: z.object({ note: z.string().trim().min(1).max(2000) }).meta({ id: 'TerminationReviewInput' }),
      response: { 200: envelope(ProposalSchema), ...errorResponses(400, 401, 403, 409, 429, 500) },
    },
  }, async (req) => ok(req.id, now(), presentProposal(await deps.dunning.requestReview(req.ctx, req.body.note)), 'Review requested'));
}

/**
 * IremboPay's payment notifications. The signature is checked over the exact bytes received,
 * with a timestamp (epoch milliseconds) within five minutes; a verified payment credits the
 * wallet once, whatever the number of deliveries. An unknown invoice or a wrong amount is
 * refused and flagged for staff.
 */
export function irembopayWebhookRoutes(app: FastifyInstance, deps: { clock: Clock; billing: BillingService; secretKey: string }) {
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    scope.post('/webhooks/irembopay', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const header = req.headers[IREMBOPAY_SIGNATURE_HEADER];
      const check = verifyIremboPaySignature(raw, typeof header === 'string' ? header : undefined, deps.secretKey, deps.clock.now().getTime());
      if (!check.ok) {
        req.log.warn({ reason: check.reason }, 'IremboPay notification refused');
        return reply.code(401).send(errorBody(req.id, deps.clock.now(), 'INVALID_SIGNATURE', `The irembopay-signature header is ${check.reason === 'stale' ? 'too old or too far in the future' : check.reason}.`));
      }
      let notification;
      try {
        notification = parseIremboPayNotification(raw);
      } catch (err) {
        if (err instanceof IremboPayNotificationError) return reply.code(400).send(errorBody(req.id, deps.clock.now(), 'BAD_REQUEST', 'The notification is not a payment notification.'));
        throw err;
      }
      const d = notification.data;
      const outcome = await deps.billing.applyPayment(
        { invoiceNumber: d.invoiceNumber, transactionId: d.transactionId, amount: d.amount, currency: d.currency ?? null, paymentStatus: d.paymentStatus ?? null, paymentMethod: d.paymentMethod ?? null, paidAt: d.paidAt ?? null },
        'webhook',
      );
      if (outcome === 'unknown') return reply.code(404).send(errorBody(req.id, deps.clock.now(), 'RESOURCE_NOT_FOUND', 'No top-up has this invoice; staff have been told.'));
      if (outcome === 'mismatch') return reply.code(422).send(errorBody(req.id, deps.clock.now(), 'UNPROCESSABLE_ENTITY', 'The payment does not match the invoice; staff have been told.'));
      return reply.code(200).send({ success: true, outcome });
    });
  });
}
