import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { systemClock, type Clock } from '../../../shared/clock.ts';
import { bearerToken, Faults, listen, rawBody, sandboxApp, type FaultControls } from './common.ts';

export interface PindoSandboxOptions {
  /** The only bearer token accepted. */
  token?: string;
  /** Countries Pindo delivers to in this sandbox; others answer 409. Default: Rwanda only. */
  allowedCountries?: readonly CountryCode[];
  clock?: Clock;
}

export interface PindoSandboxSms {
  id: string;
  to: string;
  text: string;
  sender: string;
  createdAt: Date;
}

export interface PindoSandboxControls extends FaultControls {
  /** Answer sends with the older documented shape: 200 `{ sms_items: [{ id: <number> }] }`. */
  legacyResponses(on: boolean): void;
}

export interface PindoSandbox {
  url: string;
  token: string;
  /** Accepted SMS, oldest first (what Pindo would have sent and charged). */
  messages: PindoSandboxSms[];
  controls: PindoSandboxControls;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A local Pindo: `POST /v1/sms/` (and a minimal `/v1/sms/bulk`) with the bearer check, the 409
 * conflicts Pindo documents for numbers it cannot serve, and both documented success shapes.
 * Pindo's error bodies are not documented; this one answers `{ message, status }`.
 */
export async function startPindoSandbox(options: PindoSandboxOptions = {}): Promise<PindoSandbox> {
  const token = options.token ?? 'pindo-sandbox-token';
  const allowed = options.allowedCountries ?? ['RW'];
  const clock = options.clock ?? systemClock;
  const faults = new Faults(clock);
  const messages: PindoSandboxSms[] = [];
  let legacy = false;
  let legacyId = 1_058_918;
  const app = sandboxApp();

  const fail = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ message, status });

  /** Faults, token and JSON; returns the body, or undefined when the answer was sent. */
  function admit(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined {
    const fault = faults.take();
    if (fault) {
      if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
      fail(reply, fault.status, fault.status === 429 ? 'too many requests' : 'the sandbox was told to fail this request');
      return undefined;
    }
    if (bearerToken(request.headers.authorization) !== token) {
      fail(reply, 401, 'unauthorized');
      return undefined;
    }
    try {
      const body = JSON.parse(rawBody(request.body)) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    fail(reply, 400, 'bad request: the body must be a JSON object');
    return undefined;
  }

  /** Pindo's 409 reasons, or undefined when the number can be served. */
  function numberProblem(to: string): string | undefined {
    if (!E164.test(to)) return 'wrong phone number format';
    const parsed = parsePhoneNumberFromString(to);
    if (!parsed?.country) return 'wrong phone number format';
    if (!allowed.includes(parsed.country)) return 'number is from an unsupported country';
    if (!parsed.isValid()) return 'unsupported telco';
    return undefined;
  }

  function accept(to: string, text: string, sender: string): PindoSandboxSms {
    const sms = { id: legacy ? String(legacyId++) : `out_sms_${crypto.randomBytes(13).toString('hex').toUpperCase()}`, to, text, sender, createdAt: clock.now() };
    messages.push(sms);
    return sms;
  }

  app.post('/v1/sms/', async (request, reply) => {
    const body = admit(request, reply);
    if (!body) return reply;
    const { to, text, sender } = body;
    if (typeof to !== 'string' || typeof text !== 'string' || typeof sender !== 'string' || !text || !sender) {
      return fail(reply, 400, 'bad request: to, text and sender are required');
    }
    if (sender.length > 11) return fail(reply, 400, 'bad request: the sender ID is at most 11 characters');
    const problem = numberProblem(to);
    if (problem) return fail(reply, 409, problem);

    const sms = accept(to, text, sender);
    // Sent and charged before the answer: a client that times out here cannot know it.
    await faults.wait();
    if (legacy) {
      return reply.code(200).send({
        count: 1,
        remaining_balance: 3.11,
        self_url: `${url}/v1/sms/${sms.id}`,
        sms_items: [{ id: Number(sms.id), item_price: 0.01, network: '63510', remaining_balance: 3.11, status: 'sent', to }],
      });
    }
    return reply.code(201).send({
      bonus: 0,
      discount: 0,
      item_count: 1,
      item_price: 0.006,
      remaining_balance: 71421.953,
      self_url: `${url}/v1/sms/${sms.id}`,
      sms_id: sms.id,
      status: 'sent',
      to,
      total_cost: 0.006,
    });
  });

  // The bulk answer is not documented (providers.md §2.3): this shape is an assumption.
  app.post('/v1/sms/bulk', async (request, reply) => {
    const body = admit(request, reply);
    if (!body) return reply;
    const { recipients, text, sender } = body;
    if (!Array.isArray(recipients) || recipients.length === 0 || typeof text !== 'string' || typeof sender !== 'string' || !text || !sender) {
      return fail(reply, 400, 'bad request: recipients, text and sender are required');
    }
    const items = [];
    for (const r of recipients as Array<{ phonenumber?: unknown; name?: unknown }>) {
      const to = typeof r?.phonenumber === 'string' ? r.phonenumber : '';
      const problem = numberProblem(to);
      if (problem) return fail(reply, 409, problem);
      const sms = accept(to, text.replaceAll('@contact.name', typeof r.name === 'string' ? r.name : ''), sender);
      items.push({ id: sms.id, to, status: 'sent' });
    }
    await faults.wait();
    return reply.code(201).send({ item_count: items.length, sms_items: items, status: 'sent' });
  });

  const url = await listen(app);
  return {
    url,
    token,
    messages,
    controls: { ...faults.controls(), legacyResponses: (on) => void (legacy = on) },
    close: async () => {
      faults.wakeAll();
      await app.close();
    },
  };
}
