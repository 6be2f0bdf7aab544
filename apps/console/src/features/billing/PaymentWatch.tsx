import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { refreshWallet, useTopUps, type Page, type TopUp } from '../../api/billing.ts';
import { useSelectedTeamId } from '../../api/client.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatDateTime, formatRelativeTime, formatRwf } from '../../lib/format.ts';
import { isPayable, paymentMethodLabel } from './billing-rules.ts';

/** How long the page asks about a payment on its way before it offers "Check again" instead. */
const POLL_FOR_MS = 3 * 60_000;
/** A pending top-up older than this is not watched on arrival, only offered to pay. */
const FRESH_MS = 30 * 60_000;

/**
 * A top-up the page follows until IremboPay's confirmation lands: the one the payer comes back
 * from (`return`), the one whose phone prompt was just sent (`prompt`), or the newest one still
 * open when the page opens (`open`).
 */
export interface Watch {
  topUpId: string;
  origin: 'return' | 'prompt' | 'open';
  phone?: string;
  startedAt: number;
}

/**
 * Follows `watch` through the newest page of top-ups, polling while it is PENDING (for a few
 * minutes), and refreshes the wallet once it is PAID. With no watch, the newest top-up still
 * open becomes one, so a payer who came back another way (Back button, a new tab) sees it too.
 */
export function usePaymentWatch(initial: Watch | null) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  const [watch, setWatch] = useState<Watch | null>(initial);
  const [dismissed, setDismissed] = useState(false);
  const [, setTick] = useState(0);
  const poll = useCallback(
    (list: Page<TopUp> | undefined) => {
      if (!watch) return false;
      const topUp = list?.items.find((t) => t.id === watch.topUpId);
      // Not in the list yet counts as pending: the top-up exists, its page is just behind.
      return (!topUp || topUp.status === 'PENDING') && Date.now() - watch.startedAt < POLL_FOR_MS;
    },
    [watch],
  );
  const latest = useTopUps(1, poll);
  const items = latest.data?.items;
  const tracked = watch ? items?.find((t) => t.id === watch.topUpId) : undefined;

  useEffect(() => {
    if (watch || !items) return;
    const newest = items[0];
    if (newest && isPayable(newest, new Date()) && Date.now() - Date.parse(newest.createdAt) < FRESH_MS) {
      setWatch({ topUpId: newest.id, origin: 'open', startedAt: Date.now() });
    }
  }, [watch, items]);

  // The moment it is paid: the balance, the ledger and the chart all changed.
  const status = tracked?.status;
  const paidSeen = useRef<string | null>(null);
  useEffect(() => {
    if (status !== 'PAID' || !watch || paidSeen.current === watch.topUpId) return;
    paidSeen.current = watch.topUpId;
    void refreshWallet(queryClient, teamId);
  }, [status, watch, queryClient, teamId]);

  // Re-render when the polling window closes, so the notice offers "Check again".
  useEffect(() => {
    if (!watch || status !== 'PENDING') return;
    const left = watch.startedAt + POLL_FOR_MS - Date.now();
    if (left <= 0) return;
    const timer = window.setTimeout(() => setTick((n) => n + 1), left + 50);
    return () => window.clearTimeout(timer);
  }, [watch, status]);

  return {
    watch,
    tracked,
    loading: latest.isPending,
    dismissed,
    follow: (next: Watch) => {
      setDismissed(false);
      setWatch(next);
    },
    checkAgain: () => {
      if (watch) setWatch({ ...watch, startedAt: Date.now() });
      void latest.refetch();
    },
    dismiss: () => setDismissed(true),
    /** Forget the current one (e.g. after the page comes back from the browser's cache). */
    reset: () => {
      setDismissed(false);
      setWatch(null);
    },
  };
}

/** A green notice: the one thing that went well (the shared Notice has no success tone). */
function SuccessNotice({ title, children, onDismiss }: { title: string; children: ReactNode; onDismiss: () => void }) {
  return (
    <div className="notice billing-notice-success" role="status" data-testid="payment-received">
      <Icon name="shield" className="notice-icon" />
      <div className="notice-text">
        <p className="notice-title">{title}</p>
        <div className="notice-body">{children}</div>
      </div>
      <div className="notice-action">
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
    </div>
  );
}

/** Where the followed top-up stands, in words, with what the payer can do next. */
export function PaymentStatus({
  state,
  checkoutLink,
  onRetry,
}: {
  state: ReturnType<typeof usePaymentWatch>;
  checkoutLink: (topUp: TopUp & { paymentLinkUrl: string }) => string;
  onRetry: (amount: number) => void;
}) {
  const { watch, tracked, loading, dismissed } = state;
  const now = new Date();
  if (!watch || dismissed) return null;
  if (!tracked) {
    const checking = loading || (watch.origin !== 'open' && Date.now() - watch.startedAt < POLL_FOR_MS);
    return checking ? <Notice tone="info" role="status" title="Checking your payment with IremboPay…" /> : null;
  }
  const amount = formatRwf(tracked.amount);
  const payLink = tracked.paymentLinkUrl && isPayable(tracked, now) ? checkoutLink({ ...tracked, paymentLinkUrl: tracked.paymentLinkUrl }) : null;
  const payButton = payLink ? (
    <a className="btn btn-secondary btn-sm" href={payLink}>
      {watch.origin === 'open' ? 'Pay now' : 'Open the payment page'}
    </a>
  ) : null;

  switch (tracked.status) {
    case 'PAID':
      return (
        <SuccessNotice title="Payment received" onDismiss={state.dismiss}>
          {amount} was added to the wallet{tracked.paymentMethod ? `, paid with ${paymentMethodLabel(tracked.paymentMethod)}` : ''}
          {tracked.paidAt ? ` on ${formatDateTime(tracked.paidAt)}` : ''}.{watch.origin === 'open' ? '' : ' A receipt is on its way to your e-mail.'}
        </SuccessNotice>
      );
    case 'FAILED':
    case 'EXPIRED':
      return (
        <Notice
          tone="warning"
          role="alert"
          title={`The payment of ${amount} didn’t go through`}
          action={
            <Button size="sm" onClick={() => onRetry(tracked.amount)}>
              Try again
            </Button>
          }
        >
          The IremboPay invoice {tracked.status === 'EXPIRED' ? 'expired before it was paid' : 'could not be created'}. Nothing was charged.
        </Notice>
      );
    case 'PENDING': {
      if (!isPayable(tracked, now)) return null;
      if (watch.origin === 'open') {
        return (
          <Notice tone="info" icon="wallet" title={`A top-up of ${amount} is waiting for payment`} action={payButton}>
            Started {formatRelativeTime(tracked.createdAt, now)}; it can be paid until {formatDateTime(tracked.expiresAt)}. The balance rises as soon as IremboPay confirms the payment.
          </Notice>
        );
      }
      if (Date.now() - watch.startedAt >= POLL_FOR_MS) {
        return (
          <Notice
            tone="warning"
            title={`IremboPay hasn’t confirmed your payment of ${amount} yet`}
            action={
              <span className="billing-actions">
                <Button size="sm" onClick={state.checkAgain}>
                  Check again
                </Button>
                {payButton}
              </span>
            }
          >
            If you paid, the balance rises as soon as the confirmation arrives; we also ask IremboPay ourselves every few minutes. Nothing is charged twice.
          </Notice>
        );
      }
      return (
        <Notice tone="info" role="status" icon="refresh" title={`Waiting for IremboPay to confirm your payment of ${amount}…`} action={payButton}>
          {watch.origin === 'prompt'
            ? `Approve the payment prompt sent to ${watch.phone ?? 'your phone'}. This page updates by itself.`
            : 'This usually takes a few seconds after you pay. This page updates by itself.'}
        </Notice>
      );
    }
  }
}
