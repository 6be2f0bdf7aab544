import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';

/** Resend signs webhooks the Svix / Standard Webhooks way; a delivery older or newer than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Header values as Node and Fastify hand them over (`req.headers` can be passed as it is). */
export interface ResendWebhookHeaders {
  [name: string]: string | string[] | undefined;
  'svix-id'?: string | string[] | undefined;
  'svix-timestamp'?: string | string[] | undefined;
  'svix-signature'?: string | string[] | undefined;
}

export interface ResendWebhookEvent {
  /** `svix-id`: the same for every retry of one delivery, so it is the deduplication key. */
  id: string;
  /** `email.sent`, `email.delivered`, `email.bounced`, `email.complained`, … */
  type: string;
  createdAt: Date;
  data: {
    /** Empty for signed events that are not about one e-mail (`contact.*`, `domain.*`…): nothing to apply. */
    email_id: string;
    to: string[];
    tags: Record<string, string>;
    bounce?: { type?: string; subType?: string; message?: string };
  };
}

export type WebhookSignatureFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  /** Signed correctly but not JSON of the documented shape: answer 400, not 401. */
  | 'invalid_payload';

/** The delivery is refused. The message names the reason only: never a header value or the body. */
export class WebhookSignatureError extends Error {
  constructor(readonly reason: WebhookSignatureFailure) {
    super(`Resend webhook refused: ${reason.replaceAll('_', ' ')}`);
    this.name = 'WebhookSignatureError';
  }
}

const tags = z.union([
  z.record(z.string(), z.string()),
  z.array(z.object({ name: z.string(), value: z.string() })).transform((list) => Object.fromEntries(list.map((t) => [t.name, t.value]))),
]);

const payloadSchema = z.object({
  type: z.string().min(1),
  created_at: z.string().refine((s) => !Number.isNaN(Date.parse(s))),
  data: z.object({
    email_id: z.string().min(1).optional(),
    to: z.union([z.string().transform((s) => [s]), z.array(z.string())]).optional(),
    tags: tags.nullish(),
    bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).optional(),
  }),
});

/**
 * Verifies a Resend webhook and returns the event. The HMAC comes from `standardwebhooks` (what
 * Resend's own SDK uses), but the ±300 s window is checked against `now` from our clock instead
 * of the library's `Date.now()`, so tests can replay recorded deliveries. `rawBody` must be the
 * exact bytes received: a re-serialised JSON body does not verify.
 */
export function verifyResendWebhook(rawBody: string, headers: ResendWebhookHeaders, secret: string, now: Date): ResendWebhookEvent {
  const id = single(headers['svix-id']);
  const timestamp = single(headers['svix-timestamp']);
  const signature = single(headers['svix-signature']);
  if (!id || !timestamp || !signature) throw new WebhookSignatureError('missing_headers');
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookSignatureError('invalid_timestamp');

  const sentAt = Number(timestamp);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - sentAt > WEBHOOK_TOLERANCE_SECONDS) throw new WebhookSignatureError('timestamp_too_old');
  if (sentAt > nowSeconds + WEBHOOK_TOLERANCE_SECONDS) throw new WebhookSignatureError('timestamp_too_new');

  // `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; the header is a space-separated list
  // because several signatures are sent while a secret is being rotated.
  const expected = Buffer.from(signer(secret).sign(id, new Date(sentAt * 1000), rawBody).slice('v1,'.length));
  const matches = signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookSignatureError('no_matching_signature');

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new WebhookSignatureError('invalid_payload');
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw new WebhookSignatureError('invalid_payload');
  const { type, created_at, data } = parsed.data;
  if (type.startsWith('email.') && !data.email_id) throw new WebhookSignatureError('invalid_payload');
  return {
    id,
    type,
    createdAt: new Date(created_at),
    data: {
      email_id: data.email_id ?? '',
      to: data.to ?? [],
      tags: data.tags ?? {},
      ...(data.bounce ? { bounce: data.bounce } : {}),
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

function signer(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch {
    // A configuration mistake, not a bad delivery: say so without echoing the secret.
    throw new Error('the Resend webhook secret is not a valid `whsec_<base64>` secret');
  }
}
