import type { Context } from './context.ts';
import { AppError } from './errors.ts';

/**
 * The person behind a request, for endpoints about "me" (`/api/v1/me/…`): a signed-in user, or
 * the person who created the API key in use. A key with no person behind it (its creator left or
 * was erased) and the platform itself cannot act for someone.
 */
export function personId(ctx: Context): string {
  const a = ctx.actor;
  if (a.type === 'user') return a.id;
  if (a.type === 'api_key' && a.userId) return a.userId;
  if (a.type === 'anonymous') throw new AppError('UNAUTHORIZED', 'Sign in, or send an API key as a Bearer token: this endpoint acts for a person.');
  throw new AppError('FORBIDDEN', 'This endpoint acts for a person: sign in, or use an API key created by the person concerned.');
}
