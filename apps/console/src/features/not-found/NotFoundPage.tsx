import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { Link } from '../../routes/router.tsx';

export function NotFoundPage({ pathname }: { pathname: string }) {
  return (
    <>
      <PageHeader title="Page not found" description="The address may be mistyped, or the page may have moved." />
      <Card>
        <EmptyState
          icon="alert"
          title="Nothing lives at this address"
          action={
            <Link to="/computes" className="btn btn-primary">
              Go to Computes
            </Link>
          }
        >
          <p>
            <code className="path-code">{pathname}</code> is not a page of the console.
          </p>
        </EmptyState>
      </Card>
    </>
  );
}
