import { useRef } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, idempotencyKey, useSelectedTeamId } from './client.ts';
import { ApiError, unwrap, unwrapWithDetails } from './errors.ts';

export { DetailedApiError as ComputeApiError } from './errors.ts';

/**
 * The selected team's computes (`X-Team-Id`, added by the client's middleware), their actions,
 * the team's SSH keys and the price list. Every team key starts with `['computes', teamId]`, so
 * switching teams refetches and one invalidation refreshes everything compute-related.
 */

export type Compute = components['schemas']['ComputeResponse'];
export type ComputeState = Compute['state'];
export type ComputeAction = components['schemas']['ActionResponse'];
export type ComputeCreateInput = components['schemas']['ComputeCreateRequestInput'];
export type SshKey = components['schemas']['SshKeyResponse'];
export type PriceList = components['schemas']['PriceList'];

export const computeKeys = {
  all: (teamId: string) => ['computes', teamId] as const,
  list: (teamId: string, tag: string | null) => ['computes', teamId, 'list', tag] as const,
  detail: (teamId: string, id: string) => ['computes', teamId, 'detail', id] as const,
  actions: (teamId: string, id: string) => ['computes', teamId, 'actions', id] as const,
  action: (teamId: string, actionId: string) => ['computes', teamId, 'action', actionId] as const,
  sshKeys: (teamId: string) => ['computes', teamId, 'ssh-keys'] as const,
  prices: ['billing', 'prices'] as const,
};

/** States in which an action is under way: the console polls until they end. */
export const TRANSITIONAL_STATES: ReadonlySet<ComputeState> = new Set(['CREATING', 'STARTING', 'STOPPING', 'REBOOTING', 'RESIZING', 'DESTROYING']);

export function isTransitional(state: ComputeState): boolean {
  return TRANSITIONAL_STATES.has(state);
}

/** How often a list or a compute in motion is asked again. */
const POLL_MS = 1_500;
/** How often a running action's progress is asked again. */
const ACTION_POLL_MS = 600;



function refreshComputes(queryClient: QueryClient, teamId: string | null): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: computeKeys.all(teamId ?? '') });
}

/* ---- Computes ---- */

/** The team's computes that are not destroyed, newest first; asked again every few seconds while one is in motion. */
export function useComputes(tag: string | null) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: computeKeys.list(teamId ?? '', tag),
    queryFn: async ({ signal }) => {
      const body = await unwrap(api.GET('/computes', { params: { query: { limit: 100, ...(tag ? { tag } : {}) } }, signal }));
      return { items: body.data, total: body.meta.total };
    },
    enabled: teamId !== null,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.items.some((c) => isTransitional(c.state)) ? POLL_MS : false),
  });
}

export function useCompute(id: string) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: computeKeys.detail(teamId ?? '', id),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/computes/{id}', { params: { path: { id } }, signal }))).data,
    enabled: teamId !== null,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && isTransitional(query.state.data.state) ? POLL_MS : false),
  });
}

/** Every change of the compute, newest first (the 100 latest). */
export function useComputeActions(id: string, { poll }: { poll: boolean }) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: computeKeys.actions(teamId ?? '', id),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/computes/{id}/actions', { params: { path: { id }, query: { limit: 100 } }, signal }))).data,
    enabled: teamId !== null,
    staleTime: 0,
    refetchInterval: poll ? POLL_MS : false,
  });
}

/**
 * One action, asked again while it is pending or running. When it ends, the compute and its
 * history are fetched again so the page shows where it landed.
 */
export function useAction(actionId: string | null) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: computeKeys.action(teamId ?? '', actionId ?? ''),
    queryFn: async ({ signal }) => {
      const action = (await unwrap(api.GET('/actions/{actionId}', { params: { path: { actionId: actionId! } }, signal }))).data;
      if (action.status === 'succeeded' || action.status === 'failed') {
        void queryClient.invalidateQueries({ queryKey: computeKeys.detail(teamId ?? '', action.computeId) });
        void queryClient.invalidateQueries({ queryKey: computeKeys.actions(teamId ?? '', action.computeId) });
      }
      return action;
    },
    enabled: teamId !== null && actionId !== null,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && (query.state.data.status === 'succeeded' || query.state.data.status === 'failed') ? false : ACTION_POLL_MS),
  });
}

/**
 * `POST /computes` (Owner, Admin). Submitting the same form again after a network failure or a
 * 5xx reuses its `Idempotency-Key`, so one compute is created however often the answer was lost;
 * a changed form, or the same one after a definite answer, gets a new key.
 */
export function useCreateCompute() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  const pending = useRef<{ body: string; key: string } | null>(null);
  return useMutation({
    mutationFn: async (input: ComputeCreateInput): Promise<Compute> => {
      const body = JSON.stringify(input);
      if (pending.current?.body !== body) pending.current = { body, key: idempotencyKey() };
      try {
        const created = (await unwrapWithDetails(api.POST('/computes', { body: input, params: { header: { 'idempotency-key': pending.current.key } } }))).data;
        pending.current = null;
        return created;
      } catch (error) {
        if (!(error instanceof ApiError) || !error.isTransient) pending.current = null;
        throw error;
      }
    },
    onSuccess: (compute) => {
      queryClient.setQueryData(computeKeys.detail(teamId ?? '', compute.id), compute);
      void refreshComputes(queryClient, teamId);
    },
  });
}

export type PowerCommand = 'start' | 'stop' | 'reboot';

/** Start, stop, reboot, upsize or destroy: each answers 202 with the compute and the action carrying out the change. */
export function useComputeCommand(id: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (command: { kind: PowerCommand } | { kind: 'upsize'; newSpecification: string } | { kind: 'destroy' }): Promise<Compute> => {
      const path = { params: { path: { id } } };
      switch (command.kind) {
        case 'start':
          return (await unwrapWithDetails(api.POST('/computes/{id}/start', path))).data;
        case 'stop':
          return (await unwrapWithDetails(api.POST('/computes/{id}/stop', path))).data;
        case 'reboot':
          return (await unwrapWithDetails(api.POST('/computes/{id}/reboot', path))).data;
        case 'upsize':
          return (await unwrapWithDetails(api.PATCH('/computes/{id}/upsize', { ...path, body: { newSpecification: command.newSpecification } }))).data;
        case 'destroy':
          return (await unwrapWithDetails(api.DELETE('/computes/{id}', path))).data;
      }
    },
    onSuccess: (compute) => {
      queryClient.setQueryData(computeKeys.detail(teamId ?? '', compute.id), compute);
      void refreshComputes(queryClient, teamId);
    },
    onError: () => refreshComputes(queryClient, teamId),
  });
}

/* ---- SSH keys ---- */

export function useSshKeys({ enabled = true }: { enabled?: boolean } = {}) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: computeKeys.sshKeys(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/ssh-keys', { params: { query: { limit: 100 } }, signal }))).data,
    enabled: enabled && teamId !== null,
    staleTime: 0,
  });
}

/** `POST /ssh-keys` (Owner, Admin); a key the team already has is CONFLICT. */
export function useCreateSshKey() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: { name: string; publicKey: string }) =>
      (await unwrapWithDetails(api.POST('/ssh-keys', { body: input, headers: { 'idempotency-key': idempotencyKey() } }))).data,
    onSuccess: (key) => {
      queryClient.setQueryData<SshKey[]>(computeKeys.sshKeys(teamId ?? ''), (list) => (list ? [key, ...list.filter((k) => k.id !== key.id)] : list));
      return queryClient.invalidateQueries({ queryKey: computeKeys.sshKeys(teamId ?? '') });
    },
  });
}

export function useRenameSshKey() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, name }: { id: string; name: string }) =>
      (await unwrapWithDetails(api.PATCH('/ssh-keys/{sshKeyId}', { params: { path: { sshKeyId: id } }, body: { name } }))).data,
    onSuccess: (key) => {
      queryClient.setQueryData<SshKey[]>(computeKeys.sshKeys(teamId ?? ''), (list) => list?.map((k) => (k.id === key.id ? key : k)));
      return queryClient.invalidateQueries({ queryKey: computeKeys.sshKeys(teamId ?? '') });
    },
  });
}

export function useDeleteSshKey() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => (await unwrapWithDetails(api.DELETE('/ssh-keys/{sshKeyId}', { params: { path: { sshKeyId: id } } }))).data,
    onSuccess: (_, id) => {
      queryClient.setQueryData<SshKey[]>(computeKeys.sshKeys(teamId ?? ''), (list) => list?.filter((k) => k.id !== id));
      return queryClient.invalidateQueries({ queryKey: computeKeys.sshKeys(teamId ?? '') });
    },
  });
}

/* ---- Prices ---- */

/** What each specification and a public IPv4 cost, in RWF; the same for every team. */
export function usePrices({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: computeKeys.prices,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/billing/prices', { signal }))).data,
    enabled,
    staleTime: 10 * 60_000,
  });
}

/* ---- Reverse DNS ---- */

export type ReverseDns = components['schemas']['ReverseDns'];

/** The PTR record of a compute's public IPv4 (only computes with one). */
export function useReverseDns(id: string, { enabled }: { enabled: boolean }) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: [...computeKeys.detail(teamId ?? '', id), 'reverse-dns'] as const,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/computes/{id}/reverse-dns', { params: { path: { id } }, signal }))).data,
    enabled: enabled && teamId !== null,
  });
}

export function useSetReverseDns(id: string) {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (name: string | null) => (await unwrapWithDetails(api.PUT('/computes/{id}/reverse-dns', { params: { path: { id } }, body: { name } }))).data,
    onSuccess: (saved) => queryClient.setQueryData([...computeKeys.detail(teamId ?? '', id), 'reverse-dns'], saved),
  });
}
