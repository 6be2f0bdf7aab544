import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, csrfHeaders, getSelectedTeamId, setCsrfToken, setSelectedTeamId } from './client.ts';
import { ApiError, unwrap } from './errors.ts';

/** The signed-out page shown after closing an account (a standalone route, see routes.ts). */
export const ACCOUNT_CLOSED_PATH = '/account-closed';

/**
 * The signed-in person: sign-in providers, `GET /me` (the session, its CSRF token and teams),
 * sign-out, sessions, and the two onboarding steps (date of birth, phone number).
 */

export type Me = components['schemas']['Me'];
export type TeamMembership = components['schemas']['TeamMembership'];
export type Role = TeamMembership['role'];
export type Locale = Me['locale'];

export const accountKeys = {
  providers: ['auth', 'providers'] as const,
  me: ['me'] as const,
  sessions: ['me', 'sessions'] as const,
  age: ['me', 'date-of-birth'] as const,
  phone: ['me', 'phone'] as const,
};

/** Ways to sign in on this installation (public). */
export function useSignInProviders() {
  return useQuery({
    queryKey: accountKeys.providers,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/auth/providers', { signal }))).data,
    staleTime: 10 * 60_000,
  });
}

/**
 * `GET /me`: the person signed in to this browser, or `null` when nobody is (401) or the
 * request is not a console session (403, e.g. an API key sent by a tool). Keeps the CSRF token
 * for the client and selects the first team unless a team of theirs is already selected.
 */
export function useMe() {
  return useQuery({
    queryKey: accountKeys.me,
    queryFn: async ({ signal }): Promise<Me | null> => {
      try {
        const me = (await unwrap(api.GET('/me', { signal }))).data;
        setCsrfToken(me.csrfToken);
        const current = getSelectedTeamId();
        if (!me.teams.some((t) => t.id === current)) setSelectedTeamId(me.teams[0]?.id ?? null);
        return me;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          setCsrfToken(null);
          setSelectedTeamId(null);
          return null;
        }
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

/** Where the sign-in page is, coming back to `returnTo` afterwards. */
export function signInHref(returnTo: string = window.location.pathname + window.location.search): string {
  return returnTo === '/' || returnTo.startsWith('/sign-in') ? '/sign-in' : `/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
}

/** Only a path of this console: never another site (`//evil`, `https:`), never the sign-in page itself. */
export function safeReturnTo(value: string | null, fallback = '/computes'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  if (value.startsWith('/sign-in') || value.startsWith('/auth/')) return fallback;
  return value;
}

/**
 * `POST /auth/logout` (outside `/api/v1`, so plain fetch), then a fresh page with nothing cached:
 * the sign-in page, or `returnTo` after signing in again (e.g. with another account).
 */
export function useSignOut({ returnTo }: { returnTo?: string } = {}) {
  return useMutation({
    mutationFn: async () => {
      let response: Response;
      try {
        response = await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: csrfHeaders() });
      } catch (cause) {
        throw ApiError.network(cause);
      }
      if (!response.ok) throw ApiError.fromResponse(await response.json().catch(() => undefined), response);
    },
    onSuccess: () => window.location.assign(returnTo ? `/sign-in?signedOut=1&returnTo=${encodeURIComponent(returnTo)}` : '/sign-in?signedOut=1'),
  });
}

/** `PATCH /me`: name, language or picture. The answer is the new `GET /me`. */
export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (patch: { name?: string; locale?: Locale; avatarUrl?: string | null }) => (await unwrap(api.PATCH('/me', { body: patch }))).data,
    onSuccess: (me) => {
      setCsrfToken(me.csrfToken);
      queryClient.setQueryData(accountKeys.me, me);
    },
  });
}

/** Where this person is signed in, most recent first. */
export function useSessions({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: accountKeys.sessions,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/sessions', { params: { query: { limit: 100 } }, signal }))).data,
    enabled,
    staleTime: 0,
  });
}

/** Ends every other session; this one stays. */
export function useRevokeOtherSessions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/sessions/revoke-all'))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.sessions }),
  });
}

/**
 * `POST /me/close` (privacy notice §5). Closing ends this session too, so on success the
 * browser goes to a fresh, signed-out page saying until when the account can be reactivated.
 * A 409 (a team with other members still owned) stays on the mutation for the form to show.
 */
export function useCloseAccount() {
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/me/close'))).data,
    onSuccess: (closure) => {
      setCsrfToken(null);
      setSelectedTeamId(null);
      window.location.assign(`${ACCOUNT_CLOSED_PATH}?until=${encodeURIComponent(closure.reactivationDeadline)}`);
    },
  });
}

/** `POST /me/reactivate`, then `GET /me` again: the console opens up once `closedAt` is null. */
export function useReactivateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/me/reactivate'))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.me }),
  });
}

/** Whether the signed-in person's account is closed (they may only see it and reactivate). */
export function isClosed(me: Me | null | undefined): boolean {
  return Boolean(me?.closedAt);
}

/** Date of birth and whether the account is limited. */
export function useAgeStatus({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: accountKeys.age,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/me/date-of-birth', { signal }))).data,
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function useConfirmDateOfBirth() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (dateOfBirth: string) => (await unwrap(api.POST('/me/date-of-birth', { body: { dateOfBirth } }))).data,
    onSuccess: (status) => queryClient.setQueryData(accountKeys.age, status),
  });
}

/** The verified phone number (masked) and the code waiting to be confirmed, if any. */
export function usePhoneStatus({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: accountKeys.phone,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/me/phone', { signal }))).data,
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function useSendPhoneCode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (phone: string) => (await unwrap(api.POST('/me/phone', { body: { phone } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.phone }),
  });
}

export function useVerifyPhone() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (code: string) => (await unwrap(api.POST('/me/phone/verify', { body: { code } }))).data,
    // A wrong code uses up a try: refresh the count shown under the field either way.
    onSettled: () => queryClient.invalidateQueries({ queryKey: accountKeys.phone }),
  });
}

/** Both onboarding steps: a confirmed date of birth and a verified phone number. */
export function useOnboarding(me: Me | null | undefined) {
  // A closed account may not read these (403 ACCOUNT_CLOSED): nothing to onboard until reactivated.
  const signedIn = Boolean(me) && !isClosed(me);
  const age = useAgeStatus({ enabled: signedIn });
  const phone = usePhoneStatus({ enabled: signedIn });
  const loading = signedIn && (age.isPending || phone.isPending);
  const ageDone = age.data ? age.data.dateOfBirth !== null : false;
  const phoneDone = phone.data?.verified === true;
  return { age, phone, loading, ageDone, phoneDone, complete: ageDone && phoneDone };
}
