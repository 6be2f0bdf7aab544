import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { envelope, errorResponses, ok } from '../../http/envelope.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError, isAppError } from '../../shared/errors.ts';
import type { ComputeConsoleService, ConsoleEndReason, ConsoleSession } from './console.service.ts';
import { ComputeIdParamsSchema } from './computes.schemas.ts';

/** The browser has this long after the WebSocket opens to send its ticket. */
const TICKET_WAIT_MS = 10_000;
/** A ping this often; a peer that has not answered the previous one is gone (a laptop lid closed, a network lost). */
const HEARTBEAT_MS = 30_000;
/** Guest output waits in memory up to this much before the console is paused for a slow browser. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Keystrokes and pastes larger than this in one message are refused by the WebSocket layer. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** How long a shutdown waits for browsers to acknowledge the close before dropping them. */
const SHUTDOWN_GRACE_MS = 1_000;

const ConsoleTicketResponseSchema = z
  .object({
    ticket: z.string().describe('Single use: the first WebSocket message, as `{"ticket":"…"}`.'),
    expiresAt: z.string(),
    path: z.string().describe('WebSocket path.'),
  })
  .meta({ id: 'ConsoleTicket' });

/**
 * WebSocket close codes: 4000 + the HTTP status of the refusal (4401 ticket unknown, used, expired
 * or someone else's; 4403 role; 4404 compute; 4409 not running or already open; 4501 not
 * supported; 4503 engine unreachable), 4408 for no ticket in time or an idle console, 1000 when the
 * machine's console closed, 1001 when the server stops. The reason says it in words.
 */
const closeCodeOf = (err: AppError) => 4000 + err.status;

/** A close reason is at most 123 bytes (RFC 6455 §5.5: control frames carry 125, two are the code). */
function reasonText(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = `${out.slice(0, -2)}…`;
  return out;
}

function ticketOf(data: RawData, isBinary: boolean): string {
  if (isBinary) return '';
  try {
    const parsed = JSON.parse(String(data)) as { ticket?: unknown };
    return typeof parsed.ticket === 'string' && parsed.ticket.length <= 200 ? parsed.ticket : '';
  } catch {
    return '';
  }
}

/**
 * The web console: `POST /computes/{id}/console` hands out a ticket, and the WebSocket
 * `/computes/{id}/console/stream` (hidden from the OpenAPI document, which cannot describe it)
 * carries the serial console. Protocol: the client's first message is the ticket as JSON text;
 * the server answers `{"type":"ready","simulated":…,"idleTimeoutSeconds":…}` as text, then sends
 * the guest's output as binary messages; every later client message is input for the guest.
 */
export async function consoleRoutes(app: FastifyInstance, deps: { clock: Clock; config: Config; consoles: ComputeConsoleService }) {
  const publicOrigin = new URL(deps.config.PUBLIC_URL).origin;
  const idleMs = deps.config.CONSOLE_IDLE_TIMEOUT_SECONDS * 1000;
  const sockets = new Set<WebSocket>();

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    // Consoles are ended (and their closing audited) before the database closes.
    preClose: async () => {
      for (const socket of sockets) socket.close(1001, 'The server is restarting: reconnect in a moment.');
      setTimeout(() => sockets.forEach((s) => s.terminate()), SHUTDOWN_GRACE_MS).unref();
      await Promise.all(deps.consoles.sessions().map((s) => s.end('shutdown')));
    },
  });

  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/computes/:id/console', {
    schema: {
      summary: 'Open a compute\'s web console',
      description:
        'A single-use ticket (45 s) for the serial console of a RUNNING compute, with or without a public IP. ' +
        'Open a WebSocket at `path` with the same credentials and send the ticket first. `compute.write`; audited.',
      tags: ['Computes'],
      security: [{ BearerAuth: [] }],
      params: ComputeIdParamsSchema,
      response: {
        201: envelope(ConsoleTicketResponseSchema, 'Created'),
        ...errorResponses(401, 403, 404, [409, ['COMPUTE_NOT_RUNNING']], 429, 500, [501, ['CONSOLE_NOT_SUPPORTED']]),
      },
    },
  }, async (req, reply) => {
    const t = await deps.consoles.issueTicket(req.ctx, req.params.id);
    return reply.code(201).send(ok(req.id, deps.clock.now(), { ...t, expiresAt: t.expiresAt.toISOString() }, 'Console ticket issued'));
  });

  r.get('/api/v1/computes/:id/console/stream', {
    websocket: true,
    schema: { hide: true, params: ComputeIdParamsSchema },
    // Browsers send Origin with every WebSocket and cookies with it, from any site: a signed-in
    // connection must come from our own pages (as for changes, in the request hook). Scripts with
    // an API key send no Origin.
    onRequest: async (req) => {
      const origin = req.headers.origin;
      const bySession = req.ctx.actor.type === 'user';
      if (origin !== undefined ? origin !== publicOrigin : bySession) {
        throw new AppError('FORBIDDEN', `Cross-site console refused: open it from ${publicOrigin}.`);
      }
    },
    // An upgrade refused by the request hook (401, 403, 429) is answered in HTTP before the
    // WebSocket plugin has marked the request as its own, and the plugin would leave the socket open.
    onResponse: async (req) => {
      if (req.headers.upgrade && !req.raw.socket.destroyed) req.raw.socket.destroy();
    },
  }, (socket, req) => {
    sockets.add(socket);
    let stage: 'waiting' | 'opening' | 'open' | 'closed' = 'waiting';
    let session: ConsoleSession | undefined;
    let endReason: ConsoleEndReason = 'client';
    let idleTimer: NodeJS.Timeout | undefined;
    let alive = true;

    const close = (code: number, reason: string) => {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reasonText(reason));
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        endReason = 'idle';
        close(4408, `Closed after ${Math.round(idleMs / 60_000) || 1} min without a keystroke: reconnect to go on.`);
      }, idleMs);
    };
    const ticketTimer = setTimeout(() => close(4408, 'No ticket received: send {"ticket":"…"} as the first message.'), TICKET_WAIT_MS);
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, HEARTBEAT_MS);
    socket.on('pong', () => (alive = true));

    const attach = (s: ConsoleSession) => {
      if (stage === 'closed') return void s.end('client');
      session = s;
      stage = 'open';
      socket.send(JSON.stringify({ type: 'ready', simulated: s.simulated, idleTimeoutSeconds: idleMs / 1000 }));
      let paused = false;
      s.stream.on('data', (chunk: Buffer) => {
        socket.send(chunk, { binary: true }, () => {
          if (paused && socket.bufferedAmount < HIGH_WATER_BYTES / 4) {
            paused = false;
            s.stream.resume();
          }
        });
        if (!paused && socket.bufferedAmount > HIGH_WATER_BYTES) {
          paused = true;
          s.stream.pause();
        }
      });
      const machineGone = () => {
        if (stage !== 'open') return;
        endReason = 'machine';
        close(1000, 'The machine\'s console closed (it stopped or restarted).');
      };
      s.stream.on('end', machineGone);
      s.stream.on('close', machineGone);
      s.stream.on('error', (err) => {
        req.log.warn({ computeId: s.computeId, err: { message: err.message } }, 'console stream failed');
        machineGone();
      });
      armIdle();
    };

    const refuse = (err: unknown) => {
      if (isAppError(err)) return close(closeCodeOf(err), err.message);
      req.log.error({ reqId: req.id, err }, 'console failed to open');
      close(1011, `Something went wrong on our side (request ${req.id}).`);
    };

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (stage === 'waiting') {
        stage = 'opening';
        clearTimeout(ticketTimer);
        deps.consoles.open(req.ctx, req.params.id, ticketOf(data, isBinary)).then(attach, refuse);
        return;
      }
      // Keys typed while the console is opening are dropped: nothing is there to receive them yet.
      if (stage !== 'open' || !session) return;
      armIdle();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      if (!session.stream.write(bytes)) {
        socket.pause();
        session.stream.once('drain', () => socket.resume());
      }
    });

    socket.on('close', () => {
      stage = 'closed';
      sockets.delete(socket);
      clearTimeout(ticketTimer);
      clearTimeout(idleTimer);
      clearInterval(heartbeat);
      if (session) void session.end(endReason);
    });
  });
}
