import { useCallback, useEffect, useSyncExternalStore } from 'react';

/**
 * Colour theme. The preference ("light", "dark" or "system") is kept in localStorage under
 * THEME_STORAGE_KEY; "system" follows `prefers-color-scheme`. The resolved theme is written to
 * `<html data-theme="light|dark">`, which the CSS variables key off. public/theme-init.js
 * applies the same rule before the first paint; keep the two in step.
 */
export const THEME_STORAGE_KEY = 'strettch.console.theme';

export type ThemePreference = 'light' | 'dark' | 'system';
export type ResolvedTheme = 'light' | 'dark';

export const THEME_PREFERENCES: readonly ThemePreference[] = ['light', 'dark', 'system'];

let mediaQuery: MediaQueryList | undefined;
const darkQuery = () => (mediaQuery ??= window.matchMedia('(prefers-color-scheme: dark)'));
const listeners = new Set<() => void>();

function readPreference(): ThemePreference {
  try {
    const saved = window.localStorage.getItem(THEME_STORAGE_KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') return saved;
  } catch {
    // Storage can be blocked (private mode, policies); fall back to the system theme.
  }
  return 'system';
}

function resolve(preference: ThemePreference): ResolvedTheme {
  if (preference === 'system') return darkQuery().matches ? 'dark' : 'light';
  return preference;
}

function apply(preference: ThemePreference): void {
  document.documentElement.dataset.theme = resolve(preference);
}

function notify(): void {
  apply(readPreference());
  for (const listener of listeners) listener();
}

function onStorage(event: StorageEvent): void {
  if (event.key === THEME_STORAGE_KEY) notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    darkQuery().addEventListener('change', notify);
    window.addEventListener('storage', onStorage);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      darkQuery().removeEventListener('change', notify);
      window.removeEventListener('storage', onStorage);
    }
  };
}

function setPreference(preference: ThemePreference): void {
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, preference);
  } catch {
    // Not persisted, but still applied for this page.
  }
  document.documentElement.dataset.theme = resolve(preference);
  for (const listener of listeners) listener();
}

/** Current preference and resolved theme, and a setter that persists the choice. */
export function useTheme(): { preference: ThemePreference; resolved: ResolvedTheme; setPreference: (p: ThemePreference) => void } {
  const preference = useSyncExternalStore(subscribe, readPreference, () => 'system' as const);
  const resolved = resolve(preference);
  useEffect(() => {
    apply(preference);
  }, [preference]);
  const set = useCallback((p: ThemePreference) => setPreference(p), []);
  return { preference, resolved, setPreference: set };
}
