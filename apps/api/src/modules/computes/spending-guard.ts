import type { Executor } from '../../db/database.ts';

/** A change that makes (or keeps) a compute cost money. */
export interface SpendingIntent {
  command: 'create' | 'start' | 'reboot' | 'upsize';
  /** The specification that will be charged: the new one for create and upsize, the current one otherwise. */
  specification: string;
  /**
   * The person asking (a user, or an API key's creator), for creates: an account without a
   * verified phone, or of a child without a parent's consent, creates no resources.
   */
  userId?: string | null;
}

/**
 * Billing's say on compute changes that cost money, asked before each create, start, reboot and
 * upsize, inside the requesting transaction. The billing module implements it; it throws
 * `AppError` with `INSUFFICIENT_BALANCE`, `TEAM_PAST_DUE`, `TEAM_SUSPENDED` or `TEAM_TERMINATED`
 * (all 403) to refuse, and returns to allow. Stops and destroys are never asked: they only save
 * money. Actions the platform starts itself (lifting a suspension) are not asked either.
 */
export interface SpendingGuard {
  assertCanSpend(ex: Executor, teamId: string, intent: SpendingIntent): Promise<void>;
}

