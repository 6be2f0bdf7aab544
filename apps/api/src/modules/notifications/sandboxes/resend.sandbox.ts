import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { DAY, systemClock, type Clock } from '../../../shared/clock.ts';
import { bareAddress, isMailbox } from '../providers/email-address.ts';
import { bearerToken, Faults, listen, rawBody, sandboxApp, type Fault, type FaultControls } from './common.ts';

export interface ResendSandboxOptions {
  /** The only API key accepted. */
  apiKey?: string;
  /** Drives idempotency expiry (24 h), `failFor` and webhook timestamps. */
  clock?: Clock;
  /**
   * After each accepted e-mail, a signed `email.delivered` is POSTed here, or `email.bounced`
   * when a recipient is `bounced@resend.dev` (or `bounced+label@resend.dev`).
   */
  webhook?: { url: string; secret: string };
}

export interface ResendSandboxEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  tags: Record<string, string>;
  idempotencyKey?: string;
  createdAt: Date;
}

export interface ResendWebhookInput {
  type: string;
  data: Record<string, unknown>;
  created_at?: string;
}

export interface ResendSandboxControls extends FaultControls {
  /** Every later e-mail to this address is refused with 422 `validation_error`. */
  rejectAddress(address: string): void;
}

export interface ResendSandbox {
  url: string;
  apiKey: string;
  /** Accepted e-mails, oldest first. */
  messages: ResendSandboxEmail[];
  controls: ResendSandboxControls;
  /** How many e-mails were accepted under this idempotency key (a replay is not a delivery). */
  deliveredCount(idempotencyKey: string): number;
  /** POSTs a Standard Webhooks-signed event (`svix-id`, `svix-timestamp`, `svix-signature`). */
  sendWebhook(targetUrl: string, secret: string, event: ResendWebhookInput): Promise<{ id: string; status: number }>;
  /** Resolves when every automatic webhook started so far has been answered (or failed). */
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
}

interface StoredResponse {
  hash: string;
  at: number;
  /** Undefined while the first request with this key is still running. */
  response?: { status: number; body: unknown };
}

interface ErrorBody {
  statusCode: number;
  name: string;
  message: string;
}

const ERROR_NAMES: Record<number, string> = {
  400: 'validation_error',
  401: 'missing_api_key',
  403: 'invalid_api_key',
  404: 'not_found',
  409: 'concurrent_idempotent_requests',
  422: 'validation_error',
  429: 'rate_limit_exceeded',
  500: 'internal_server_error',
};
const TAG = /^[A-Za-z0-9_-]{1,256}$/;
const BOUNCED = /^bounced(\+[^@]*)?@resend\.dev$/;

/**
 * A local Resend: `POST /emails` and `POST /emails/batch` with Resend's authentication, error
 * bodies (`{ statusCode, name, message }`), idempotency (24 h, per key and body hash), permissive
 * batch validation and signed webhooks, so the production `ResendMailer` runs against it unchanged.
 */
export async function startResendSandbox(options: ResendSandboxOptions = {}): Promise<ResendSandbox> {
  const apiKey = options.apiKey ?? 're_sandbox_0000000000000000';
  const clock = options.clock ?? systemClock;
  const faults = new Faults(clock);
  const messages: ResendSandboxEmail[] = [];
  const rejected = new Set<string>();
  const idempotency = new Map<string, StoredResponse>();
  const pendingWebhooks = new Set<Promise<unknown>>();
  const app = sandboxApp();

  const fail = (reply: FastifyReply, e: ErrorBody) => reply.code(e.statusCode).send(e);
  const faultBody = (f: Fault): ErrorBody => ({
    statusCode: f.status,
    name: ERROR_NAMES[f.status] ?? (f.status >= 500 ? 'application_error' : 'validation_error'),
    message: f.status === 429 ? 'Too many requests. Please limit the number of requests per second.' : 'The sandbox was told to fail this request.',
  });

  async function sendWebhook(targetUrl: string, secret: string, event: ResendWebhookInput) {
    const id = `msg_${crypto.randomBytes(12).toString('hex')}`;
    const now = clock.now();
    const payload = JSON.stringify({ type: event.type, created_at: event.created_at ?? now.toISOString(), data: event.data });
    const res = await fetch(targetUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': new Webhook(secret).sign(id, now, payload),
      },
      body: payload,
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
    return { id, status: res.status };
  }

  function autoWebhook(email: ResendSandboxEmail) {
    if (!options.webhook) return;
    const { url, secret } = options.webhook;
    const bounced = email.to.some((to) => BOUNCED.test(bareAddress(to)));
    const data = {
      email_id: email.id,
      created_at: email.createdAt.toISOString(),
      from: email.from,
      to: email.to,
      subject: email.subject,
      tags: email.tags,
      ...(bounced ? { bounce: { type: 'Permanent', subType: 'General', message: 'The recipient does not exist (sandbox).' } } : {}),
    };
    const p = sendWebhook(url, secret, { type: bounced ? 'email.bounced' : 'email.delivered', data })
      .catch(() => undefined)
      .finally(() => pendingWebhooks.delete(p));
    pendingWebhooks.add(p);
  }

  /** Checks one e-mail the way Resend does; returns the error or the e-mail to store. */
  function validate(input: unknown, batch: boolean): ErrorBody | Omit<ResendSandboxEmail, 'id' | 'idempotencyKey' | 'createdAt'> {
    const invalid = (message: string, name = 'validation_error'): ErrorBody => ({ statusCode: 422, name, message });
    if (!input || typeof input !== 'object' || Array.isArray(input)) return invalid('The request body must be an email object.');
    const e = input as Record<string, unknown>;
    if (e.from === undefined) return invalid('Missing `from` field.', 'missing_required_field');
    if (!isMailbox(e.from)) return invalid('Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
    if (e.to === undefined) return invalid('Missing `to` field.', 'missing_required_field');
    const to = Array.isArray(e.to) ? e.to : [e.to];
    if (to.length === 0 || to.length > 50) return invalid('The `to` field must hold 1 to 50 addresses.');
    if (!to.every(isMailbox)) return invalid('Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
    if (to.some((t) => rejected.has(bareAddress(t)))) return invalid('The recipient address is refused (sandbox rejectAddress).');
    if (typeof e.subject !== 'string') return invalid('Missing `subject` field.', 'missing_required_field');
    if (typeof e.html !== 'string' && typeof e.text !== 'string') return invalid('Missing `html` or `text` field.', 'missing_required_field');
    if (batch && e.attachments !== undefined) return invalid('Attachments are not supported in batch emails.');
    const tags: Record<string, string> = {};
    if (e.tags !== undefined) {
      if (!Array.isArray(e.tags)) return invalid('The `tags` field must be an array.');
      for (const t of e.tags as Array<{ name?: unknown; value?: unknown }>) {
        if (typeof t?.name !== 'string' || typeof t.value !== 'string' || !TAG.test(t.name) || !TAG.test(t.value)) {
          return invalid('Tags may only contain ASCII letters, numbers, underscores or dashes.');
        }
        tags[t.name] = t.value;
      }
    }
    return {
      from: e.from,
      to: to as string[],
      subject: e.subject,
      ...(typeof e.html === 'string' ? { html: e.html } : {}),
      ...(typeof e.text === 'string' ? { text: e.text } : {}),
      tags,
    };
  }

  function accept(email: Omit<ResendSandboxEmail, 'id' | 'idempotencyKey' | 'createdAt'>, key: string | undefined): ResendSandboxEmail {
    const stored = { ...email, id: crypto.randomUUID(), ...(key ? { idempotencyKey: key } : {}), createdAt: clock.now() };
    messages.push(stored);
    return stored;
  }

  /** Everything both endpoints share: faults, key, JSON, idempotency; then `handle` does the rest. */
  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    handle: (body: unknown) => { status: number; body: unknown; accepted: ResendSandboxEmail[] },
  ) {
    const fault = faults.take();
    if (fault) {
      if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds)).header('ratelimit-limit', '2').header('ratelimit-remaining', '0');
      return fail(reply, faultBody(fault));
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) return fail(reply, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header. Include the following header Authorization: Bearer YOUR_API_KEY in the request.' });
    if (token !== apiKey) return fail(reply, { statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid' });

    const raw = rawBody(request.body);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return fail(reply, { statusCode: 400, name: 'validation_error', message: 'The request body is not valid JSON.' });
    }

    const keyHeader = request.headers['idempotency-key'];
    const key = typeof keyHeader === 'string' && keyHeader !== '' ? keyHeader : undefined;
    if (key !== undefined && key.length > 256) return fail(reply, { statusCode: 400, name: 'invalid_idempotency_key', message: 'The idempotency key must be 1 to 256 characters.' });
    const hash = crypto.createHash('sha256').update(request.url).update('\n').update(raw).digest('hex');
    if (key !== undefined) {
      const seen = idempotency.get(key);
      if (seen && clock.now().getTime() - seen.at > DAY) idempotency.delete(key);
      else if (seen) {
        if (seen.hash !== hash) return fail(reply, { statusCode: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key used with a different request payload.' });
        if (!seen.response) return fail(reply, { statusCode: 409, name: 'concurrent_idempotent_requests', message: 'Same idempotency key used while original request is still in progress.' });
        return reply.code(seen.response.status).send(seen.response.body);
      }
    }

    const result = handle(body);
    if (result.status >= 300 || key === undefined) {
      if (result.status < 300) await faults.wait();
      reply.code(result.status).send(result.body);
      for (const email of result.accepted) autoWebhook(email);
      return reply;
    }
    const entry: StoredResponse = { hash, at: clock.now().getTime() };
    idempotency.set(key, entry);
    await faults.wait();
    entry.response = { status: result.status, body: result.body };
    reply.code(result.status).send(result.body);
    for (const email of result.accepted) autoWebhook(email);
    return reply;
  }

  app.post('/emails', (request, reply) =>
    serve(request, reply, (body) => {
      const checked = validate(body, false);
      if ('statusCode' in checked) return { status: checked.statusCode, body: checked, accepted: [] };
      const email = accept(checked, keyOf(request));
      return { status: 200, body: { id: email.id }, accepted: [email] };
    }),
  );

  app.post('/emails/batch', (request, reply) =>
    serve(request, reply, (body) => {
      if (!Array.isArray(body) || body.length === 0 || body.length > 100) {
        const e = { statusCode: 422, name: 'validation_error', message: 'The batch must be an array of 1 to 100 emails.' };
        return { status: 422, body: e, accepted: [] };
      }
      const permissive = request.headers['x-batch-validation'] === 'permissive';
      const checked = body.map((item) => validate(item, true));
      const firstError = checked.findIndex((c) => 'statusCode' in c);
      if (!permissive && firstError >= 0) {
        const e = checked[firstError] as ErrorBody;
        return { status: e.statusCode, body: { ...e, message: `emails[${firstError}]: ${e.message}` }, accepted: [] };
      }
      const accepted: ResendSandboxEmail[] = [];
      const errors: Array<{ index: number; message: string }> = [];
      checked.forEach((c, index) => {
        if ('statusCode' in c) errors.push({ index, message: c.message });
        else accepted.push(accept(c, keyOf(request)));
      });
      const data = accepted.map((e) => ({ id: e.id }));
      return { status: 200, body: permissive ? { data, errors } : { data }, accepted };
    }),
  );

  const url = await listen(app);
  return {
    url,
    apiKey,
    messages,
    controls: { ...faults.controls(), rejectAddress: (address) => void rejected.add(bareAddress(address)) },
    deliveredCount: (key) => messages.filter((m) => m.idempotencyKey === key).length,
    sendWebhook,
    flushWebhooks: async () => {
      while (pendingWebhooks.size > 0) await Promise.allSettled([...pendingWebhooks]);
    },
    close: async () => {
      faults.wakeAll();
      await Promise.allSettled([...pendingWebhooks]);
      await app.close();
    },
  };
}

function keyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' && key !== '' ? key : undefined;
}
