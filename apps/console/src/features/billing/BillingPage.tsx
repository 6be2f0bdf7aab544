import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';

export function BillingPage() {
  return (
    <>
      <PageHeader title="Billing" description="Your team’s prepaid wallet in Rwandan francs (RWF): balance, top-ups through IremboPay, usage and invoices." />
      <Card>
        <EmptyState icon="wallet" title="No wallet activity yet">
          <p>Top-ups, hourly usage and monthly invoices will appear here once you are signed in to a team.</p>
        </EmptyState>
      </Card>
    </>
  );
}
