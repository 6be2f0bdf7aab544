import { useId, useRef, useState, type FormEvent } from 'react';
import { useReferral, useUpdateBillingSettings, type Balance } from '../../api/billing.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatRwf } from '../../lib/format.ts';
import { groupDigits } from './billing-rules.ts';

const THRESHOLD_MAX = 100_000_000;

/** The API's threshold rule: whole RWF from 0 to 100,000,000. */
function parseThreshold(value: string): { amount: number } | { problem: string } {
  const text = value.replace(/[\s,]/g, '');
  if (text === '') return { problem: 'Enter an amount in RWF, e.g. 5,000.' };
  if (!/^\d+$/.test(text)) return { problem: 'Enter whole francs in digits, e.g. 5,000.' };
  const amount = Number(text);
  if (amount > THRESHOLD_MAX) return { problem: `At most ${formatRwf(THRESHOLD_MAX)}.` };
  return { amount };
}

function ThresholdForm({ balance }: { balance: Balance }) {
  const update = useUpdateBillingSettings();
  const [text, setText] = useState(() => groupDigits(balance.lowBalanceThreshold));
  const [touched, setTouched] = useState(false);
  const id = useId();
  const parsed = parseThreshold(text);
  const problem = 'problem' in parsed ? parsed.problem : null;
  const shown = touched ? problem : null;
  const changed = 'amount' in parsed && parsed.amount !== balance.lowBalanceThreshold;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!('amount' in parsed) || !changed || update.isPending) return;
    update.mutate(parsed.amount, { onSuccess: (saved) => setText(groupDigits(saved.lowBalanceThreshold)) });
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Low-balance alert">
      <div className="field">
        <label className="field-label" htmlFor={`${id}-threshold`}>
          Alert me below
        </label>
        <div className="billing-amount-input">
          <span className="billing-amount-prefix" aria-hidden="true">
            RWF
          </span>
          <input
            id={`${id}-threshold`}
            className="input"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            aria-invalid={shown ? true : undefined}
            aria-describedby={shown ? `${id}-error` : undefined}
            onChange={(event) => {
              setText(event.target.value);
              update.reset();
            }}
            onBlur={() => setTouched(true)}
          />
        </div>
        {shown ? (
          <p id={`${id}-error`} className="field-error" role="alert">
            <Icon name="alert" size={14} />
            {shown}
          </p>
        ) : null}
      </div>
      {update.isError ? (
        <Notice tone="danger" role="alert" title="The alert wasn’t saved.">
          {update.error.message}
        </Notice>
      ) : update.isSuccess ? (
        <Notice tone="info" role="status" title={`Saved: you’ll be alerted below ${formatRwf(update.data.lowBalanceThreshold)}.`} />
      ) : null}
      <div className="form-actions">
        {/* Enabled for a wrong entry too, so that pressing it says what is wrong. */}
        <Button type="submit" variant="primary" disabled={update.isPending || (!changed && !problem)}>
          {update.isPending ? 'Saving…' : 'Save'}
        </Button>
        <Button
          variant="ghost"
          disabled={update.isPending}
          onClick={() =>
            update.mutate(null, {
              onSuccess: (saved) => {
                setText(groupDigits(saved.lowBalanceThreshold));
                setTouched(false);
              },
            })
          }
        >
          Use the default
        </Button>
      </div>
    </form>
  );
}

/** Owner and Admin set when the team is warned that its balance runs low; everyone sees it. */
export function LowBalanceCard({ balance, manager }: { balance: Balance; manager: boolean }) {
  return (
    <Card
      title="Low-balance alert"
      headingId="billing-alert-heading"
      description="The team’s Owners and Admins get an e-mail and a text message when the balance falls below this amount, or when it would last only a few more days."
    >
      {manager ? (
        <ThresholdForm balance={balance} />
      ) : (
        <p className="muted-text">
          Alerts are sent below <strong className="billing-nowrap">{formatRwf(balance.lowBalanceThreshold)}</strong>. An Owner or Admin can change this.
        </p>
      )}
    </Card>
  );
}

/** The person's referral link with a copy button, and how many people it brought. */
export function ReferralCard() {
  const referral = useReferral({ enabled: true });
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const copy = async (link: string) => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure origin, a policy): select the link for a manual copy.
      input.current?.select();
      setCopied('failed');
    }
  };
  return (
    <Card title="Refer & earn" headingId="billing-referral-heading" description="Share your link. When someone who signs up with it tops up enough on a team they own, you both get credit on your wallets, once.">
      <QueryView query={referral} what="your referral link">
        {(data) => (
          <div className="form">
            <div className="field">
              <label className="field-label" htmlFor={`${id}-link`}>
                Your referral link
              </label>
              <div className="secret-row">
                <input ref={input} id={`${id}-link`} className="input mono billing-referral-link" type="text" readOnly value={data.link} onFocus={(event) => event.target.select()} />
                <Button onClick={() => void copy(data.link)}>
                  {copied === 'yes' ? 'Copied' : 'Copy'}
                  <span className="visually-hidden"> the referral link</span>
                </Button>
              </div>
              <p className="field-hint" role="status">
                {copied === 'failed' ? 'Your browser refused to copy: the link is selected, copy it with Ctrl+C.' : copied === 'yes' ? 'Link copied to the clipboard.' : `Code ${data.code}`}
              </p>
            </div>
            <dl className="billing-referral-stats">
              <div>
                <dt>Signed up with your link</dt>
                <dd>{groupDigits(data.referred)}</dd>
              </div>
              <div>
                <dt>Rewarded</dt>
                <dd>{groupDigits(data.rewarded)}</dd>
              </div>
            </dl>
          </div>
        )}
      </QueryView>
    </Card>
  );
}
