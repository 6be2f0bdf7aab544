import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { safeReturnTo, useConfirmDateOfBirth, useMe, useOnboarding, useSendPhoneCode, useVerifyPhone } from '../../api/account.ts';
import { useHealth } from '../../api/queries.ts';
import { FocusShell } from '../../components/layout/FocusShell.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { useNow } from '../../lib/now.ts';
import { navigate } from '../../routes/router.tsx';
import { DEV_SMS_PATH } from '../dev/paths.ts';

const MAX_AGE_YEARS = 120;

/** `YYYY-MM-DD` of a date in the viewer's calendar. */
function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The same checks as the API, so most mistakes are caught before a round trip. */
function dateOfBirthProblem(value: string, today: Date): string | null {
  if (value === '') return 'Enter your date of birth.';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) return 'Enter a real date, e.g. 04/07/1994.';
  if (value > isoDay(today)) return 'Your date of birth can’t be in the future.';
  const oldest = new Date(today);
  oldest.setFullYear(today.getFullYear() - MAX_AGE_YEARS);
  if (value < isoDay(oldest)) return `Enter a date within the last ${MAX_AGE_YEARS} years.`;
  return null;
}

/** International form, or a Rwandan number written nationally (`0788 123 456`). */
function phoneProblem(value: string): string | null {
  const compact = value.replace(/[\s().-]/g, '');
  if (compact === '') return 'Enter your mobile number.';
  if (!/^(\+[1-9]\d{7,14}|0\d{9})$/.test(compact)) return 'Enter the number with its country code, e.g. +250 788 123 456.';
  return null;
}

function codeProblem(value: string): string | null {
  if (value === '') return 'Enter the 6-digit code from the SMS.';
  if (!/^\d{6}$/.test(value)) return 'The code is 6 digits.';
  return null;
}

function FieldError({ id, children }: { id: string; children: string | null }) {
  if (!children) return null;
  return (
    <p id={id} className="field-error" role="alert">
      <Icon name="alert" size={14} />
      {children}
    </p>
  );
}

function DateOfBirthStep() {
  const confirm = useConfirmDateOfBirth();
  const [value, setValue] = useState('');
  const [touched, setTouched] = useState(false);
  const today = new Date();
  const problem = dateOfBirthProblem(value, today);
  const shown = touched ? problem : null;
  const inputId = useId();
  const errorId = `${inputId}-error`;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    confirm.mutate(value);
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label className="field-label" htmlFor={inputId}>
          Date of birth
        </label>
        <input
          id={inputId}
          className="input input-date"
          type="date"
          name="dateOfBirth"
          autoComplete="bday"
          max={isoDay(today)}
          value={value}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? errorId : `${inputId}-hint`}
          onChange={(event) => setValue(event.target.value)}
          onBlur={() => setTouched(true)}
        />
        <p id={`${inputId}-hint`} className="field-hint">
          Confirmed once and stored encrypted. Under 16, a parent or guardian has to agree before you can create resources or pay.
        </p>
        <FieldError id={errorId}>{shown}</FieldError>
      </div>
      {confirm.isError ? <FieldError id={`${inputId}-server`}>{confirm.error.message}</FieldError> : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" disabled={confirm.isPending}>
          {confirm.isPending ? 'Confirming…' : 'Confirm date of birth'}
        </Button>
      </div>
    </form>
  );
}

function PhoneStep({ pending }: { pending: { phone: string; resendAfter: string; attemptsLeft: number } | null }) {
  const send = useSendPhoneCode();
  const verify = useVerifyPhone();
  const sandboxes = useHealth().data?.sandboxes === true;
  const now = useNow(1_000);
  const [changingNumber, setChangingNumber] = useState(false);
  const [phone, setPhone] = useState('');
  const [phoneTouched, setPhoneTouched] = useState(false);
  const [code, setCode] = useState('');
  const [codeTouched, setCodeTouched] = useState(false);
  const phoneId = useId();
  const codeId = useId();

  const askNumber = !pending || changingNumber;
  const phoneError = phoneTouched ? phoneProblem(phone) : null;
  const codeError = codeTouched ? codeProblem(code) : null;
  const waitSeconds = pending ? Math.max(0, Math.ceil((Date.parse(pending.resendAfter) - now.getTime()) / 1000)) : 0;

  const sendCode = (number: string) =>
    send.mutate(number, {
      onSuccess: () => {
        setChangingNumber(false);
        setCode('');
        setCodeTouched(false);
        verify.reset();
      },
    });

  const onSend = (event: FormEvent) => {
    event.preventDefault();
    setPhoneTouched(true);
    if (phoneProblem(phone)) return;
    sendCode(phone.replace(/[\s().-]/g, ''));
  };

  const onVerify = (event: FormEvent) => {
    event.preventDefault();
    setCodeTouched(true);
    if (codeProblem(code)) return;
    verify.mutate(code);
  };

  if (askNumber) {
    return (
      <form className="form" onSubmit={onSend} noValidate>
        <div className="field">
          <label className="field-label" htmlFor={phoneId}>
            Mobile number
          </label>
          <input
            id={phoneId}
            className="input"
            type="tel"
            name="phone"
            autoComplete="tel"
            inputMode="tel"
            placeholder="+250 788 123 456"
            value={phone}
            aria-invalid={phoneError ? true : undefined}
            aria-describedby={phoneError ? `${phoneId}-error` : `${phoneId}-hint`}
            onChange={(event) => setPhone(event.target.value)}
            onBlur={() => phone !== '' && setPhoneTouched(true)}
          />
          <p id={`${phoneId}-hint`} className="field-hint">
            We send a 6-digit code by SMS. A verified number is needed before your first top-up or compute.
          </p>
          <FieldError id={`${phoneId}-error`}>{phoneError}</FieldError>
        </div>
        {send.isError ? <FieldError id={`${phoneId}-server`}>{send.error.message}</FieldError> : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" disabled={send.isPending}>
            {send.isPending ? 'Sending…' : 'Send code'}
          </Button>
          {pending ? (
            <Button variant="ghost" onClick={() => setChangingNumber(false)}>
              Cancel
            </Button>
          ) : null}
        </div>
      </form>
    );
  }

  return (
    <form className="form" onSubmit={onVerify} noValidate>
      <p className="form-lead">
        We sent a code to <strong className="mono">{pending.phone}</strong>.{' '}
        <button type="button" className="link-button" onClick={() => setChangingNumber(true)}>
          Use another number
        </button>
      </p>
      {sandboxes ? (
        <Notice tone="info" icon="smartphone" title="Sandbox: no SMS is really sent.">
          Read the code in the{' '}
          <a href={DEV_SMS_PATH} target="_blank" rel="noreferrer">
            SMS outbox
          </a>
          .
        </Notice>
      ) : null}
      <div className="field">
        <label className="field-label" htmlFor={codeId}>
          6-digit code
        </label>
        <input
          id={codeId}
          className="input input-code"
          type="text"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          placeholder="••••••"
          value={code}
          aria-invalid={codeError ? true : undefined}
          aria-describedby={codeError ? `${codeId}-error` : `${codeId}-hint`}
          onChange={(event) => setCode(event.target.value.replace(/\D/g, '').slice(0, 6))}
          onBlur={() => code !== '' && setCodeTouched(true)}
        />
        <p id={`${codeId}-hint`} className="field-hint">
          The code works for 10 minutes. {pending.attemptsLeft} {pending.attemptsLeft === 1 ? 'try' : 'tries'} left.
        </p>
        <FieldError id={`${codeId}-error`}>{codeError}</FieldError>
      </div>
      {verify.isError ? <FieldError id={`${codeId}-server`}>{verify.error.message}</FieldError> : null}
      {send.isError ? <FieldError id={`${codeId}-resend`}>{send.error.message}</FieldError> : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </Button>
        <Button variant="ghost" disabled={waitSeconds > 0 || send.isPending} onClick={() => (phone === '' ? setChangingNumber(true) : sendCode(phone.replace(/[\s().-]/g, '')))}>
          {waitSeconds > 0 ? `Send a new code in ${waitSeconds} s` : send.isPending ? 'Sending…' : 'Send a new code'}
        </Button>
      </div>
    </form>
  );
}

function Step({ number, title, state, children }: { number: number; title: string; state: 'done' | 'current' | 'next'; children?: ReactNode }) {
  return (
    <li className={`step step-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
      <div className="step-header">
        <span className="step-marker" aria-hidden="true">
          {state === 'done' ? '✓' : number}
        </span>
        <h2 className="step-title">
          {title}
          {state === 'done' ? <span className="visually-hidden"> (done)</span> : null}
        </h2>
      </div>
      {children ? <div className="step-body">{children}</div> : null}
    </li>
  );
}

/**
 * `/onboarding`: what a new account does before anything else. Confirm a date of birth, then
 * verify a phone number by SMS; then on to where the person was going.
 */
export function OnboardingPage() {
  const returnTo = safeReturnTo(new URLSearchParams(window.location.search).get('returnTo'));
  const me = useMe();
  const onboarding = useOnboarding(me.data);
  const { age, phone, ageDone, phoneDone, complete } = onboarding;

  useEffect(() => {
    if (me.data && complete) navigate(returnTo, { replace: true });
  }, [me.data, complete, returnTo]);

  let body;
  if (me.isPending || onboarding.loading) body = <Skeleton lines={4} label="Loading your account…" />;
  else if (!me.data) body = <SignInPrompt title="Sign in first">Sign in to set up your account.</SignInPrompt>;
  else if (age.isError || phone.isError)
    body = (
      <Notice tone="danger" role="alert" title="Couldn’t load your account’s status." action={<Button size="sm" onClick={() => void Promise.all([age.refetch(), phone.refetch()])}>Retry</Button>}>
        {(age.error ?? phone.error)?.message}
      </Notice>
    );
  else
    body = (
      <ol className="steps">
        <Step number={1} title="Confirm your date of birth" state={ageDone ? 'done' : 'current'}>
          {ageDone ? null : <DateOfBirthStep />}
        </Step>
        <Step number={2} title="Verify your phone number" state={phoneDone ? 'done' : ageDone ? 'current' : 'next'}>
          {ageDone && !phoneDone ? (
            <>
              {age.data?.limited && age.data.parentalConsent !== 'not-needed' ? (
                <Notice tone="warning" title="A parent or guardian needs to agree.">
                  Until they do, your account can look around but not create resources or make payments.
                </Notice>
              ) : null}
              <PhoneStep pending={phone.data?.pending ?? null} />
            </>
          ) : null}
        </Step>
      </ol>
    );

  return (
    <FocusShell>
      <section className="auth-card card auth-card-wide" aria-labelledby="onboarding-title">
        <div className="auth-card-body">
          <h1 id="onboarding-title" className="auth-title" tabIndex={-1}>
            {me.data ? `Welcome, ${me.data.name.split(' ')[0]}` : 'Get started'}
          </h1>
          <p className="auth-lead">Two quick checks before you start: they keep accounts real and help us meet Rwandan law.</p>
          {body}
        </div>
      </section>
    </FocusShell>
  );
}
