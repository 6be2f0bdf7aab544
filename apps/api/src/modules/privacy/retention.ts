import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { DAY } from '../../shared/clock.ts';
import { dataMap, type DataMap } from './data-map.ts';

export interface FixedRetention {
  table: string;
  from: string;
  days: number;
}

/**
 * Tables whose rows are destroyed a fixed time after one of their timestamps, read from the data
 * map, so a retention period is stated once and enforced from there (Law 058/2021: personal data
 * is kept no longer than its purpose needs). A table whose personal columns disagree on the rule
 * is refused: rows are deleted whole, so one rule must cover the whole row.
 */
export function fixedRetentionPlan(map: DataMap = dataMap): FixedRetention[] {
  const plan: FixedRetention[] = [];
  for (const [table, columns] of Object.entries(map)) {
    const rules = Object.values(columns).flatMap((c) => (c.personal && c.retention.rule === 'fixed' ? [c.retention] : []));
    if (rules.length === 0) continue;
    const personalCount = Object.values(columns).filter((c) => c.personal).length;
    const first = rules[0]!;
    if (rules.length !== personalCount || rules.some((r) => r.days !== first.days || r.from !== first.from)) {
      throw new Error(`data map: the personal columns of ${table} must share one fixed retention rule`);
    }
    plan.push({ table, from: first.from, days: first.days });
  }
  return plan;
}

/** Deletes every row past its retention period; returns the number deleted per table. */
export async function enforceFixedRetention(ex: Executor, clock: Clock, plan = fixedRetentionPlan()): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, from, days } of plan) {
    const cutoff = new Date(clock.now().getTime() - days * DAY);
    const result = await ex.execute(sql`delete from ${sql.identifier(table)} where ${sql.identifier(from)} < ${cutoff.toISOString()}::timestamptz`);
    counts[table] = result.rowCount ?? 0;
  }
  return counts;
}

