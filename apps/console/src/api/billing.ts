import { useRef } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, idempotencyKey, useSelectedTeamId } from './client.ts';
import { ApiError, unwrap } from './errors.ts';

/**
 * The selected team's prepaid wallet (`X-Team-Id`, added by the client's middleware): balance and
 * billing state, settings, the ledger, daily spend, top-ups through IremboPay, monthly invoices,
 * a termination proposal, and the signed-in person's referral link. Every team key starts with
 * `['billing', teamId]`, so switching teams refetches and one invalidation refreshes the wallet.
 */

export type Balance = components['schemas']['BillingBalance'];
export type BillingState = Balance['state'];
export type WalletTransaction = components['schemas']['WalletTransaction'];
export type DailySpend = components['schemas']['DailySpend'];
export type TopUp = components['schemas']['TopUp'];
export type TopUpInput = components['schemas']['TopUpCreateInputInput'];
export type Invoice = components['schemas']['Invoice'];
export type TerminationProposal = components['schemas']['TerminationProposal'];
export type Referral = components['schemas']['Referral'];

/** One page of a paginated list, with what the pager needs. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

export const PAGE_SIZE = 20;

export const billingKeys = {
  all: (teamId: string) => ['billing', teamId] as const,
  balance: (teamId: string) => ['billing', teamId, 'balance'] as const,
  transactions: (teamId: string, page: number) => ['billing', teamId, 'transactions', page] as const,
  spend: (teamId: string, days: number) => ['billing', teamId, 'spend', days] as const,
  topUps: (teamId: string, page: number) => ['billing', teamId, 'top-ups', page] as const,
  invoices: (teamId: string, page: number) => ['billing', teamId, 'invoices', page] as const,
  proposal: (teamId: string) => ['billing', teamId, 'termination-proposal'] as const,
  /** The person's own link, whatever team is selected. */
  referral: ['me', 'referral'] as const,
};

/** Everything about the team's money at once: after a payment, a settings change, a review request. */
export function refreshWallet(queryClient: QueryClient, teamId: string | null): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: billingKeys.all(teamId ?? '') });
}

export function useBalance() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.balance(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/billing/balance', { signal }))).data,
    enabled: teamId !== null,
    staleTime: 0,
  });
}

/** `PATCH /billing/settings` (Owner, Admin): the low-balance alert threshold; null restores the platform default. */
export function useUpdateBillingSettings() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (lowBalanceThreshold: number | null) => (await unwrap(api.PATCH('/billing/settings', { body: { lowBalanceThreshold } }))).data,
    onSuccess: (balance) => queryClient.setQueryData(billingKeys.balance(teamId ?? ''), balance),
  });
}

export function useTransactions(page: number) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.transactions(teamId ?? '', page),
    queryFn: async ({ signal }): Promise<Page<WalletTransaction>> => {
      const body = await unwrap(api.GET('/billing/transactions', { params: { query: { page, limit: PAGE_SIZE } }, signal }));
      return { items: body.data, ...body.meta };
    },
    enabled: teamId !== null,
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
}

/** Usage debited per UTC day, oldest first, zero days included. */
export function useDailySpend(days: number) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.spend(teamId ?? '', days),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/billing/spend', { params: { query: { days } }, signal }))).data,
    enabled: teamId !== null,
  });
}

/**
 * The team's top-ups, newest first. `poll` asks again every few seconds while it returns true for
 * the latest answer (a payment on its way).
 */
export function useTopUps(page: number, poll?: (list: Page<TopUp> | undefined) => boolean) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.topUps(teamId ?? '', page),
    queryFn: async ({ signal }): Promise<Page<TopUp>> => {
      const body = await unwrap(api.GET('/billing/top-ups', { params: { query: { page, limit: PAGE_SIZE } }, signal }));
      return { items: body.data, ...body.meta };
    },
    enabled: teamId !== null,
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchInterval: (query) => (poll?.(query.state.data) ? 2_000 : false),
  });
}

/**
 * A top-up was created but the mobile-money prompt could not be sent (502 PAYMENT_PROVIDER_ERROR
 * with the top-up in `details`): its checkout still works, so the payer can go there instead.
 */
export class PromptNotSentError extends ApiError {
  constructor(
    base: ApiError,
    readonly topUpId: string,
    readonly paymentLinkUrl: string,
  ) {
    super(base.status, base.code, base.message, base.requestId);
  }
}

function topUpFromDetails(body: unknown): { topUpId: string; paymentLinkUrl: string } | null {
  const details = typeof body === 'object' && body !== null ? (body as { details?: unknown }).details : undefined;
  if (typeof details !== 'object' || details === null) return null;
  const { topUpId, paymentLinkUrl } = details as Record<string, unknown>;
  return typeof topUpId === 'string' && typeof paymentLinkUrl === 'string' ? { topUpId, paymentLinkUrl } : null;
}

/**
 * `POST /billing/top-ups` (Owner, Admin). Asking again for the same top-up (same body) after a
 * network failure or a 5xx reuses its `Idempotency-Key`, so nothing is created twice; a new body,
 * or the same one after an answer, gets a new key.
 */
export function useCreateTopUp() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  const pending = useRef<{ body: string; key: string } | null>(null);
  return useMutation({
    mutationFn: async (input: TopUpInput): Promise<TopUp> => {
      const body = JSON.stringify(input);
      if (pending.current?.body !== body) pending.current = { body, key: idempotencyKey() };
      let result;
      try {
        result = await api.POST('/billing/top-ups', { body: input, headers: { 'idempotency-key': pending.current.key } });
      } catch (cause) {
        throw ApiError.network(cause);
      }
      if (result.response.ok && result.data) {
        pending.current = null;
        return result.data.data;
      }
      const error = ApiError.fromResponse(result.error, result.response);
      const created = topUpFromDetails(result.error);
      if (!error.isTransient || created) pending.current = null;
      throw created ? new PromptNotSentError(error, created.topUpId, created.paymentLinkUrl) : error;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['billing', teamId ?? '', 'top-ups'] }),
  });
}

export function useInvoices(page: number) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.invoices(teamId ?? '', page),
    queryFn: async ({ signal }): Promise<Page<Invoice>> => {
      const body = await unwrap(api.GET('/billing/invoices', { params: { query: { page, limit: PAGE_SIZE } }, signal }));
      return { items: body.data, ...body.meta };
    },
    enabled: teamId !== null,
    placeholderData: keepPreviousData,
  });
}

/**
 * Saves an invoice's PDF. A plain link cannot do it: the API picks the team from `X-Team-Id`,
 * which only the client's requests carry, so the file is fetched and handed to the browser.
 */
export async function downloadInvoicePdf(invoice: Pick<Invoice, 'id' | 'number'>): Promise<void> {
  const blob = await unwrap(api.GET('/billing/invoices/{invoiceId}/pdf', { params: { path: { invoiceId: invoice.id } }, parseAs: 'blob' }));
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${invoice.number}.pdf`;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL only has to outlive the click.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function useDownloadInvoice() {
  return useMutation({ mutationFn: downloadInvoicePdf });
}

/** The team's latest termination proposal, or null; asked only when the state says there is one. */
export function useTerminationProposal({ enabled }: { enabled: boolean }) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: billingKeys.proposal(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/billing/termination-proposal', { signal }))).data,
    enabled: enabled && teamId !== null,
    staleTime: 0,
  });
}

/** `POST /billing/termination-proposal/review` (Owner, Admin): a person, not a rule, looks at it again. */
export function useRequestReview() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (note: string) => (await unwrap(api.POST('/billing/termination-proposal/review', { body: { note } }))).data,
    onSuccess: (proposal) => queryClient.setQueryData(billingKeys.proposal(teamId ?? ''), proposal),
  });
}

/** The signed-in person's referral code and link (made on first use). */
export function useReferral({ enabled }: { enabled: boolean }) {
  return useQuery({
    queryKey: billingKeys.referral,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/me/referral', { signal }))).data,
    enabled,
    staleTime: 5 * 60_000,
  });
}
