import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';

/**
 * A referral link is `/sign-in?ref=<code>`. The code is moved from the address bar into this tab's
 * sessionStorage (declared in the cookie inventory) so it survives signing up, and claimed once
 * the newcomer has finished onboarding; whatever the answer (claimed, or refused: own code,
 * account too old, already claimed), it is then forgotten.
 */
export const REFERRAL_CODE_KEY = 'strettch.console.referral';
const CODE = /^[A-Za-z0-9]{4,32}$/;

/** Call once at start: keeps a `ref` code from the address bar and removes it from there. */
export function captureReferralCode(): void {
  try {
    const url = new URL(window.location.href);
    const code = url.searchParams.get('ref');
    if (code === null) return;
    if (CODE.test(code)) window.sessionStorage.setItem(REFERRAL_CODE_KEY, code);
    url.searchParams.delete('ref');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  } catch {
    // Storage unavailable (private mode): the referral is simply not claimed.
  }
}

/** Claims a kept referral code once `ready` (signed in, onboarded). */
export function useClaimReferral(ready: boolean): void {
  const queryClient = useQueryClient();
  const tried = useRef(false);
  useEffect(() => {
    if (!ready || tried.current) return;
    let code: string | null = null;
    try {
      code = window.sessionStorage.getItem(REFERRAL_CODE_KEY);
    } catch {
      return;
    }
    if (!code) return;
    tried.current = true;
    void api.POST('/me/referral/claim', { body: { code } }).then(({ response }) => {
      // Retry later only when the server could not answer; any decision (yes or no) is final.
      if (response.status < 500) window.sessionStorage.removeItem(REFERRAL_CODE_KEY);
      void queryClient.invalidateQueries({ queryKey: ['me', 'referral'] });
    });
  }, [ready, queryClient]);
}
