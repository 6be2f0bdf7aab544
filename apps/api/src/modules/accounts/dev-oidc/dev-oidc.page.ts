import { DEV_OIDC_PATH, type AuthorizeParams } from './dev-oidc.provider.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Inline styles are allowed by the platform's CSP (style-src 'unsafe-inline'); scripts are not,
// so the page is a plain form.
const style = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { width: min(26rem, calc(100vw - 2rem)); }
  .banner { border: 2px solid #b45309; background: #fef3c7; color: #451a03; padding: .75rem 1rem; border-radius: .5rem; margin-bottom: 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input[type=text], input[type=email] { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem .625rem; border: 1px solid #6b7280; border-radius: .375rem; }
  input:focus-visible, button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
  .hint { font-size: .875rem; margin: .25rem 0 0; opacity: .8; }
  .error { color: #b91c1c; font-weight: 600; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: transparent; color: inherit; border-color: #6b7280; }
`;

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Strettch Cloud (development)</title>
<style>${style}</style>
</head>
<body>
<main>
<p class="banner" role="note"><strong>Development sign-in.</strong> No password and no check of who you are: anyone who reaches this page can sign in as anyone. It exists only while the built-in sandboxes are on.</p>
${body}
</main>
</body>
</html>`;
}

/** The "Sign in as…" page: name and e-mail, posted back to the authorize endpoint. */
export function signInPage(params: AuthorizeParams, values: { name?: string; email?: string } = {}, problem?: { field: 'name' | 'email'; message: string }): string {
  const hidden = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const invalid = (f: 'name' | 'email') => (problem?.field === f ? ' aria-invalid="true" aria-describedby="problem"' : ` aria-describedby="${f}-hint"`);
  return shell(
    'Sign in as…',
    `<h1>Sign in as…</h1>
${problem ? `<p id="problem" class="error" role="alert">${escapeHtml(problem.message)}</p>` : ''}
<form method="post" action="${DEV_OIDC_PATH}/authorize">
${hidden}
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name" required maxlength="200" value="${escapeHtml(values.name ?? '')}"${invalid('name')}>
<p id="name-hint" class="hint">As a provider would send it; your team is named after your first name.</p>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${escapeHtml(values.email ?? '')}"${invalid('email')}>
<p id="email-hint" class="hint">The same address signs in to the same account. Mail goes to the built-in mailbox.</p>
<div class="actions">
<button class="primary" type="submit" name="action" value="approve">Sign in</button>
<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}

export function errorPage(message: string): string {
  return shell('Sign-in request refused', `<h1>This sign-in request is not valid</h1>\n<p role="alert">${escapeHtml(message)}</p>\n<p><a href="/">Back to the console</a></p>`);
}
