import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { signInHref } from '../../api/account.ts';
import { ApiError } from '../../api/errors.ts';
import { Link } from '../../routes/router.tsx';
import { Button } from './Button.tsx';
import { Notice } from './Notice.tsx';
import { Skeleton } from './Skeleton.tsx';

/**
 * The four states of anything loaded from the API, rendered the same way everywhere:
 * loading, "sign in to see …" on 401, an error with its request id and a retry, or the data.
 */
export function QueryView<T>({ query, what, children }: { query: UseQueryResult<T>; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Skeleton label={`Loading ${what}…`} />;
  if (query.isError) {
    const error = query.error;
    if (error instanceof ApiError && error.isUnauthorized) {
      return (
        <Notice
          tone="neutral"
          icon="lock"
          title={`Sign in to see ${what}.`}
          action={
            <Link to={signInHref()} className="btn btn-secondary btn-sm">
              Sign in
            </Link>
          }
        />
      );
    }
    const requestId = error instanceof ApiError ? error.requestId : null;
    return (
      <Notice
        tone="danger"
        role="alert"
        title={`Couldn’t load ${what}.`}
        action={
          <Button size="sm" onClick={() => void query.refetch()} disabled={query.isFetching}>
            {query.isFetching ? 'Retrying…' : 'Retry'}
          </Button>
        }
      >
        {error.message}
        {requestId ? (
          <>
            {' '}
            Request id <code>{requestId}</code>.
          </>
        ) : null}
      </Notice>
    );
  }
  return <>{children(query.data)}</>;
}
