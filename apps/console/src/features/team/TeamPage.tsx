import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';

export function TeamPage() {
  return (
    <>
      <PageHeader title="Team" description="Members and their roles (Owner, Admin, Member), invitations, API keys and the team’s audit log." />
      <Card>
        <EmptyState icon="users" title="No team members to show">
          <p>Members, pending invitations and API keys will be listed here once you are signed in to a team.</p>
        </EmptyState>
      </Card>
    </>
  );
}
