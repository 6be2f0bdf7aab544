/**
 * The link in an invitation e-mail, `/invitations/accept?token=sci_…` (the API's
 * `invitations.service.ts` builds it). Its token is as good as the invitation itself until used,
 * so the accept page takes it out of the address bar at once (it would otherwise stay in the
 * history and in bookmarks) and keeps it in this tab's sessionStorage instead, where it survives
 * the round trip through sign-in without travelling in a `returnTo` URL. It is removed once
 * accepted, refused for good, or put aside.
 */

export const ACCEPT_INVITATION_PATH = '/invitations/accept';

/** This tab only, gone when the tab closes. */
export const INVITATION_TOKEN_KEY = 'strettch.console.invitation';

/** The token in the current address, if this is an invitation link. */
function tokenInAddress(): string | null {
  const token = new URLSearchParams(window.location.search).get('token');
  return token && token.trim() !== '' ? token.trim() : null;
}

function stored(): string | null {
  try {
    return window.sessionStorage.getItem(INVITATION_TOKEN_KEY);
  } catch {
    // Storage refused (a privacy setting): the token then lives only as long as the page.
    return null;
  }
}

/** The invitation token of this tab: from the link just opened, else the one kept across sign-in. */
export function readInvitationToken(): string | null {
  return tokenInAddress() ?? stored();
}

/**
 * Moves a token from the address bar into sessionStorage and replaces the history entry with the
 * bare path, so Back, the history list and a copied address no longer carry it.
 */
export function takeTokenFromAddress(): void {
  const token = tokenInAddress();
  if (!token) return;
  try {
    window.sessionStorage.setItem(INVITATION_TOKEN_KEY, token);
  } catch {
    // See stored(): the page keeps the token in memory.
  }
  const params = new URLSearchParams(window.location.search);
  params.delete('token');
  const rest = params.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`);
}

/** Forgets the token (accepted, refused for good, or put aside). */
export function forgetInvitationToken(): void {
  try {
    window.sessionStorage.removeItem(INVITATION_TOKEN_KEY);
  } catch {
    // Nothing stored.
  }
}

/** Whether this tab holds an invitation link not yet dealt with. */
export function hasPendingInvitationLink(): boolean {
  return stored() !== null;
}
