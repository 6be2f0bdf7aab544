import { z } from 'zod';
import { sendJson, Unreachable } from '../../../shared/outbound.ts';

export type IremboPayLanguage = 'EN' | 'FR' | 'RW';
export type IremboPayPushProvider = 'MTN' | 'AIRTEL';
/** Documented statuses; others (`FAILED`, `CANCELLED` are seen in the wild, undocumented) pass through as they are. */
export type IremboPayPaymentStatus = 'NEW' | 'PAID' | 'PARTIALLY_PAID' | (string & {});
/** Documented methods; a new one passes through as it is. */
export type IremboPayPaymentMethod = 'MTN_MOMO' | 'AIRTEL_MONEY' | 'EQUITY' | 'BK' | 'ONLINE_CARD' | (string & {});

export interface IremboPayClientOptions {
  /** `https://api.irembopay.com`, `https://api.sandbox.irembopay.com`, or our local sandbox. */
  baseUrl: string;
  /** Merchant secret key, sent as `irembopay-secretkey`; also the key of notification signatures. */
  secretKey: string;
  /** The dashboard's payment account (e.g. `TST-RWF`): it decides the currency of every invoice. */
  paymentAccountIdentifier: string;
  /** The dashboard's product code the single invoice line is billed under. */
  productCode: string;
  /** Whole request, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface IremboPayCreateInvoiceInput {
  /** Ours and unique per merchant (the top-up id): IremboPay refuses a second invoice with it. */
  transactionId: string;
  /** Whole units of the account's currency (RWF has no minor unit). */
  amount: number;
  description: string;
  expiryAt: Date;
  language: IremboPayLanguage;
  /** IremboPay notifies the customer; send only what the payment needs. */
  customer?: { email?: string; phoneNumber?: string; name?: string };
}

export interface IremboPayInvoice {
  invoiceNumber: string;
  transactionId: string;
  amount: number;
  currency: string;
  paymentStatus: IremboPayPaymentStatus;
  paymentMethod?: IremboPayPaymentMethod;
  paymentReference?: string;
  paidAt?: Date;
  createdAt: Date;
  expiryAt?: Date;
  /** The hosted checkout: send the payer here, never build the URL ourselves. */
  paymentLinkUrl: string;
}

export interface IremboPayPushInput {
  /** Rwandan mobile number, `07XXXXXXXX`. */
  accountIdentifier: string;
  paymentProvider: IremboPayPushProvider;
  invoiceNumber: string;
}

export interface IremboPayPush {
  invoiceNumber: string;
  paymentProvider: IremboPayPushProvider;
  amount: number;
  /** IremboPay's id of the push request. */
  referenceId: string;
}

export interface IremboPayNotification {
  success: boolean;
  data: {
    invoiceNumber: string;
    transactionId: string;
    amount: number;
    currency?: string;
    paymentStatus?: IremboPayPaymentStatus;
    paymentMethod?: IremboPayPaymentMethod;
    paymentReference?: string;
    paidAt?: Date;
    createdAt?: Date;
    updatedAt?: Date;
  };
}

/**
 * A refused or failed IremboPay call. The message names the operation, the status and IremboPay's
 * error code only: never the secret key, and never IremboPay's detail text, which may echo the
 * customer's phone number or name.
 */
export class IremboPayError extends Error {
  /** HTTP status; absent when no answer came (network failure, timeout). */
  readonly status: number | undefined;
  /** `errors[0].code` from IremboPay (e.g. `DUPLICATE_TRANSACTION_ID`), else `NETWORK`, `TIMEOUT`, `INVALID_RESPONSE` or `HTTP_<status>`. */
  readonly code: string;
  /** True for 429, 5xx, network failures and timeouts: asking again later may succeed. */
  readonly retryable: boolean;

  constructor(message: string, details: { status?: number; code: string; retryable: boolean; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'IremboPayError';
    this.status = details.status;
    this.code = details.code;
    this.retryable = details.retryable;
  }
}

/** A payment notification body that is not the documented envelope. */
export class IremboPayNotificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IremboPayNotificationError';
  }
}

/**
 * IremboPay writes offsets with the hour only (`2023-04-19T11:58:02.895+02`), which `Date` refuses:
 * the offset is completed to `+02:00` first. A time without any offset is taken as Kigali time
 * (UTC+2, no daylight saving), where IremboPay runs [inferred, providers.md §1.5].
 */
export function parseIremboPayDate(value: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!match) return undefined;
  const [, local, offset] = match;
  let zone = '+02:00';
  if (offset) zone = /^z$/i.test(offset) ? 'Z' : offset.length === 3 ? `${offset}:00` : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const date = new Date(`${local}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Kigali time with a full offset (`2026-11-28T10:00:00.000+02:00`), the form of the docs' examples. */
function kigaliTime(date: Date): string {
  return `${new Date(date.getTime() + 2 * 3_600_000).toISOString().slice(0, -1)}+02:00`;
}

const date = z.string().transform((value, ctx) => {
  const parsed = parseIremboPayDate(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'not a date and time' });
    return z.NEVER;
  }
  return parsed;
});
/** Whole units: integers, or digit strings. A fraction is refused rather than rounded (no floats for money). */
const amount = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));
const text = z.string().min(1);
/** Optional fields may come as null; both mean absent. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const InvoiceSchema = z.object({
  invoiceNumber: text,
  transactionId: text,
  amount,
  currency: text,
  paymentStatus: text,
  paymentMethod: optional(text),
  paymentReference: optional(text),
  paidAt: optional(date),
  createdAt: date,
  expiryAt: optional(date),
  paymentLinkUrl: z.url(),
});

const PushSchema = z.object({
  invoiceNumber: text,
  paymentProvider: z.enum(['MTN', 'AIRTEL']),
  amount,
  referenceId: z.union([text, z.number().transform(String)]),
});

const NotificationSchema = z.object({
  success: z.boolean(),
  data: z.object({
    invoiceNumber: text,
    transactionId: text,
    amount,
    currency: optional(text),
    paymentStatus: optional(text),
    paymentMethod: optional(text),
    paymentReference: optional(text),
    paidAt: optional(date),
    createdAt: optional(date),
    updatedAt: optional(date),
  }),
});

// A code is an identifier; anything else in its place is not repeated in our messages.
const ErrorEnvelopeSchema = z.object({ errors: z.array(z.object({ code: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) })).min(1) });

function describeIssues(error: z.ZodError): string {
  // Paths and zod's wording only: zod's messages never quote the value received.
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

/**
 * Reads a payment notification body (the documented `{ success, data }` envelope). Check the
 * signature over the same raw body first (`verifyIremboPaySignature`); this only checks the shape.
 * Fields other than those typed here are dropped.
 */
export function parseIremboPayNotification(rawBody: string | Buffer): IremboPayNotification {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new IremboPayNotificationError('IremboPay notification is not JSON');
  }
  const parsed = NotificationSchema.safeParse(json);
  if (!parsed.success) throw new IremboPayNotificationError(`IremboPay notification is not the documented envelope: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * IremboPay's REST API (v2): create and read invoices, and start a mobile-money push. There is no
 * usable npm package (providers.md §0), so this is a small fetch client.
 *
 * A payment is never confirmed here: the signed notification (or `getInvoice`) says when an
 * invoice is paid. After a timeout or a network failure a `createInvoice` may have been done:
 * asking again with the same `transactionId` is safe, since IremboPay refuses a second invoice
 * for it (`DUPLICATE_TRANSACTION_ID` in our sandbox); `getInvoice(transactionId)` then finds the first.
 */
export class IremboPayClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: IremboPayClientOptions) {
    if (!options.secretKey) throw new Error('IremboPayClient needs the merchant secret key');
    if (!options.paymentAccountIdentifier) throw new Error('IremboPayClient needs a payment account identifier');
    if (!options.productCode) throw new Error('IremboPayClient needs a product code');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** One invoice of one line: `amount` of the configured product, in the payment account's currency. */
  async createInvoice(input: IremboPayCreateInvoiceInput): Promise<IremboPayInvoice> {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new RangeError('an IremboPay invoice amount is a positive whole number');
    const body = {
      transactionId: input.transactionId,
      paymentAccountIdentifier: this.options.paymentAccountIdentifier,
      paymentItems: [{ code: this.options.productCode, quantity: 1, unitAmount: input.amount }],
      description: input.description,
      expiryAt: kigaliTime(input.expiryAt),
      language: input.language,
      ...(input.customer ? { customer: input.customer } : {}),
    };
    const { data } = await this.call('createInvoice', 'POST', '/payments/invoices', body);
    return this.read('createInvoice', InvoiceSchema, data);
  }

  /** By invoice number or by our transaction id; null when IremboPay knows neither (404). */
  async getInvoice(ref: string): Promise<IremboPayInvoice | null> {
    const answer = await this.call('getInvoice', 'GET', `/payments/invoices/${encodeURIComponent(ref)}`, undefined, true);
    return answer.status === 404 ? null : this.read('getInvoice', InvoiceSchema, answer.data);
  }

  /** Asks the payer's phone to approve the payment (USSD prompt). The result comes as a notification. */
  async initiatePush(input: IremboPayPushInput): Promise<IremboPayPush> {
    const { data } = await this.call('initiatePush', 'POST', '/payments/transactions/initiate', {
      accountIdentifier: input.accountIdentifier,
      paymentProvider: input.paymentProvider,
      invoiceNumber: input.invoiceNumber,
    });
    return this.read('initiatePush', PushSchema, data);
  }

  private read<T>(operation: string, schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    throw new IremboPayError(`IremboPay ${operation}: unexpected answer (${describeIssues(parsed.error)})`, { code: 'INVALID_RESPONSE', retryable: false });
  }

  /** Sends one request; answers `data` of a 2xx envelope (and the 404 when `allow404`), throws otherwise. */
  private async call(operation: string, method: string, path: string, body: unknown, allow404 = false): Promise<{ status: number; data: unknown }> {
    let sent: { response: Response; text: string };
    try {
      sent = await sendJson(this.fetch, `${this.baseUrl}${path}`, {
        method,
        headers: { 'irembopay-secretkey': this.options.secretKey, 'x-api-version': '2' },
        body,
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (!(err instanceof Unreachable)) throw err;
      throw new IremboPayError(err.timedOut ? `IremboPay ${operation}: no answer within ${this.timeoutMs} ms` : `IremboPay ${operation}: IremboPay could not be reached`, {
        code: err.timedOut ? 'TIMEOUT' : 'NETWORK',
        retryable: true,
        ...(err.timedOut ? {} : { cause: err.cause }),
      });
    }
    const { response, text } = sent;
    const status = response.status;
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status === 404 && allow404) return { status, data: undefined };
    if (response.ok) {
      if (!json || typeof json !== 'object' || !('data' in json)) {
        throw new IremboPayError(`IremboPay ${operation}: answered ${status} without data`, { status, code: 'INVALID_RESPONSE', retryable: false });
      }
      return { status, data: (json as { data: unknown }).data };
    }
    const parsed = ErrorEnvelopeSchema.safeParse(json);
    const code = parsed.success ? parsed.data.errors[0]!.code : `HTTP_${status}`;
    const retryable = status === 429 || status >= 500;
    throw new IremboPayError(`IremboPay ${operation} refused: ${code} (${status})`, { status, code, retryable });
  }
}
