/** The teams module: membership and roles, invitations, ownership transfers, API keys, and the permission check every service uses. */
export {
  actingUserId,
  authorize,
  effectivePermissions,
  permissionMatrix,
  permissionNames,
  resolveAccess,
  roleHas,
  scopeToTeam,
  teamRoles,
  type Access,
  type Permission,
  type Role,
} from './permissions.ts';
export { assertTeamEmpty } from './team-deletion.ts';
export { TeamsService, type MemberView, type ProfileLookup, type TeamView, type TeamsDeps, type TransferView } from './teams.service.ts';
export { TeamInvitationsService, type InvitationView, type InvitationsDeps, type ReceivedInvitationView } from './invitations.service.ts';
export { ApiKeysService, type ApiKeyPrincipal, type ApiKeyView } from './api-keys.service.ts';
