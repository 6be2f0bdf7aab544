import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useRequestReview, useTerminationProposal, type Balance, type TerminationProposal } from '../../api/billing.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatDate, formatDateTime, formatRwf } from '../../lib/format.ts';

const NOTE_MAX = 2000;

/** Owner and Admin: what staff should know before they decide (privacy notice §6: a person decides, not a rule). */
function ReviewForm({ proposal }: { proposal: TerminationProposal }) {
  const review = useRequestReview();
  const [note, setNote] = useState('');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const trimmed = note.trim();
  const problem = trimmed === '' ? 'Tell the staff member why the team should be kept, e.g. when you will pay.' : trimmed.length > NOTE_MAX ? `At most ${NOTE_MAX} characters.` : null;
  const shown = touched ? problem : null;

  if (proposal.reviewRequestedAt) {
    return (
      <p className="billing-review-done" role="status">
        <Icon name="info" size={16} />
        You asked for a human review on {formatDateTime(proposal.reviewRequestedAt)}. A staff member will read your note before deciding, and the team’s Owners and Admins will get an e-mail with the decision.
      </p>
    );
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem || review.isPending) return;
    review.mutate(trimmed);
  };

  return (
    <form className="form billing-review" onSubmit={onSubmit} noValidate aria-label="Ask for a human review">
      <div className="field">
        <label className="field-label" htmlFor={`${id}-note`}>
          Your note to the reviewer
        </label>
        <textarea
          id={`${id}-note`}
          className="input billing-textarea"
          rows={3}
          maxLength={NOTE_MAX}
          value={note}
          aria-invalid={shown ? true : undefined}
          aria-describedby={`${id}-hint${shown ? ` ${id}-error` : ''}`}
          onChange={(event) => setNote(event.target.value)}
        />
        <p id={`${id}-hint`} className="field-hint">
          For example: a payment on its way, a dispute about a charge, or a date by which you will pay.
        </p>
        {shown ? (
          <p id={`${id}-error`} className="field-error" role="alert">
            <Icon name="alert" size={14} />
            {shown}
          </p>
        ) : null}
      </div>
      {review.isError ? (
        <Notice tone="danger" role="alert" title="The review wasn’t requested.">
          {review.error.message}
        </Notice>
      ) : null}
      <div className="form-actions">
        <Button type="submit" disabled={review.isPending}>
          {review.isPending ? 'Sending…' : 'Ask for a human review'}
        </Button>
      </div>
    </form>
  );
}

function ProposalDetails({ manager }: { manager: boolean }) {
  const proposal = useTerminationProposal({ enabled: true });
  if (proposal.isPending) return null;
  if (proposal.isError) return <p className="field-error">Couldn’t load the proposal: {proposal.error.message}</p>;
  const open = proposal.data && proposal.data.status === 'PROPOSED' ? proposal.data : null;
  if (!open) return null;
  return (
    <div className="billing-proposal">
      <p>
        Proposed on {formatDate(open.proposedAt)}, with the balance at <span className="billing-nowrap">{formatRwf(open.balance)}</span>.
      </p>
      {manager ? <ReviewForm proposal={open} /> : <p>An Owner or Admin of the team can ask for a human review of this proposal.</p>}
    </div>
  );
}

/**
 * What a billing state other than ACTIVE means for the team, and what to do about it: pay, or,
 * for a termination proposal, also ask a person to review it. ACTIVE with a balance under the
 * alert threshold gets a gentle warning.
 */
export function BillingStateNotice({ balance, manager, payAction }: { balance: Balance; manager: boolean; payAction: ReactNode }) {
  const since = formatDate(balance.stateChangedAt);
  const askPayer = manager ? null : <p>Only the team’s Owners and Admins can top up: ask one of them to pay.</p>;
  switch (balance.state) {
    case 'PAST_DUE':
      return (
        <Notice tone="warning" role="alert" title="Your balance is past due" action={payAction}>
          <p>
            Since {since}, usage has taken the wallet to <strong className="billing-nowrap">{formatRwf(balance.balance)}</strong>. Until you top up, new computes can’t be created and stopped ones can’t be started. If the balance stays at or below
            zero, the team will be suspended: its running computes are stopped (their data is kept).
          </p>
          {askPayer}
        </Notice>
      );
    case 'SUSPENDED':
      return (
        <Notice tone="danger" role="alert" title="Your team is suspended for non-payment" action={payAction}>
          <p>
            Since {since}, the team’s computes are stopped; their disks and data are kept. Pay what is past due (<strong className="billing-nowrap">{formatRwf(Math.max(0, -balance.balance))}</strong>) and they start again on their own. If the team
            stays suspended, Strettch Cloud staff will be asked to decide on terminating it.
          </p>
          {askPayer}
        </Notice>
      );
    case 'TERMINATION_PROPOSED':
      return (
        <Notice tone="danger" role="alert" title="Termination of this team has been proposed" action={payAction}>
          <p>
            The team has been suspended for a long time without payment, so terminating it — deleting its computes and their data — has been proposed to Strettch Cloud staff. Nothing is deleted without a staff member’s decision. Paying what is past due
            (<strong className="billing-nowrap">{formatRwf(Math.max(0, -balance.balance))}</strong>) withdraws the proposal and starts the computes again. If you think this is wrong, or need more time, ask for a human review.
          </p>
          <ProposalDetails manager={manager} />
        </Notice>
      );
    case 'TERMINATED':
      return (
        <Notice tone="danger" role="alert" title="This team was terminated for non-payment">
          <p>
            A staff member approved its termination on {since}: its computes were deleted and top-ups are no longer accepted. If you believe this is a mistake, contact Strettch Cloud support and quote the team’s name.
          </p>
        </Notice>
      );
    case 'ACTIVE':
      if (balance.balance <= 0) {
        return (
          <Notice tone="info" icon="wallet" title="Add credit to get started" action={payAction}>
            <p>Computes and public addresses are paid from this prepaid wallet, by the hour. Top up to create your first compute.</p>
            {askPayer}
          </Notice>
        );
      }
      if (balance.balance < balance.lowBalanceThreshold) {
        return (
          <Notice tone="warning" title="Low balance" action={payAction}>
            <p>
              The balance is below your alert threshold of <span className="billing-nowrap">{formatRwf(balance.lowBalanceThreshold)}</span>. When it reaches zero, the team becomes past due and can’t create or start computes.
            </p>
            {askPayer}
          </Notice>
        );
      }
      return null;
  }
}
