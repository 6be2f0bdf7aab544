/* global window, document */
// Runs before the app so the page never flashes the wrong theme.
// Keep in step with src/lib/theme.ts (key "strettch.console.theme": "light" | "dark" | "system").
(function () {
  var pref = 'system';
  try {
    var saved = window.localStorage.getItem('strettch.console.theme');
    if (saved === 'light' || saved === 'dark' || saved === 'system') pref = saved;
  } catch {
    // Storage blocked: follow the system.
  }
  var dark = pref === 'dark' || (pref === 'system' && window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
})();
