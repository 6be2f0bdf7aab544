import { useState } from 'react';
import { Button } from './Button.tsx';

/**
 * A small button for a row action that cannot be undone (revoke, remove, leave): the first click
 * asks, a second one acts, and "Keep" steps back. No modal, so the row stays in view.
 */
export function ConfirmAction({
  label,
  ariaLabel,
  confirmLabel,
  pendingLabel,
  keepLabel = 'Keep',
  pending,
  onConfirm,
}: {
  label: string;
  /** Names the row, e.g. "Remove Aline Uwase", for a screen reader's list of buttons. */
  ariaLabel?: string;
  confirmLabel: string;
  pendingLabel: string;
  keepLabel?: string;
  pending: boolean;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <Button size="sm" variant="ghost" onClick={() => setConfirming(true)} aria-label={ariaLabel}>
        {label}
      </Button>
    );
  }
  return (
    <span className="confirm-actions">
      <Button size="sm" variant="secondary" onClick={() => setConfirming(false)} disabled={pending}>
        {keepLabel}
      </Button>
      <Button size="sm" className="btn-danger" disabled={pending} onClick={onConfirm}>
        {pending ? pendingLabel : confirmLabel}
      </Button>
    </span>
  );
}
