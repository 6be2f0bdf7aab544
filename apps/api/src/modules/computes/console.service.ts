import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Db } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Audit } from '../audit/audit.service.ts';
import { authorize, type Permission } from '../teams/permissions.ts';
import { consoleTicketsRepository } from './console-tickets.repository.ts';
import { computesRepository, type ComputeRow } from './computes.repository.ts';
import { HypervisorError, type HypervisorDriver } from './hypervisor/port.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How long a ticket opens a console: long enough for the browser to connect, too short to be worth stealing. */
export const CONSOLE_TICKET_TTL_MS = 45_000;
/**
 * Consoles open at once on one compute (in this process). A serial line is one line: QEMU serves
 * one client and makes a second one wait unseen, and two people typing into one shell interleave.
 */
export const CONSOLES_PER_COMPUTE = 1;

/**
 * Who may open a console. A console is a root shell on the machine, so it takes what changing the
 * machine takes (`compute.write`: Owner and Admin, and API keys scoped to it), not `compute.read`.
 */
export const CONSOLE_PERMISSION: Permission = 'compute.write';

export interface ConsoleTicket {
  /** Single-use secret, sent as the first WebSocket message; never put in a URL. */
  ticket: string;
  expiresAt: Date;
  /** Where to open the WebSocket, relative to the origin. */
  path: string;
}

/** Why a console ended, as its audit entry records it. */
export type ConsoleEndReason = 'client' | 'idle' | 'machine' | 'shutdown' | 'error';

export interface ConsoleSession {
  computeId: string;
  /** The machine's serial console: its output to read, keys to write. */
  stream: Duplex;
  /** True on the fake hypervisor: no machine runs behind this console. */
  simulated: boolean;
  /** Ends the console once (later calls wait for the first): frees its place, closes the stream, audits the close. */
  end(reason: ConsoleEndReason): Promise<void>;
}

export interface ComputeConsoleDeps {
  db: Db;
  clock: Clock;
  audit: Audit;
  driver: Pick<HypervisorDriver, 'kind' | 'simulated' | 'capabilities' | 'openConsole'>;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * The web console of a compute (issue 6, item 6): the machine's serial console in the browser,
 * for computes with or without a public IP. Opening one takes two steps so that no secret travels
 * in a URL: an authenticated, CSRF-checked request gets a short-lived single-use ticket bound to
 * the person (or API key), the team and the compute; the WebSocket then presents it as its first
 * message, and its own credentials must be the ticket's. Standing and state are checked again at
 * that moment. Opening and closing are audited (`compute.console.open` / `.close` with the
 * duration); what is typed or printed is never recorded.
 */
export class ComputeConsoleService {
  /** Consoles open or opening in this process, by compute. */
  private readonly places = new Map<string, number>();
  private readonly live = new Set<ConsoleSession>();

  constructor(
    private readonly deps: ComputeConsoleDeps,
    private readonly opts: { ticketTtlMs?: number; perCompute?: number } = {},
  ) {}

  async issueTicket(ctx: Context, computeId: string): Promise<ConsoleTicket> {
    return inTransaction(ctx, async (ctx) => {
      const access = await authorize(ctx, CONSOLE_PERMISSION);
      const compute = await this.findInTeam(ctx, access.teamId, computeId);
      this.assertOpenable(compute);
      const now = this.deps.clock.now();
      const ticket = crypto.randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + (this.opts.ticketTtlMs ?? CONSOLE_TICKET_TTL_MS));
      await consoleTicketsRepository.insert(ctx.tx, {
        id: crypto.randomUUID(),
        tokenHash: sha256(ticket),
        computeId: compute.id,
        teamId: access.teamId,
        userId: access.userId,
        apiKeyId: access.apiKeyId,
        createdAt: now,
        expiresAt,
      });
      return { ticket, expiresAt, path: `/api/v1/computes/${compute.id}/console/stream` };
    });
  }

  /**
   * Redeems a ticket and opens the machine's console. `ctx` is the WebSocket request's: its actor
   * must be the one the ticket was issued to. The ticket is spent by the first attempt, whatever
   * its outcome. Refusals are AppErrors: UNAUTHORIZED (unknown, reused, expired or someone else's
   * ticket), FORBIDDEN or RESOURCE_NOT_FOUND (standing lost since), COMPUTE_NOT_RUNNING, CONFLICT
   * (the console is already open), CONSOLE_NOT_SUPPORTED, SERVICE_UNAVAILABLE (the engine failed).
   */
  async open(ctx: Context, computeId: string, ticket: string): Promise<ConsoleSession> {
    const db = this.deps.db;
    const now = this.deps.clock.now();
    const row = ticket ? await consoleTicketsRepository.findByHash(db, sha256(ticket)) : undefined;
    const invalid = 'This console ticket is not valid: ask for a new one (POST /computes/{id}/console).';
    if (!row) throw new AppError('UNAUTHORIZED', invalid);
    if (!(await consoleTicketsRepository.claim(db, row.id, now))) {
      throw new AppError('UNAUTHORIZED', 'This console ticket was already used: each ticket opens one console. Ask for a new one.');
    }
    if (row.expiresAt.getTime() <= now.getTime()) throw new AppError('UNAUTHORIZED', 'This console ticket has expired: ask for a new one and connect at once.');
    const actor = ctx.actor;
    const sameActor = row.apiKeyId
      ? actor.type === 'api_key' && actor.id === row.apiKeyId
      : actor.type === 'user' && actor.id === row.userId;
    if (row.computeId !== computeId || !sameActor) throw new AppError('UNAUTHORIZED', invalid);

    // Standing and state again: a role taken away or a compute stopped since the ticket was made counts.
    const acting: Context = { ...ctx, teamId: row.teamId, tx: db };
    const access = await authorize(acting, CONSOLE_PERMISSION);
    const compute = await this.findInTeam(acting, access.teamId, computeId);
    this.assertOpenable(compute);

    const taken = this.places.get(compute.id) ?? 0;
    if (taken >= (this.opts.perCompute ?? CONSOLES_PER_COMPUTE)) {
      throw new AppError('CONFLICT', 'The console of this compute is already open, in another window or by a teammate: close it there first.');
    }
    // The place is held before the engine is asked, so two connections cannot both get it.
    this.places.set(compute.id, taken + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (this.places.get(compute.id) ?? 1) - 1;
      if (left > 0) this.places.set(compute.id, left);
      else this.places.delete(compute.id);
    };

    let stream: Duplex;
    try {
      stream = await this.deps.driver.openConsole({ id: compute.driverRef! });
    } catch (err) {
      release();
      if (err instanceof HypervisorError && err.code === 'not_supported') throw new AppError('CONSOLE_NOT_SUPPORTED', err.message);
      this.deps.logger?.warn({ computeId: compute.id, driver: this.deps.driver.kind, err: { code: (err as HypervisorError).code, message: (err as Error).message } }, 'console could not be opened');
      throw new AppError('SERVICE_UNAVAILABLE', 'The machine\'s console could not be reached: try again in a moment.');
    }

    const openedAt = this.deps.clock.now();
    const target = { targetType: 'compute', targetId: compute.id };
    try {
      await this.deps.audit.record(acting, { action: 'compute.console.open', ...target, data: { driver: this.deps.driver.kind } });
    } catch (err) {
      release();
      stream.destroy();
      throw err;
    }

    let ending: Promise<void> | undefined;
    const session: ConsoleSession = {
      computeId: compute.id,
      stream,
      simulated: this.deps.driver.simulated,
      end: (reason) =>
        (ending ??= (async () => {
          release();
          this.live.delete(session);
          stream.destroy();
          const durationSeconds = Math.max(0, Math.round((this.deps.clock.now().getTime() - openedAt.getTime()) / 1000));
          await this.deps.audit
            .record(acting, { action: 'compute.console.close', ...target, data: { reason, durationSeconds } })
            .catch((err: unknown) => this.deps.logger?.warn({ computeId: compute.id, err: { message: (err as Error).message } }, 'console close not audited'));
        })()),
    };
    this.live.add(session);
    return session;
  }

  /** Every open console of this process (stopping: each is ended and audited as `shutdown`). */
  sessions(): ConsoleSession[] {
    return [...this.live];
  }

  private async findInTeam(ctx: Context, teamId: string, id: string): Promise<ComputeRow> {
    const compute = UUID.test(id) ? await computesRepository.findInTeam(ctx.tx, teamId, id) : undefined;
    if (!compute) throw new AppError('RESOURCE_NOT_FOUND', 'No such compute in this team.');
    return compute;
  }

  private assertOpenable(c: ComputeRow): void {
    if (!this.deps.driver.capabilities().consoles.includes('serial')) {
      throw new AppError('CONSOLE_NOT_SUPPORTED', `The ${this.deps.driver.kind} hypervisor of this installation offers no web console yet: connect with SSH.`);
    }
    if (c.driver !== this.deps.driver.kind) {
      throw new AppError('CONSOLE_NOT_SUPPORTED', `This compute runs on the ${c.driver} hypervisor, which this installation no longer drives.`);
    }
    if (c.state !== 'RUNNING' || !c.driverRef) {
      throw new AppError('COMPUTE_NOT_RUNNING', `The compute is ${c.state}: its console opens only while it is RUNNING.`);
    }
  }
}
