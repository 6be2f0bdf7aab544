import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { systemClock, type Clock } from '../../../shared/clock.ts';
import { parseIremboPayDate } from './client.ts';
import { CHECKOUT_METHODS, checkoutPage, checkoutStatusPage, type CheckoutView } from './sandbox-checkout.page.ts';
import { IREMBOPAY_SIGNATURE_HEADER, signIremboPay } from './signature.ts';

/** Where the platform mounts the sandbox; the embedded default calls IremboPay at `${PUBLIC_URL}${IREMBOPAY_SANDBOX_PREFIX}`. */
export const IREMBOPAY_SANDBOX_PREFIX = '/sandbox/irembopay';

export interface IremboPaySandboxOptions {
  /** The only key accepted in `irembopay-secretkey`, and the key notifications are signed with. */
  secretKey: string;
  /** Payment account identifier → currency. Default `{ 'TST-RWF': 'RWF' }`. */
  paymentAccounts?: Record<string, string>;
  /** Where signed payment notifications are POSTed; can be changed later with `controls.setCallbackUrl`. */
  callbackUrl?: string;
  /** Drives createdAt/paidAt, expiry and signature timestamps. Waits (delays, backoff) are real time. */
  clock?: Clock;
  /** Base of `paymentLinkUrl` (`${publicBaseUrl}/checkout/<invoiceNumber>`); the origin `returnUrl` must have. */
  publicBaseUrl?: string;
  /** How long the "phone" takes to approve a mobile-money push. Default 2 s. */
  pushApprovalMs?: number;
  /** Wait before the first retry of a refused notification, doubled each time. Default 1 s. */
  retryDelayMs?: number;
  /** Tries per notification copy, first included. Default 4. */
  maxAttempts?: number;
}

/** One try at delivering one copy of a notification. */
export interface IremboPaySandboxDelivery {
  invoiceNumber: string;
  transactionId: string;
  /** 1-based copy number (see `duplicates`). */
  copy: number;
  /** 1 for the first try of a copy, more for retries. */
  attempt: number;
  at: Date;
  url: string | undefined;
  /** The receiver's HTTP status; null when nothing answered. */
  status: number | null;
  /** Why there was no answer: dropped by `failNext`, no callback URL set, or the receiver unreachable. */
  failure?: 'dropped' | 'no_callback_url' | 'unreachable';
  body: string;
  signature: string;
}

/** Test switches (ours, not IremboPay's). */
export interface IremboPaySandboxControls {
  setCallbackUrl(url: string | undefined): void;
  /** Every later notification is delivered `n` times (default 1), concurrently, as a retrying sender may. */
  duplicates(n: number): void;
  /** Later notifications wait `ms` before their first try (0 turns it off). */
  delay(ms: number): void;
  /** While on, notifications are held; `flush()` delivers the held ones newest first, one after the other. */
  reorder(on?: boolean): void;
  /** The next `n` delivery tries are dropped, never sent (and retried, within `maxAttempts`). */
  failNext(n: number): void;
  /** Moves the invoice's expiry to now: push, checkout and pay refuse it from then on. */
  expire(invoiceNumber: string): void;
  /** What `POST /invoices/:invoiceNumber/pay` does, without HTTP. Answers the invoice as IremboPay would. */
  pay(invoiceNumber: string, paymentMethod?: string): Record<string, unknown>;
  /** Every delivery try so far, oldest first. */
  readonly deliveries: readonly IremboPaySandboxDelivery[];
  /** Releases held notifications, then waits until every pending approval, delivery and retry is done. */
  flush(): Promise<void>;
  /** Switches back to normal (held notifications stay held until `flush`). */
  reset(): void;
}

export interface IremboPaySandbox {
  /** The sandbox's IremboPay API base URL (`http://127.0.0.1:<port>`). */
  baseUrl: string;
  controls: IremboPaySandboxControls;
  close(): Promise<void>;
}

interface PaymentItem {
  code: string;
  quantity: number;
  unitAmount: number;
}

interface Invoice {
  invoiceNumber: string;
  transactionId: string;
  paymentAccountIdentifier: string;
  paymentItems: PaymentItem[];
  amount: number;
  currency: string;
  description?: string;
  language?: string;
  /** Memory only: echoed by the API as IremboPay does, never in notifications, never logged. */
  customer?: { email?: string; phoneNumber?: string; name?: string };
  createdAt: Date;
  updatedAt: Date;
  expiryAt?: Date;
  paidAt?: Date;
  paymentStatus: 'NEW' | 'PAID';
  paymentMethod?: string;
  paymentReference?: string;
}

interface Job {
  invoiceNumber: string;
  transactionId: string;
  body: string;
  copy: number;
}

class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const PAYMENT_METHODS = ['MTN_MOMO', 'AIRTEL_MONEY', 'EQUITY', 'BK', 'ONLINE_CARD'] as const;
const ItemSchema = z.object({
  code: z.string().min(1).max(100),
  quantity: z.number().int().positive(),
  unitAmount: z.number().int().positive(),
});
const CreateSchema = z.object({
  transactionId: z.string().min(1).max(100),
  paymentAccountIdentifier: z.string().min(1),
  paymentItems: z.array(ItemSchema).min(1).max(100),
  description: z.string().max(500).optional(),
  expiryAt: z.string().optional(),
  language: z.enum(['EN', 'FR', 'RW']).optional(),
  customer: z.object({ email: z.string().max(254).optional(), phoneNumber: z.string().max(20).optional(), name: z.string().max(200).optional() }).optional(),
});
const UpdateSchema = z.object({ expiryAt: z.string().optional(), paymentItems: z.array(ItemSchema).min(1).max(100).optional() });
const PayControlSchema = z.object({ paymentMethod: z.enum(PAYMENT_METHODS).optional() });

/** IremboPay's own format: Kigali time with an hour-only offset (`2026-11-27T10:00:00.000+02`). */
function iremboTime(date: Date): string {
  return new Date(date.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02');
}

/** The first problem zod found, by path: never the value sent (it may be a phone number). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`;
}

function sumItems(items: PaymentItem[]): number {
  const amount = items.reduce((sum, item) => sum + item.quantity * item.unitAmount, 0);
  if (!Number.isSafeInteger(amount)) throw new SandboxError(400, 'BAD_DATA', 'paymentItems: the total is too large');
  return amount;
}

/** `07XXXXXXXX`, or the same with the country code (`2507XXXXXXXX`, the docs also speak of 12 digits). */
function nationalNumber(value: string): string | undefined {
  const digits = value.replace(/^\+/, '');
  if (/^07\d{8}$/.test(digits)) return digits;
  if (/^2507\d{8}$/.test(digits)) return `0${digits.slice(3)}`;
  return undefined;
}

/** Rwandan numbering plan: 078/079 are MTN, 072/073 Airtel (providers.md §1.5, inferred). */
function operatorOf(national: string): 'MTN' | 'AIRTEL' | undefined {
  if (/^07[89]/.test(national)) return 'MTN';
  if (/^07[23]/.test(national)) return 'AIRTEL';
  return undefined;
}

/** The state and rules of one sandbox; the routes below are a thin HTTP layer over it. */
class SandboxCore {
  readonly invoices = new Map<string, Invoice>();
  private readonly byTransactionId = new Map<string, string>();
  readonly deliveries: IremboPaySandboxDelivery[] = [];
  private readonly paymentAccounts: Record<string, string>;
  private readonly clock: Clock;
  private readonly pushApprovalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private callbackUrl: string | undefined;
  publicBaseUrl: string;

  private copies = 1;
  private delayMs = 0;
  private holding = false;
  private dropNext = 0;
  private held: Job[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();
  private readonly stop = new AbortController();
  private closed = false;

  constructor(readonly options: IremboPaySandboxOptions) {
    if (!options.secretKey) throw new Error('the IremboPay sandbox needs a secret key');
    this.paymentAccounts = options.paymentAccounts ?? { 'TST-RWF': 'RWF' };
    this.clock = options.clock ?? systemClock;
    this.callbackUrl = options.callbackUrl;
    this.publicBaseUrl = (options.publicBaseUrl ?? '').replace(/\/+$/, '');
    this.pushApprovalMs = options.pushApprovalMs ?? 2_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  }

  authorised(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const given = crypto.createHash('sha256').update(header).digest();
    const expected = crypto.createHash('sha256').update(this.options.secretKey).digest();
    return crypto.timingSafeEqual(given, expected);
  }

  find(ref: string): Invoice | undefined {
    return this.invoices.get(ref) ?? this.invoices.get(this.byTransactionId.get(ref) ?? '');
  }

  private get(invoiceNumber: string): Invoice {
    const invoice = this.invoices.get(invoiceNumber);
    if (!invoice) throw new SandboxError(404, 'INVOICE_NOT_FOUND', 'Invoice not found');
    return invoice;
  }

  expired(invoice: Invoice): boolean {
    return invoice.expiryAt !== undefined && invoice.expiryAt.getTime() <= this.clock.now().getTime();
  }

  private parseExpiry(value: string | undefined): Date | undefined {
    if (value === undefined) return undefined;
    const at = parseIremboPayDate(value);
    if (!at) throw new SandboxError(400, 'BAD_DATA', 'expiryAt: not an RFC 3339 date and time');
    if (at.getTime() <= this.clock.now().getTime()) throw new SandboxError(400, 'BAD_DATA', 'expiryAt: must be in the future');
    return at;
  }

  create(body: unknown): Invoice {
    const parsed = CreateSchema.safeParse(body);
    if (!parsed.success) throw new SandboxError(400, 'BAD_DATA', firstIssue(parsed.error));
    const input = parsed.data;
    const currency = this.paymentAccounts[input.paymentAccountIdentifier];
    if (!currency) throw new SandboxError(400, 'PAYMENT_ACCOUNT_NOT_FOUND', 'paymentAccountIdentifier: no such payment account');
    const amount = sumItems(input.paymentItems);
    const expiryAt = this.parseExpiry(input.expiryAt);
    if (this.byTransactionId.has(input.transactionId)) throw new SandboxError(400, 'DUPLICATE_TRANSACTION_ID', 'An invoice with this transactionId already exists');

    let invoiceNumber = '';
    for (let i = 0; i < 20 && (invoiceNumber === '' || this.invoices.has(invoiceNumber)); i++) invoiceNumber = String(crypto.randomInt(100_000_000_000, 1_000_000_000_000));
    if (this.invoices.has(invoiceNumber)) throw new SandboxError(500, 'INTERNAL_ERROR', 'No free invoice number');

    const now = this.clock.now();
    const invoice: Invoice = {
      invoiceNumber,
      transactionId: input.transactionId,
      paymentAccountIdentifier: input.paymentAccountIdentifier,
      paymentItems: input.paymentItems,
      amount,
      currency,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.language !== undefined ? { language: input.language } : {}),
      ...(input.customer !== undefined ? { customer: input.customer } : {}),
      createdAt: now,
      updatedAt: now,
      ...(expiryAt ? { expiryAt } : {}),
      paymentStatus: 'NEW',
    };
    this.invoices.set(invoiceNumber, invoice);
    this.byTransactionId.set(invoice.transactionId, invoiceNumber);
    return invoice;
  }

  update(invoiceNumber: string, body: unknown): Invoice {
    const invoice = this.get(invoiceNumber);
    if (invoice.paymentStatus === 'PAID') throw new SandboxError(400, 'INVOICE_ALREADY_PAID', 'A paid invoice cannot be changed');
    const parsed = UpdateSchema.safeParse(body);
    if (!parsed.success) throw new SandboxError(400, 'BAD_DATA', firstIssue(parsed.error));
    const expiryAt = this.parseExpiry(parsed.data.expiryAt);
    if (parsed.data.paymentItems) {
      invoice.amount = sumItems(parsed.data.paymentItems);
      invoice.paymentItems = parsed.data.paymentItems;
    }
    if (expiryAt) invoice.expiryAt = expiryAt;
    invoice.updatedAt = this.clock.now();
    return invoice;
  }

  /** `POST /payments/transactions/initiate`: checks in the order the documented errors suggest, then approves later. */
  initiatePush(body: unknown): Record<string, unknown> {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (typeof b.accountIdentifier !== 'string' || b.accountIdentifier === '') throw new SandboxError(400, 'PHONE_NUMBER_MISSING', 'accountIdentifier is required');
    if (typeof b.invoiceNumber !== 'string' || b.invoiceNumber === '') throw new SandboxError(400, 'INVOICE_MISSING', 'invoiceNumber is required');
    const provider = b.paymentProvider;
    if (provider !== 'MTN' && provider !== 'AIRTEL') throw new SandboxError(400, 'BAD_PAYMENT_PROVIDER', 'paymentProvider must be MTN or AIRTEL');
    const national = nationalNumber(b.accountIdentifier);
    const operator = national ? operatorOf(national) : undefined;
    if (!national || !operator) throw new SandboxError(400, 'BAD_PHONE_NUMBER', 'accountIdentifier must be a Rwandan mobile number, 07XXXXXXXX');
    const invoice = this.get(b.invoiceNumber);
    if (invoice.paymentStatus === 'PAID') throw new SandboxError(400, 'INVOICE_ALREADY_PAID', 'The invoice is already paid');
    if (this.expired(invoice)) throw new SandboxError(400, 'INVOICE_EXPIRED', 'The invoice has expired');
    if (invoice.currency !== 'RWF') throw new SandboxError(400, 'BAD_DATA', 'Mobile money push works for RWF invoices only');
    if (operator !== provider) throw new SandboxError(400, 'PAYMENT_PROVIDER_ERROR', `The number is not on ${provider}`);

    const referenceId = crypto.randomUUID();
    this.track(
      this.sleep(this.pushApprovalMs).then(() => {
        // The payer approves on the phone, unless the invoice was paid or expired meanwhile.
        const current = this.invoices.get(invoice.invoiceNumber);
        if (this.closed || !current || current.paymentStatus === 'PAID' || this.expired(current)) return;
        this.markPaid(current, provider === 'MTN' ? 'MTN_MOMO' : 'AIRTEL_MONEY');
      }),
    );
    return { accountIdentifier: national, paymentProvider: provider, invoiceNumber: invoice.invoiceNumber, amount: invoice.amount, referenceId };
  }

  /** A payment by any route (checkout, push, control path): PAID, then the signed notification. */
  pay(invoiceNumber: string, paymentMethod = 'MTN_MOMO'): Invoice {
    const invoice = this.get(invoiceNumber);
    if (invoice.paymentStatus === 'PAID') throw new SandboxError(409, 'INVOICE_ALREADY_PAID', 'The invoice is already paid');
    if (this.expired(invoice)) throw new SandboxError(400, 'INVOICE_EXPIRED', 'The invoice has expired');
    this.markPaid(invoice, paymentMethod);
    return invoice;
  }

  private markPaid(invoice: Invoice, paymentMethod: string): void {
    const now = this.clock.now();
    invoice.paymentStatus = 'PAID';
    invoice.paymentMethod = paymentMethod;
    invoice.paymentReference = `SBX-${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
    invoice.paidAt = now;
    invoice.updatedAt = now;
    this.notify(invoice);
  }

  expire(invoiceNumber: string): void {
    const invoice = this.get(invoiceNumber);
    invoice.expiryAt = this.clock.now();
    invoice.updatedAt = invoice.expiryAt;
  }

  /** The invoice as IremboPay's API answers it. */
  wire(invoice: Invoice, withCustomer: boolean): Record<string, unknown> {
    return {
      invoiceNumber: invoice.invoiceNumber,
      transactionId: invoice.transactionId,
      paymentAccountIdentifier: invoice.paymentAccountIdentifier,
      paymentItems: invoice.paymentItems,
      paymentStatus: invoice.paymentStatus,
      amount: invoice.amount,
      currency: invoice.currency,
      type: 'SINGLE',
      createdAt: iremboTime(invoice.createdAt),
      updatedAt: iremboTime(invoice.updatedAt),
      ...(invoice.expiryAt ? { expiryAt: iremboTime(invoice.expiryAt) } : {}),
      ...(invoice.paidAt ? { paidAt: iremboTime(invoice.paidAt) } : {}),
      ...(invoice.paymentMethod ? { paymentMethod: invoice.paymentMethod } : {}),
      ...(invoice.paymentReference ? { paymentReference: invoice.paymentReference } : {}),
      ...(invoice.description !== undefined ? { description: invoice.description } : {}),
      ...(invoice.language ? { language: invoice.language } : {}),
      ...(withCustomer && invoice.customer ? { customer: invoice.customer } : {}),
      paymentLinkUrl: `${this.publicBaseUrl}/checkout/${invoice.invoiceNumber}`,
    };
  }

  // ---- notifications ----

  private notify(invoice: Invoice): void {
    // The documented envelope, with every invoice field but the customer (the receiver needs none of it).
    const body = JSON.stringify({ success: true, data: this.wire(invoice, false) });
    for (let copy = 1; copy <= this.copies; copy++) {
      const job = { invoiceNumber: invoice.invoiceNumber, transactionId: invoice.transactionId, body, copy };
      if (this.holding) this.held.push(job);
      else this.track(this.run(job, this.delayMs));
    }
  }

  private async run(job: Job, delayMs: number): Promise<void> {
    if (delayMs > 0) await this.sleep(delayMs);
    for (let attempt = 1; attempt <= this.maxAttempts && !this.closed; attempt++) {
      if (await this.attempt(job, attempt)) return;
      if (attempt < this.maxAttempts) await this.sleep(this.retryDelayMs * 2 ** (attempt - 1));
    }
  }

  private async attempt(job: Job, attempt: number): Promise<boolean> {
    const at = this.clock.now();
    const signature = signIremboPay(this.options.secretKey, job.body, at.getTime());
    const url = this.callbackUrl;
    const entry: IremboPaySandboxDelivery = { invoiceNumber: job.invoiceNumber, transactionId: job.transactionId, copy: job.copy, attempt, at, url, status: null, body: job.body, signature };
    this.deliveries.push(entry);
    if (this.dropNext > 0) {
      this.dropNext--;
      entry.failure = 'dropped';
      return false;
    }
    if (!url) {
      entry.failure = 'no_callback_url';
      return false;
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IREMBOPAY_SIGNATURE_HEADER]: signature, 'user-agent': 'IremboPay-Sandbox' },
        body: job.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(5_000), this.stop.signal]),
      });
      await res.arrayBuffer();
      entry.status = res.status;
      return res.status >= 200 && res.status < 300;
    } catch {
      entry.failure = 'unreachable';
      return false;
    }
  }

  private track(work: Promise<unknown>): void {
    const p: Promise<unknown> = work.catch(() => undefined).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Real-time wait that `close` cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private release(): void {
    const held = this.held.splice(0).reverse();
    if (held.length === 0) return;
    // One after the other, so the receiver sees them newest first.
    this.track(
      (async () => {
        for (const job of held) await this.run(job, 0);
      })(),
    );
  }

  async flush(): Promise<void> {
    // Bounded: each round ends pending work, and work only creates more through held notifications.
    for (let round = 0; round < 100 && (this.held.length > 0 || this.pending.size > 0); round++) {
      this.release();
      await Promise.allSettled([...this.pending]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    for (const wake of [...this.sleepers]) wake();
    await Promise.allSettled([...this.pending]);
  }

  controls(): IremboPaySandboxControls {
    const deliveries = this.deliveries;
    return {
      setCallbackUrl: (url) => {
        this.callbackUrl = url;
      },
      duplicates: (n) => {
        this.copies = Math.max(1, Math.floor(n));
      },
      delay: (ms) => {
        this.delayMs = Math.max(0, ms);
      },
      reorder: (on = true) => {
        this.holding = on;
      },
      failNext: (n) => {
        this.dropNext += Math.max(0, Math.floor(n));
      },
      expire: (invoiceNumber) => this.expire(invoiceNumber),
      pay: (invoiceNumber, paymentMethod) => this.wire(this.pay(invoiceNumber, paymentMethod), true),
      deliveries,
      flush: () => this.flush(),
      reset: () => {
        this.copies = 1;
        this.delayMs = 0;
        this.holding = false;
        this.dropNext = 0;
      },
    };
  }
}

// ---- HTTP ----

function refuse(reply: FastifyReply, e: SandboxError) {
  return reply.code(e.status).send({ success: false, message: e.detail, errors: [{ code: e.code, detail: e.detail }] });
}

function jsonBody(req: FastifyRequest): unknown {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new SandboxError(400, 'BAD_DATA', 'The request body is not valid JSON');
  }
}

function formBody(req: FastifyRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(typeof req.body === 'string' ? req.body : ''));
}

/** Only a URL on the sandbox's public origin is offered as a way back: never an open redirect. */
function safeReturnUrl(value: unknown, publicBaseUrl: string): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 2048 || !publicBaseUrl) return undefined;
  try {
    const base = new URL(publicBaseUrl);
    const url = new URL(value, base);
    return url.origin === base.origin && (url.protocol === 'http:' || url.protocol === 'https:') ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function sandboxRoutes(core: SandboxCore) {
  return async (scope: FastifyInstance) => {
    // This scope reads bodies itself: JSON for the API, URL-encoded for the checkout form.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    scope.addHook('onClose', () => core.close());

    const prefix = scope.prefix;
    const route = { schema: { hide: true } };
    const html = (reply: FastifyReply, status: number, page: string) =>
      reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);

    /** The IremboPay API routes: key check, then the operation; IremboPay's error envelope for refusals. */
    const api = (handle: (req: FastifyRequest) => { status?: number; message: string; data: unknown }) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        if (!core.authorised(req.headers['irembopay-secretkey'])) throw new SandboxError(401, 'AUTHENTICATION_FAILED', 'Invalid IremboPay secret key');
        const out = handle(req);
        return reply.code(out.status ?? 200).send({ success: true, message: out.message, data: out.data });
      } catch (err) {
        if (err instanceof SandboxError) return refuse(reply, err);
        throw err;
      }
    };
    type WithRef = FastifyRequest<{ Params: { ref: string } }>;
    type WithNumber = FastifyRequest<{ Params: { invoiceNumber: string } }>;

    scope.post('/payments/invoices', route, api((req) => ({ status: 201, message: 'Invoice created successfully', data: core.wire(core.create(jsonBody(req)), true) })));

    scope.get('/payments/invoices/:ref', route, api((req) => {
      const invoice = core.find((req as WithRef).params.ref);
      if (!invoice) throw new SandboxError(404, 'INVOICE_NOT_FOUND', 'Invoice not found');
      return { message: 'Invoice retrieved successfully', data: core.wire(invoice, true) };
    }));

    scope.put('/payments/invoices/:invoiceNumber', route, api((req) => ({
      message: 'Invoice updated successfully',
      data: core.wire(core.update((req as WithNumber).params.invoiceNumber, jsonBody(req)), true),
    })));

    scope.post('/payments/transactions/initiate', route, api((req) => ({ message: 'Push payment initiated', data: core.initiatePush(jsonBody(req)) })));

    // Ours, not IremboPay's: pays as the checkout's Pay button does. No key, like the checkout page.
    scope.post('/invoices/:invoiceNumber/pay', route, async (req, reply) => {
      try {
        const parsed = PayControlSchema.safeParse(jsonBody(req) ?? {});
        if (!parsed.success) throw new SandboxError(400, 'BAD_DATA', firstIssue(parsed.error));
        const invoice = core.pay((req as WithNumber).params.invoiceNumber, parsed.data.paymentMethod);
        return reply.send({ success: true, message: 'Invoice paid', data: core.wire(invoice, true) });
      } catch (err) {
        if (err instanceof SandboxError) return refuse(reply, err);
        throw err;
      }
    });

    const view = (invoiceNumber: string): CheckoutView | undefined => {
      const invoice = core.invoices.get(invoiceNumber);
      if (!invoice) return undefined;
      return { invoiceNumber, amount: invoice.amount, currency: invoice.currency, ...(invoice.description ? { description: invoice.description } : {}) };
    };
    const checkoutPath = (invoiceNumber: string, returnUrl: string | undefined) =>
      `${prefix}/checkout/${invoiceNumber}${returnUrl ? `?returnUrl=${encodeURIComponent(returnUrl)}` : ''}`;

    scope.get('/checkout/:invoiceNumber', route, async (req, reply) => {
      const { invoiceNumber } = (req as WithNumber).params;
      const returnUrl = safeReturnUrl((req.query as Record<string, unknown>).returnUrl, core.publicBaseUrl);
      const invoice = core.invoices.get(invoiceNumber);
      if (!invoice) return html(reply, 404, checkoutStatusPage(undefined, 'not-found', undefined));
      if (invoice.paymentStatus === 'PAID') return html(reply, 200, checkoutStatusPage(view(invoiceNumber), 'paid', returnUrl));
      if (core.expired(invoice)) return html(reply, 410, checkoutStatusPage(view(invoiceNumber), 'expired', returnUrl));
      return html(reply, 200, checkoutPage(view(invoiceNumber)!, `${prefix}/checkout/${invoiceNumber}/pay`, returnUrl));
    });

    scope.post('/checkout/:invoiceNumber/pay', route, async (req, reply) => {
      const { invoiceNumber } = (req as WithNumber).params;
      const form = formBody(req);
      const returnUrl = safeReturnUrl(form.returnUrl, core.publicBaseUrl);
      const invoice = core.invoices.get(invoiceNumber);
      if (!invoice) return html(reply, 404, checkoutStatusPage(undefined, 'not-found', undefined));
      // A second submit of a paid invoice shows it paid; nothing is charged twice.
      if (invoice.paymentStatus === 'PAID') return html(reply, 200, checkoutStatusPage(view(invoiceNumber), 'paid', returnUrl));
      if (core.expired(invoice)) return html(reply, 410, checkoutStatusPage(view(invoiceNumber), 'expired', returnUrl));
      if (form.action === 'fail') return html(reply, 200, checkoutStatusPage(view(invoiceNumber), 'failed', returnUrl, checkoutPath(invoiceNumber, returnUrl)));
      const method = CHECKOUT_METHODS.find((m) => m.value === form.paymentMethod);
      if (form.action !== 'pay' || !method) {
        return html(reply, 400, checkoutPage(view(invoiceNumber)!, `${prefix}/checkout/${invoiceNumber}/pay`, returnUrl, 'Choose how to pay, then press Pay.'));
      }
      core.pay(invoiceNumber, method.value);
      return html(reply, 200, checkoutStatusPage(view(invoiceNumber), 'paid', returnUrl));
    });
  };
}

/**
 * Mounts a local IremboPay on `app` under `/sandbox/irembopay` (hidden from the OpenAPI document).
 * `publicBaseUrl` is where the sandbox is reached from outside, e.g. `${PUBLIC_URL}/sandbox/irembopay`.
 * Routes, state and pending deliveries end with the app.
 */
export function registerIremboPaySandbox(app: FastifyInstance, options: IremboPaySandboxOptions & { publicBaseUrl: string }): IremboPaySandboxControls {
  const core = new SandboxCore(options);
  app.register(sandboxRoutes(core), { prefix: IREMBOPAY_SANDBOX_PREFIX });
  return core.controls();
}

/**
 * A local IremboPay on its own server, 127.0.0.1 on a free port, for tests: the production
 * `IremboPayClient` runs against it unchanged. `publicBaseUrl` defaults to its own base URL.
 */
export async function startIremboPaySandbox(options: IremboPaySandboxOptions): Promise<IremboPaySandbox> {
  const core = new SandboxCore(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(sandboxRoutes(core));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  if (!core.publicBaseUrl) core.publicBaseUrl = baseUrl;
  return { baseUrl, controls: core.controls(), close: () => app.close() };
}
