import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import type { QueryClient } from '@tanstack/react-query';
import { accountKeys, type Me } from './account.ts';
import { api, idempotencyKey, setSelectedTeamId, useSelectedTeamId } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * The selected team (`X-Team-Id`, added by the client's middleware): the team itself, members,
 * invitations, ownership transfer, API keys and the audit log. Every key carries the team id, so
 * switching teams refetches. Also the person's own side of teams: creating one, invitations
 * received, accepting one.
 */

export type TeamMember = components['schemas']['TeamMemberResponse'];
export type Invitation = components['schemas']['InvitationResponse'];
export type ApiKey = components['schemas']['ApiKeyResponse'];
export type CreatedApiKey = components['schemas']['ApiKeyCreatedResponse'];
export type AuditLogEntry = components['schemas']['AuditLogEntry'];
export type Team = components['schemas']['TeamResponse'];
export type ReceivedInvitation = components['schemas']['ReceivedInvitationResponse'];
export type OwnershipTransfer = components['schemas']['OwnershipTransferResponse'];

export const teamKeys = {
  details: (teamId: string) => ['team', teamId, 'details'] as const,
  transfer: (teamId: string) => ['team', teamId, 'ownership-transfer'] as const,
  members: (teamId: string) => ['team', teamId, 'members'] as const,
  invitations: (teamId: string) => ['team', teamId, 'invitations'] as const,
  apiKeys: (teamId: string) => ['team', teamId, 'api-keys'] as const,
  audit: (teamId: string) => ['team', teamId, 'audit-logs'] as const,
  /** Invitations sent to the signed-in person, whatever team is selected. */
  received: ['invitations', 'received'] as const,
};

/* ---- Keeping `GET /me` (the team switcher's list) in step with membership changes ---- */

function refreshMe(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: accountKeys.me, exact: true });
}

/**
 * A team the person just created or joined: listed in the cached `GET /me` at once (so the
 * switcher and the Team page have it before the refetch answers), selected, then refetched.
 */
function enterTeam(queryClient: QueryClient, team: Pick<Team, 'id' | 'name' | 'role'>): void {
  const me = queryClient.getQueryData<Me | null>(accountKeys.me);
  if (me && !me.teams.some((t) => t.id === team.id)) {
    queryClient.setQueryData<Me>(accountKeys.me, { ...me, teams: [...me.teams, { id: team.id, name: team.name, role: team.role }] });
  }
  setSelectedTeamId(team.id);
  void refreshMe(queryClient);
  void queryClient.invalidateQueries({ queryKey: teamKeys.received });
}

/**
 * A team the person is no longer in (left, or deleted): another of their teams is selected
 * before anything else renders, so no request goes out for the team that is gone.
 */
function exitTeam(queryClient: QueryClient, teamId: string): void {
  const me = queryClient.getQueryData<Me | null>(accountKeys.me);
  const remaining = me?.teams.filter((t) => t.id !== teamId) ?? [];
  if (me) queryClient.setQueryData<Me>(accountKeys.me, { ...me, teams: remaining });
  setSelectedTeamId(remaining[0]?.id ?? null);
  queryClient.removeQueries({ queryKey: ['team', teamId] });
  void refreshMe(queryClient);
}

/** The selected team's name, picture and the caller's role in it. */
export function useTeam() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.details(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/teams/{teamId}', { params: { path: { teamId: teamId! } }, signal }))).data,
    enabled: teamId !== null,
  });
}

/** `POST /teams`: a new team with the caller as Owner, selected once created. */
export function useCreateTeam() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => (await unwrap(api.POST('/teams', { body: { name }, headers: { 'idempotency-key': idempotencyKey() } }))).data,
    onSuccess: (team) => enterTeam(queryClient, team),
  });
}

/** Renames the selected team or changes its picture (Owner, Admin). */
export function useUpdateTeam() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (patch: components['schemas']['TeamUpdateInput']) =>
      (await unwrap(api.PATCH('/teams/{teamId}', { params: { path: { teamId: teamId! } }, body: patch }))).data,
    onSuccess: (team) => {
      queryClient.setQueryData(teamKeys.details(team.id), team);
      const me = queryClient.getQueryData<Me | null>(accountKeys.me);
      if (me) queryClient.setQueryData<Me>(accountKeys.me, { ...me, teams: me.teams.map((t) => (t.id === team.id ? { ...t, name: team.name } : t)) });
      void queryClient.invalidateQueries({ queryKey: teamKeys.audit(team.id) });
    },
  });
}

/** Deletes the selected team (Owner); the API refuses while it still has something to lose. */
export function useDeleteTeam() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.DELETE('/teams/{teamId}', { params: { path: { teamId: teamId! } } }))).data,
    onSuccess: (deleted) => exitTeam(queryClient, deleted.id),
  });
}

/** Makes another member Admin or Member (Owner, Admin). */
export function useChangeRole() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: 'ADMIN' | 'MEMBER' }) =>
      (await unwrap(api.PATCH('/teams/{teamId}/members/{userId}', { params: { path: { teamId: teamId!, userId } }, body: { role } }))).data,
    onSuccess: (member) => {
      // The row shows the new role at once, not the old one until the list is fetched again.
      queryClient.setQueryData<TeamMember[]>(teamKeys.members(teamId ?? ''), (list) => list?.map((m) => (m.userId === member.userId ? { ...m, role: member.role } : m)));
      return queryClient.invalidateQueries({ queryKey: ['team', teamId] });
    },
  });
}

/** Takes a member out of the team (Owner, Admin); their API keys in it are revoked. */
export function useRemoveMember() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (userId: string) => (await unwrap(api.DELETE('/teams/{teamId}/members/{userId}', { params: { path: { teamId: teamId!, userId } } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['team', teamId] }),
  });
}

/** Leaves the selected team; another of the person's teams is selected. */
export function useLeaveTeam() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/teams/{teamId}/leave', { params: { path: { teamId: teamId! } } }))).data,
    onSuccess: (left) => exitTeam(queryClient, left.teamId),
  });
}

export function useTeamMembers() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.members(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/teams/{teamId}/members', { params: { path: { teamId: teamId! }, query: { limit: 100 } }, signal }))).data,
    enabled: teamId !== null,
    // People join and leave from elsewhere (an accepted invitation): ask again on each visit.
    staleTime: 0,
  });
}

/** Pending invitations; Owners and Admins only, so `enabled` follows the role. */
export function useInvitations({ enabled }: { enabled: boolean }) {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.invitations(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/teams/{teamId}/invitations', { params: { path: { teamId: teamId! }, query: { limit: 100 } }, signal }))).data,
    enabled: enabled && teamId !== null,
    staleTime: 0,
  });
}

export function useInvite() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: components['schemas']['InvitationCreateInput']) =>
      (await unwrap(api.POST('/teams/{teamId}/invitations', { params: { path: { teamId: teamId! } }, body: input, headers: { 'idempotency-key': idempotencyKey() } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['team', teamId] }),
  });
}

/** Revokes a pending invitation (Owner, Admin); its link stops working at once. */
export function useRevokeInvitation() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (invitationId: string) =>
      (await unwrap(api.DELETE('/teams/{teamId}/invitations/{invitationId}', { params: { path: { teamId: teamId!, invitationId } } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['team', teamId] }),
  });
}

/** Pending invitations sent to the signed-in person's e-mail address. */
export function useReceivedInvitations({ enabled }: { enabled: boolean }) {
  return useQuery({
    queryKey: teamKeys.received,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/invitations', { signal }))).data,
    enabled,
    staleTime: 0,
  });
}

/** `POST /invitations/accept` with the token from the e-mail's link; the team joined is selected. */
export function useAcceptInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (token: string) => (await unwrap(api.POST('/invitations/accept', { body: { token } }))).data,
    onSuccess: (team) => enterTeam(queryClient, team),
  });
}

/** `POST /invitations/{id}/accept`: one of "Invitations for you", accepted without the e-mail's link. */
export function useAcceptReceivedInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (invitationId: string) => (await unwrap(api.POST('/invitations/{invitationId}/accept', { params: { path: { invitationId } } }))).data,
    onSuccess: (team) => enterTeam(queryClient, team),
  });
}

/** The Owner's pending request to hand the selected team to a member, or null. */
export function useOwnershipTransfer() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.transfer(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/teams/{teamId}/ownership-transfer', { params: { path: { teamId: teamId! } }, signal }))).data,
    enabled: teamId !== null,
    staleTime: 0,
  });
}

/** The Owner asks a member to become Owner. */
export function useRequestTransfer() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (userId: string) =>
      (await unwrap(api.POST('/teams/{teamId}/ownership-transfer', { params: { path: { teamId: teamId! } }, body: { userId } }))).data,
    onSuccess: (transfer) => {
      queryClient.setQueryData(teamKeys.transfer(transfer.teamId), transfer);
      return queryClient.invalidateQueries({ queryKey: ['team', teamId] });
    },
  });
}

/** The Owner withdraws the request, or the member asked declines it. */
export function useCancelTransfer() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.DELETE('/teams/{teamId}/ownership-transfer', { params: { path: { teamId: teamId! } } }))).data,
    onSuccess: (transfer) => {
      // Gone at once, not after the refetch: the request's notice must not outlive it.
      queryClient.setQueryData(teamKeys.transfer(transfer.teamId), null);
      return queryClient.invalidateQueries({ queryKey: ['team', teamId] });
    },
  });
}

/** The member asked becomes Owner (the previous Owner becomes Admin). */
export function useAcceptTransfer() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/teams/{teamId}/ownership-transfer/accept', { params: { path: { teamId: teamId! } } }))).data,
    onSuccess: (team) => {
      const me = queryClient.getQueryData<Me | null>(accountKeys.me);
      if (me) queryClient.setQueryData<Me>(accountKeys.me, { ...me, teams: me.teams.map((t) => (t.id === team.id ? { ...t, role: team.role } : t)) });
      queryClient.setQueryData(teamKeys.transfer(team.id), null);
      void refreshMe(queryClient);
      void queryClient.invalidateQueries({ queryKey: ['team', teamId] });
    },
  });
}

export function useApiKeys() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.apiKeys(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/api-keys', { params: { query: { limit: 100 } }, signal }))).data,
    enabled: teamId !== null,
    staleTime: 0,
  });
}

/** Creates a key; the answer holds its secret, which is never shown again. */
export function useCreateApiKey() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => (await unwrap(api.POST('/api-keys', { body: { name }, headers: { 'idempotency-key': idempotencyKey() } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['team', teamId] }),
  });
}

export function useRevokeApiKey() {
  const teamId = useSelectedTeamId();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (apiKeyId: string) => (await unwrap(api.DELETE('/api-keys/{apiKeyId}', { params: { path: { apiKeyId } } }))).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['team', teamId] }),
  });
}

/** The newest 100 audit log entries, newest first. */
export function useAuditLog() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.audit(teamId ?? ''),
    queryFn: async ({ signal }) => {
      const entries = (await unwrap(api.GET('/audit-logs', { params: { query: { limit: 100 } }, signal }))).data;
      return [...entries].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);
    },
    enabled: teamId !== null,
    staleTime: 0,
  });
}
