import { signInHref } from '../../api/account.ts';
import { Link } from '../../routes/router.tsx';
import { Card } from './Card.tsx';
import { EmptyState } from './EmptyState.tsx';

/** What a signed-out visitor sees in place of a page's own data: why, and the way in. */
export function SignInPrompt({ title, children }: { title: string; children: string }) {
  return (
    <Card>
      <EmptyState
        icon="lock"
        title={title}
        action={
          <Link to={signInHref()} className="btn btn-primary">
            Sign in
          </Link>
        }
      >
        <p>{children}</p>
      </EmptyState>
    </Card>
  );
}
