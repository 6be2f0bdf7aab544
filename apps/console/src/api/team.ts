import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@strettch/sdk';
import { api, idempotencyKey, useSelectedTeamId } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * The selected team (`X-Team-Id`, added by the client's middleware): members, invitations,
 * API keys and the audit log. Every key carries the team id, so switching teams refetches.
 */

export type TeamMember = components['schemas']['TeamMemberResponse'];
export type Invitation = components['schemas']['InvitationResponse'];
export type ApiKey = components['schemas']['ApiKeyResponse'];
export type CreatedApiKey = components['schemas']['ApiKeyCreatedResponse'];
export type AuditLogEntry = components['schemas']['AuditLogEntry'];

export const teamKeys = {
  members: (teamId: string) => ['team', teamId, 'members'] as const,
  invitations: (teamId: string) => ['team', teamId, 'invitations'] as const,
  apiKeys: (teamId: string) => ['team', teamId, 'api-keys'] as const,
  audit: (teamId: string) => ['team', teamId, 'audit-logs'] as const,
};

export function useTeamMembers() {
  const teamId = useSelectedTeamId();
  return useQuery({
    queryKey: teamKeys.members(teamId ?? ''),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/teams/{teamId}/members', { params: { path: { teamId: teamId! }, query: { limit: 100 } }, signal }))).data,
    enabled: teamId !== null,
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
