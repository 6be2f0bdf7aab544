import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useMe, type Me, type TeamMembership } from '../../api/account.ts';
import { refreshWallet, useBalance, useDailySpend, type Balance, type TopUp } from '../../api/billing.ts';
import { setSelectedTeamId, useSelectedTeamId } from '../../api/client.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { navigate } from '../../routes/router.tsx';
import { BalanceCard } from './BalanceCard.tsx';
import { BillingHistory, type HistoryTab } from './BillingHistory.tsx';
import { LowBalanceCard, ReferralCard } from './BillingSideCards.tsx';
import { BillingStateNotice } from './BillingStateNotice.tsx';
import { canPay, checkoutHref, readPaymentReturn, topUpLabel } from './billing-rules.ts';
import { PaymentStatus, usePaymentWatch, type Watch } from './PaymentWatch.tsx';
import { SpendChart } from './SpendChart.tsx';
import { TopUpDialog } from './TopUpDialog.tsx';
import '../../styles/billing.css';

const SPEND_DAYS = 30;

function DailySpendCard() {
  const spend = useDailySpend(SPEND_DAYS);
  return (
    <Card title="Daily spend" headingId="billing-spend-heading" description={`Usage charged to the wallet per day (UTC), over the last ${SPEND_DAYS} days.`}>
      <QueryView query={spend} what="the daily spend">
        {(days) => <SpendChart days={days} captionId="billing-spend-heading" />}
      </QueryView>
    </Card>
  );
}

function TeamBilling({ team, balance, initialWatch }: { team: TeamMembership; balance: Balance; initialWatch: Watch | null }) {
  const queryClient = useQueryClient();
  const manager = canPay(team.role);
  const payments = usePaymentWatch(initialWatch);
  const [dialog, setDialog] = useState<{ amount?: number } | null>(null);
  const [tab, setTab] = useState<HistoryTab>('transactions');
  const checkoutLink = (topUp: Pick<TopUp, 'id'> & { paymentLinkUrl: string }) => checkoutHref(topUp.paymentLinkUrl, window.location.origin, { teamId: team.id, topUpId: topUp.id });

  // Coming back with the browser's Back button can restore this page from its cache as it was
  // left (the dialog open, "Opening IremboPay…"): start again from what the API says now.
  const { reset } = payments;
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setDialog(null);
      reset();
      void refreshWallet(queryClient, team.id);
    };
    window.addEventListener('pageshow', onPageShow);
    return () => window.removeEventListener('pageshow', onPageShow);
  }, [queryClient, team.id, reset]);

  const label = topUpLabel(balance);
  const payAction =
    manager && balance.state !== 'TERMINATED' ? (
      <Button size="sm" variant="primary" onClick={() => setDialog({})}>
        {label}
      </Button>
    ) : null;

  return (
    <>
      <PaymentStatus state={payments} checkoutLink={checkoutLink} onRetry={(amount) => setDialog({ amount })} />
      <div className="billing-state">
        <BillingStateNotice balance={balance} manager={manager} payAction={payAction} />
      </div>
      <BalanceCard
        balance={balance}
        teamName={team.name}
        action={
          balance.state === 'TERMINATED' ? (
            <p className="billing-member-note">Top-ups are closed for a terminated team.</p>
          ) : manager ? (
            <Button variant="primary" onClick={() => setDialog({})}>
              <Icon name="plus" size={16} />
              {label}
            </Button>
          ) : (
            <p className="billing-member-note">
              <Icon name="lock" size={15} />
              Only Owners and Admins can top up this team’s wallet.
            </p>
          )
        }
      />
      <div className="billing-grid">
        <DailySpendCard />
        <div className="billing-side">
          <LowBalanceCard balance={balance} manager={manager} />
          <ReferralCard />
        </div>
      </div>
      <BillingHistory tab={tab} onTab={setTab} checkoutLink={checkoutLink} />
      {dialog ? (
        <TopUpDialog
          balance={balance}
          initialAmount={dialog.amount}
          checkoutLink={checkoutLink}
          onClose={() => setDialog(null)}
          onCheckout={(topUp) => {
            if (!topUp.paymentLinkUrl) return;
            window.location.assign(checkoutLink({ ...topUp, paymentLinkUrl: topUp.paymentLinkUrl }));
          }}
          onPromptSent={(topUp, phone) => {
            setDialog(null);
            setTab('top-ups');
            payments.follow({ topUpId: topUp.id, origin: 'prompt', phone, startedAt: Date.now() });
          }}
        />
      ) : null}
    </>
  );
}

function TeamWallet({ team, initialWatch }: { team: TeamMembership; initialWatch: Watch | null }) {
  const balance = useBalance();
  return (
    <QueryView query={balance} what="the wallet">
      {(data) => <TeamBilling team={team} balance={data} initialWatch={initialWatch} />}
    </QueryView>
  );
}

/**
 * After IremboPay's checkout, the payer lands on `/billing?team=…&topUp=…` in a fresh page (which
 * starts on the first team): the team they paid for is selected again and the top-up followed,
 * then the address is tidied up so a reload or a team switch does not repeat it.
 */
function usePaymentReturn(me: Me | null | undefined): { pending: boolean; watch: Watch | null; teamId: string | null } {
  const [back] = useState(() => readPaymentReturn(window.location.search));
  const [watch] = useState<Watch | null>(() => (back.topUpId ? { topUpId: back.topUpId, origin: 'return', startedAt: Date.now() } : null));
  const selected = useSelectedTeamId();
  const [applied, setApplied] = useState(back.teamId === null && back.topUpId === null);
  useEffect(() => {
    if (applied || !me) return;
    if (back.teamId && me.teams.some((t) => t.id === back.teamId)) setSelectedTeamId(back.teamId);
    navigate('/billing', { replace: true });
    setApplied(true);
  }, [applied, me, back.teamId]);
  const pending = !applied && Boolean(me) && back.teamId !== null && selected !== back.teamId;
  return { pending, watch, teamId: back.teamId };
}

export function BillingPage() {
  const me = useMe();
  const teamId = useSelectedTeamId();
  const back = usePaymentReturn(me.data);
  const team = me.data?.teams.find((t) => t.id === teamId);
  return (
    <>
      <PageHeader title="Billing" description="Your team’s prepaid wallet in Rwandan francs (RWF): balance, top-ups through IremboPay, usage and invoices." />
      {me.isPending || back.pending ? (
        <Card>
          <Skeleton label="Loading the wallet…" />
        </Card>
      ) : !me.data ? (
        <SignInPrompt title="Sign in to see your wallet">The balance, top-ups through IremboPay, daily usage and monthly invoices of your team are shown here once you are signed in.</SignInPrompt>
      ) : !team ? (
        <Card>
          <EmptyState icon="wallet" title="You’re not in a team">
            <p>Each team has its own prepaid wallet. Create a team, or ask a team’s Owner or an Admin to invite you, from the Team page.</p>
          </EmptyState>
        </Card>
      ) : (
        <TeamWallet key={team.id} team={team} initialWatch={back.teamId === null || back.teamId === team.id ? back.watch : null} />
      )}
    </>
  );
}
