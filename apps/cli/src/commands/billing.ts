import { createPlatform, grantCredit, type Config } from '@strettch/api';

/**
 * Staff commands of billing, run by an operator against the platform's database (PostgreSQL in
 * production; with the embedded database, stop the server first). Every decision records the
 * staff member's name; termination is never decided without one (privacy notice §6).
 */
async function withPlatform<T>(config: Config, fn: (platform: Awaited<ReturnType<typeof createPlatform>>) => Promise<T>): Promise<T> {
  const platform = await createPlatform({ ...config, LOG_LEVEL: 'error' }, { migrate: false });
  try {
    return await fn(platform);
  } finally {
    await platform.stop();
  }
}

/** `strettch billing proposals`: termination proposals waiting for a decision, oldest first. */
export async function listProposals(config: Config) {
  await withPlatform(config, async ({ deps }) => {
    const rows = await deps.dunning.openProposals();
    if (rows.length === 0) return console.log('no termination proposals wait for a decision');
    console.table(rows.map((p) => ({ id: p.id, team: p.teamId, proposed: p.proposedAt.toISOString(), balance: p.balance, reviewRequested: p.reviewRequestedAt?.toISOString() ?? '', note: p.reviewNote ?? '' })));
  });
}

/** `strettch billing decide <id> --approve|--reject --staff <name> --note <text>`. */
export async function decideProposal(config: Config, id: string, opts: { approve: boolean; staff: string; note: string }) {
  await withPlatform(config, async ({ deps }) => {
    const row = await deps.dunning.decide(id, opts);
    console.log(`proposal ${row.id}: ${row.status.toLowerCase()} by ${row.decidedBy}`);
  });
}

/** `strettch billing review-items`: payments and ledger problems flagged for staff. */
export async function listReviewItems(config: Config) {
  await withPlatform(config, async ({ deps }) => {
    const rows = await deps.billing.reviewItems(50);
    if (rows.length === 0) return console.log('nothing to review');
    console.table(rows.map((r) => ({ id: r.id, kind: r.kind, team: r.teamId ?? '', reference: r.reference, at: r.createdAt.toISOString(), detail: JSON.stringify(r.detail).slice(0, 100) })));
  });
}

/** `strettch billing credit <teamId> <amount> --reason <text> --staff <name> [--kind credit|adjustment|refund]`. */
export async function credit(config: Config, teamId: string, amount: number, opts: { reason: string; staff: string; kind: 'credit' | 'adjustment' | 'refund' }) {
  await withPlatform(config, async ({ deps }) => {
    const result = await grantCredit(deps.database.db, deps.ledger, { teamId, amount, ...opts });
    console.log(`${opts.kind} of ${amount} RWF posted; the balance is now ${result.balance} RWF`);
  });
}
