import { useId, useState, type FormEvent } from 'react';
import { PromptNotSentError, useCreateTopUp, type Balance, type TopUp } from '../../api/billing.ts';
import { ApiError } from '../../api/errors.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatRwf } from '../../lib/format.ts';
import { groupDigits, parseAmount, parsePhone, providerLabel, suggestAmounts, TOP_UP_MIN, topUpLabel, type Provider } from './billing-rules.ts';

function FieldError({ id, children }: { id: string; children: string | null }) {
  if (!children) return null;
  return (
    <p id={id} className="field-error" role="alert">
      <Icon name="alert" size={14} />
      {children}
    </p>
  );
}

/**
 * The top-up dialog: a suggested or typed amount in whole RWF, optionally a mobile-money prompt,
 * then IremboPay. Without a prompt the payer is sent to the hosted checkout (`onCheckout`); with
 * one, they approve on their phone and the page waits for the confirmation (`onPromptSent`).
 */
export function TopUpDialog({
  balance,
  initialAmount,
  onClose,
  onCheckout,
  onPromptSent,
  checkoutLink,
}: {
  balance: Balance;
  initialAmount?: number;
  /** The checkout of a top-up, with the way back to this page. */
  checkoutLink: (topUp: { id: string; paymentLinkUrl: string }) => string;
  onClose: () => void;
  onCheckout: (topUp: TopUp) => void;
  onPromptSent: (topUp: TopUp, phone: string) => void;
}) {
  const create = useCreateTopUp();
  const [now] = useState(() => new Date());
  const suggestions = suggestAmounts(balance, now);
  const [amountText, setAmountText] = useState(() => groupDigits(initialAmount ?? suggestions[0]?.amount ?? 10_000));
  const [withPrompt, setWithPrompt] = useState(false);
  const [phone, setPhone] = useState('');
  const [provider, setProvider] = useState<Provider>('MTN');
  const [touched, setTouched] = useState(false);
  const [amountTouched, setAmountTouched] = useState(false);
  /** On the way to the checkout: the page is about to unload, so nothing more can be changed. */
  const [leaving, setLeaving] = useState(false);
  const id = useId();

  const amount = parseAmount(amountText);
  const amountProblem = 'problem' in amount ? amount.problem : null;
  const parsedPhone = withPrompt ? parsePhone(phone) : null;
  const phoneProblem = parsedPhone && 'problem' in parsedPhone ? parsedPhone.problem : null;
  const shownAmount = touched || amountTouched ? amountProblem : null;
  const shownPhone = touched ? phoneProblem : null;
  const value = 'amount' in amount ? amount.amount : null;
  const pastDue = balance.balance < 0;
  const title = topUpLabel(balance) === 'Pay past due' ? 'Pay past due' : 'Top up the wallet';

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (value === null || phoneProblem || create.isPending || leaving) return;
    const prompt = parsedPhone && 'national' in parsedPhone ? { phone: parsedPhone.national, provider } : undefined;
    create.mutate(
      { amount: value, ...(prompt ? { mobileMoney: prompt } : {}) },
      {
        onSuccess: (topUp) => {
          if (prompt) {
            onPromptSent(topUp, prompt.phone);
          } else {
            setLeaving(true);
            onCheckout(topUp);
          }
        },
      },
    );
  };

  const promptFailed = create.error instanceof PromptNotSentError ? create.error : null;

  return (
    <Dialog
      title={title}
      description={
        pastDue ? (
          <>
            Usage has taken the balance to <strong className="billing-nowrap">{formatRwf(balance.balance)}</strong>. Pay at least what is past due to lift the restrictions on your team.
          </>
        ) : (
          'Add prepaid credit to your team’s wallet. You pay through IremboPay with MTN MoMo, Airtel Money or a card; the balance rises as soon as IremboPay confirms.'
        )
      }
      onClose={onClose}
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Top up">
        <fieldset className="billing-fieldset">
          <legend className="field-label">Suggested amounts</legend>
          <div className="billing-suggestions">
            {suggestions.map((s) => (
              <button
                key={s.id}
                type="button"
                className={s.id.startsWith('round-') ? 'billing-suggestion is-round' : 'billing-suggestion'}
                aria-pressed={value === s.amount}
                onClick={() => {
                  setAmountText(groupDigits(s.amount));
                  create.reset();
                }}
              >
                <span className="billing-suggestion-label">{s.label}</span>
                {s.id.startsWith('round-') ? null : <span className="billing-suggestion-amount">{formatRwf(s.amount)}</span>}
                {s.hint ? <span className="billing-suggestion-hint">{s.hint}</span> : null}
              </button>
            ))}
          </div>
        </fieldset>

        <div className="field">
          <label className="field-label" htmlFor={`${id}-amount`}>
            Amount
          </label>
          <div className="billing-amount-input">
            <span className="billing-amount-prefix" aria-hidden="true">
              RWF
            </span>
            <input
              id={`${id}-amount`}
              className="input"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              value={amountText}
              aria-invalid={shownAmount ? true : undefined}
              aria-describedby={`${id}-amount-hint${shownAmount ? ` ${id}-amount-error` : ''}`}
              onChange={(event) => {
                setAmountText(event.target.value);
                create.reset();
              }}
              onBlur={() => setAmountTouched(true)}
            />
          </div>
          <p id={`${id}-amount-hint`} className="field-hint">
            Whole Rwandan francs, at least {formatRwf(TOP_UP_MIN)}.
          </p>
          <FieldError id={`${id}-amount-error`}>{shownAmount}</FieldError>
        </div>

        <div className="billing-prompt">
          <label className="billing-check">
            <input
              type="checkbox"
              checked={withPrompt}
              onChange={(event) => {
                setWithPrompt(event.target.checked);
                create.reset();
              }}
            />
            <span>
              Send a payment prompt to my phone <span className="field-optional">(MTN MoMo or Airtel Money)</span>
            </span>
          </label>
          {withPrompt ? (
            <div className="billing-prompt-fields">
              <div className="field">
                <label className="field-label" htmlFor={`${id}-phone`}>
                  Mobile-money number
                </label>
                <input
                  id={`${id}-phone`}
                  className="input"
                  type="tel"
                  inputMode="tel"
                  autoComplete="tel"
                  placeholder="0788 123 456"
                  value={phone}
                  aria-invalid={shownPhone ? true : undefined}
                  aria-describedby={`${id}-phone-hint${shownPhone ? ` ${id}-phone-error` : ''}`}
                  onChange={(event) => {
                    const next = event.target.value;
                    setPhone(next);
                    const parsed = parsePhone(next);
                    if ('network' in parsed) setProvider(parsed.network);
                    create.reset();
                  }}
                />
                <p id={`${id}-phone-hint`} className="field-hint">
                  Used for this prompt only; it is not stored.
                </p>
                <FieldError id={`${id}-phone-error`}>{shownPhone}</FieldError>
              </div>
              <fieldset className="billing-fieldset">
                <legend className="field-label">Network</legend>
                <div className="billing-radios">
                  {(['MTN', 'AIRTEL'] as const).map((p) => (
                    <label key={p} className="billing-check">
                      <input type="radio" name={`${id}-provider`} value={p} checked={provider === p} onChange={() => setProvider(p)} />
                      <span>{providerLabel[p]}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
            </div>
          ) : null}
        </div>

        {value !== null ? (
          <p className="billing-summary" aria-live="polite">
            You pay <strong>{formatRwf(value)}</strong>; the balance becomes <strong>{formatRwf(balance.balance + value)}</strong>.
          </p>
        ) : null}

        {promptFailed ? (
          <Notice
            tone="warning"
            role="alert"
            title="The prompt wasn’t sent to your phone."
            action={
              <a className="btn btn-secondary btn-sm" href={checkoutLink({ id: promptFailed.topUpId, paymentLinkUrl: promptFailed.paymentLinkUrl })}>
                Pay on IremboPay
              </a>
            }
          >
            {promptFailed.message}
          </Notice>
        ) : create.isError ? (
          <Notice tone="danger" role="alert" title="The top-up wasn’t started.">
            {create.error.message}
            {create.error instanceof ApiError && create.error.requestId ? (
              <>
                {' '}
                Request id <code>{create.error.requestId}</code>.
              </>
            ) : null}
          </Notice>
        ) : null}

        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={create.isPending || leaving}>
            {create.isPending || leaving ? (withPrompt ? 'Sending the prompt…' : 'Opening IremboPay…') : withPrompt ? 'Send payment prompt' : 'Continue to payment'}
            {create.isPending || leaving || withPrompt ? null : <Icon name="external" size={16} />}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
