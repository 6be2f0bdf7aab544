import type { ReactNode } from 'react';
import type { Balance } from '../../api/billing.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { formatDateTime, formatRwf } from '../../lib/format.ts';
import { describeDaysLeft, stateLabel, stateTone } from './billing-rules.ts';

/**
 * The wallet at a glance: the balance, its billing state, what runs costs now and how long the
 * balance lasts at that rate. `action` is the top-up button (or, for a Member, why there is none).
 */
export function BalanceCard({ balance, teamName, action }: { balance: Balance; teamName: string; action: ReactNode }) {
  const negative = balance.balance < 0;
  return (
    <section className="card billing-balance" aria-labelledby="billing-balance-heading">
      <div className="billing-balance-main">
        <div className="billing-balance-text">
          <h2 id="billing-balance-heading" className="billing-balance-label">
            Balance of {teamName}
          </h2>
          <p className={negative ? 'billing-balance-amount is-negative' : 'billing-balance-amount'} data-testid="billing-balance" aria-live="polite">
            {formatRwf(balance.balance)}
          </p>
          <p className="billing-balance-meta">
            <Badge tone={stateTone[balance.state]}>{stateLabel[balance.state]}</Badge>
            <span>Prepaid · {balance.state === 'ACTIVE' ? 'charged hourly from this balance' : `since ${formatDateTime(balance.stateChangedAt)}`}</span>
          </p>
        </div>
        <div className="billing-balance-action">{action}</div>
      </div>
      <dl className="billing-stats">
        <div className="billing-stat">
          <dt>Hourly rate</dt>
          <dd>
            {formatRwf(balance.hourlyRate)}
            <span className="billing-stat-unit"> / hour</span>
          </dd>
        </div>
        <div className="billing-stat">
          <dt>Projected daily spend</dt>
          <dd>
            {formatRwf(balance.projectedDailySpend)}
            <span className="billing-stat-unit"> / day</span>
          </dd>
        </div>
        <div className="billing-stat">
          <dt>Days left at this rate</dt>
          <dd>{negative ? 'None: past due' : describeDaysLeft(balance.daysLeft)}</dd>
        </div>
        <div className="billing-stat">
          <dt>Low-balance alert</dt>
          <dd>
            <span className="billing-stat-unit">below </span>
            {formatRwf(balance.lowBalanceThreshold)}
          </dd>
        </div>
      </dl>
    </section>
  );
}
