import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useMe } from '../../api/account.ts';
import { useSelectedTeamId } from '../../api/client.ts';
import { isTransitional, type ComputeAction, type ComputeState } from '../../api/computes.ts';
import { ApiError } from '../../api/errors.ts';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { Link } from '../../routes/router.tsx';
import { canManageComputes, commandProgress, explainError, stateLabel, stateTone } from './compute-rules.ts';
import { ComputeApiError } from '../../api/computes.ts';

/** The selected team as the signed-in person sees it, and whether they may change its computes. */
export function useComputeAccess() {
  const me = useMe();
  const teamId = useSelectedTeamId();
  const team = me.data?.teams.find((t) => t.id === teamId);
  return { me, team, manager: canManageComputes(team?.role) };
}

/** A compute's state; a state in motion pulses, so a list shows at a glance what is still changing. */
export function StateBadge({ state }: { state: ComputeState }) {
  const moving = isTransitional(state);
  return (
    <span className={`badge badge-${stateTone[state]} compute-state${moving ? ' is-moving' : ''}`} data-state={state}>
      <span className="compute-state-dot" aria-hidden="true" />
      {stateLabel[state]}
      {moving ? <span className="visually-hidden"> (in progress)</span> : null}
    </span>
  );
}

/** A small button that copies `value`, saying so for a moment (and to a screen reader). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setCopied(null), 2_000);
  };
  return (
    <button type="button" className="copy-button" aria-label={label} title={label} onClick={() => void copy()}>
      <Icon name={copied === 'yes' ? 'check' : 'copy'} size={14} />
      <span className="visually-hidden" aria-live="polite">
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Your browser refused to copy' : ''}
      </span>
    </button>
  );
}

/** An address in monospace with its copy button, or a dash. */
export function Address({ value, what }: { value: string | undefined; what: string }) {
  if (!value) return <span className="cell-muted">—</span>;
  return (
    <span className="compute-address">
      <span className="mono">{value}</span>
      <CopyButton value={value} label={`Copy the ${what} ${value}`} />
    </span>
  );
}

/** An action's progress: a bar for a running one, an indeterminate one while it waits in the queue. */
export function ActionProgress({ action }: { action: ComputeAction }) {
  const queued = action.status === 'pending';
  return (
    <div className="compute-progress" data-testid="action-progress">
      <div className="compute-progress-text">
        <span>{queued ? `${commandProgress[action.command]}: queued` : commandProgress[action.command]}</span>
        <span className="mono">{queued ? '' : `${action.progress}%`}</span>
      </div>
      <div
        className={queued ? 'compute-progress-track is-indeterminate' : 'compute-progress-track'}
        role="progressbar"
        aria-label={commandProgress[action.command]}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={queued ? undefined : action.progress}
      >
        <div className="compute-progress-fill" style={queued ? undefined : { width: `${Math.max(2, action.progress)}%` }} />
      </div>
    </div>
  );
}

/** An API refusal in plain words, with the way out (Billing, Account…) where there is one. */
export function ComputeErrorNotice({ error, title }: { error: Error; title?: string }) {
  if (!(error instanceof ApiError)) {
    return (
      <Notice tone="danger" role="alert" title={title ?? 'Something went wrong.'}>
        {error.message}
      </Notice>
    );
  }
  const explained = explainError(error.code, error.message, error instanceof ComputeApiError ? error.details : undefined);
  return (
    <Notice
      tone="danger"
      role="alert"
      title={explained.title}
      action={
        explained.link ? (
          <Link to={explained.link.to} className="btn btn-secondary btn-sm">
            {explained.link.label}
          </Link>
        ) : undefined
      }
    >
      {explained.body}
      {error.requestId ? (
        <>
          {' '}
          Request id <code>{error.requestId}</code>.
        </>
      ) : null}
    </Notice>
  );
}

/** Computes and SSH keys: sibling pages of one section. */
export function ComputesNav({ current }: { current: 'computes' | 'ssh-keys' }) {
  return (
    <nav className="segmented compute-nav" aria-label="Computes pages">
      <Link to="/computes" className="segmented-option" aria-current={current === 'computes' ? 'page' : undefined}>
        <Icon name="server" size={15} />
        Computes
      </Link>
      <Link to="/computes/ssh-keys" className="segmented-option" aria-current={current === 'ssh-keys' ? 'page' : undefined}>
        <Icon name="key" size={15} />
        SSH keys
      </Link>
    </nav>
  );
}

/** A field's inline problem, announced as it appears. */
export function FieldError({ id, children }: { id: string; children: ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="field-error" role="alert">
      <Icon name="alert" size={14} />
      {children}
    </p>
  );
}
