import { useRef } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, idempotencyKey, useSelectedTeamId } from './client.ts';
import { ApiError, unwrap, unwrapWithDetails } from './errors.ts';

export { DetailedApiError as DnsApiError } from './errors.ts';

/**
 * The selected team's domains (DNS hosting), their record sets and the auto-import waiting for
 * review. Every key starts with `['dns', teamId]`, so switching teams refetches and one
 * invalidation refreshes everything DNS-related.
 */

export type Domain = components['schemas']['DomainResponse'];
export type DomainStatus = Domain['status'];
export type Rrset = components['schemas']['RrsetResponse'];
export type RrsetInput = components['schemas']['RrsetRequestInput'];
export type ImportReview = components['schemas']['DnsImportReview'];
export type ImportedRrset = ImportReview['rrsets'][number];
export type ImportResult = components['schemas']['DnsImportResult'];

export const dnsKeys = {
  all: (teamId: string) => ['dns', teamId] as const,
  list: (teamId: string) => ['dns', teamId, 'list'] as const,
  domain: (teamId: string, name: string) => ['dns', teamId, 'domain', name] as const,
  rrsets: (teamId: string, name: string) => ['dns', teamId, 'rrsets', name] as const,
  import: (teamId: string, name: string) => ['dns', teamId, 'import', name] as const,
};

/** While a domain waits for its delegation, its status is asked again this often. */
const ACTIVATING_POLL_MS = 15_000;
/** The first delegation check and the auto-import run right after the domain is added: ask more often then. */
const FRESH_POLL_MS = 2_000;
/** How long after adding a domain its first check and import are expected. */
const FRESH_WINDOW_MS = 2 * 60_000;

const isFresh = (domain: Domain | undefined) => domain !== undefined && Date.now() - Date.parse(domain.createdAt) < FRESH_WINDOW_MS;



function refreshDns(queryClient: QueryClient, teamId: string | null): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: dnsKeys.all(teamId ?? '') });
}

/* ---- Domains ---- */

/** The team's domains (up to 100), by name as the API lists them. */
export function useDomains() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: dnsKeys.list(teamId ?? ''),
    queryFn: async ({ signal }) => {
      const body = await unwrap(api.GET('/domains', { params: { query: { limit: 100 } }, signal }));
      return { items: body.data, total: body.meta.total };
    },
    enabled: teamId !== null,
    staleTime: 0,
    refetchInterval: (query) => {
      const items = query.state.data?.items ?? [];
      if (items.some(isFresh)) return FRESH_POLL_MS;
      return items.some((d) => d.status === 'ACTIVATING') ? ACTIVATING_POLL_MS : false;
    },
  });
}

/** One domain; asked again while it waits for its delegation, so the page turns Active by itself. */
export function useDomain(name: string) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: dnsKeys.domain(teamId ?? '', name),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/domains/{name}', { params: { path: { name } }, signal }))).data,
    enabled: teamId !== null && name !== '',
    staleTime: 0,
    refetchInterval: (query) => {
      const domain = query.state.data;
      if (!domain || domain.status === 'ACTIVE') return false;
      return isFresh(domain) && domain.checkedAt === null ? FRESH_POLL_MS : ACTIVATING_POLL_MS;
    },
  });
}

export function useRrsets(name: string) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: dnsKeys.rrsets(teamId ?? '', name),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/domains/{name}/rrsets', { params: { path: { name } }, signal }))).data,
    enabled: teamId !== null && name !== '',
    staleTime: 0,
  });
}

/**
 * What the auto-import found at the domain's previous DNS host (null: nothing waiting). The
 * import runs in the background right after the domain is added, so a new domain is asked again
 * for a little while until it appears.
 */
export function useImportReview(name: string, { watch }: { watch: boolean }) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: dnsKeys.import(teamId ?? '', name),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/domains/{name}/import', { params: { path: { name } }, signal }))).data,
    enabled: teamId !== null && name !== '',
    staleTime: 0,
    refetchInterval: (query) => (watch && query.state.data === null ? FRESH_POLL_MS : false),
  });
}

/**
 * `POST /domains` (Owner, Admin). The same name submitted again after a network failure or a
 * 5xx reuses its `Idempotency-Key`, so the domain is added once however often the answer was lost.
 */
export function useAddDomain() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  const pending = useRef<{ body: string; key: string } | null>(null);
  return useMutation({
    mutationFn: async (input: { name: string; autoImport: boolean }): Promise<Domain> => {
      const body = JSON.stringify(input);
      if (pending.current?.body !== body) pending.current = { body, key: idempotencyKey() };
      try {
        const added = (await unwrapWithDetails(api.POST('/domains', { body: input, headers: { 'idempotency-key': pending.current.key } }))).data;
        pending.current = null;
        return added;
      } catch (error) {
        if (!(error instanceof ApiError) || !error.isTransient) pending.current = null;
        throw error;
      }
    },
    onSuccess: (domain) => {
      queryClient.setQueryData(dnsKeys.domain(teamId ?? '', domain.name), domain);
      void refreshDns(queryClient, teamId);
    },
  });
}

export function useDeleteDomain(name: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrapWithDetails(api.DELETE('/domains/{name}', { params: { path: { name } } }))).data,
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: dnsKeys.domain(teamId ?? '', name) });
      queryClient.removeQueries({ queryKey: dnsKeys.rrsets(teamId ?? '', name) });
      queryClient.removeQueries({ queryKey: dnsKeys.import(teamId ?? '', name) });
      return queryClient.invalidateQueries({ queryKey: dnsKeys.list(teamId ?? '') });
    },
  });
}

/* ---- Record sets ---- */

/** Refreshes what a change of records touches: the sets, the domain (serial, count) and the list. */
function refreshDomain(queryClient: QueryClient, teamId: string | null, name: string): Promise<unknown> {
  const team = teamId ?? '';
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: dnsKeys.rrsets(team, name) }),
    queryClient.invalidateQueries({ queryKey: dnsKeys.domain(team, name) }),
    queryClient.invalidateQueries({ queryKey: dnsKeys.import(team, name) }),
    queryClient.invalidateQueries({ queryKey: dnsKeys.list(team) }),
  ]);
}

/** `PUT /domains/{name}/rrsets/{recordName}/{type}`: the set becomes exactly `records`; `created` says whether it is new. */
export function usePutRrset(domain: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ recordName, type, body }: { recordName: string; type: string; body: RrsetInput }): Promise<{ rrset: Rrset; created: boolean }> => {
      const answer = await unwrapWithDetails(api.PUT('/domains/{name}/rrsets/{recordName}/{type}', { params: { path: { name: domain, recordName, type } }, body }));
      return { rrset: answer.data, created: answer.message === 'Records created' };
    },
    onSuccess: () => refreshDomain(queryClient, teamId, domain),
  });
}

export function useDeleteRrset(domain: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ recordName, type }: { recordName: string; type: string }) =>
      (await unwrapWithDetails(api.DELETE('/domains/{name}/rrsets/{recordName}/{type}', { params: { path: { name: domain, recordName, type } } }))).data,
    onSuccess: () => refreshDomain(queryClient, teamId, domain),
  });
}

/* ---- Auto-import ---- */

/** Saves the chosen imported sets; `accept: []` discards them all. */
export function useAcceptImport(domain: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (accept: { name: string; type: string }[]): Promise<ImportResult> =>
      (await unwrapWithDetails(api.POST('/domains/{name}/import', { params: { path: { name: domain } }, body: { accept } }))).data,
    onSuccess: () => {
      queryClient.setQueryData(dnsKeys.import(teamId ?? '', domain), null);
      return refreshDomain(queryClient, teamId, domain);
    },
  });
}
