/**
 * Prepares an e-mail's HTML for the reading pane's sandboxed `<iframe srcdoc>`.
 *
 * The frame has no scripts and an opaque origin (no `allow-scripts`, no `allow-same-origin`),
 * and it inherits the console's Content-Security-Policy. A link clicked inside it would try
 * to load the target *in the frame*, which the policy's `frame-src` (falling back to
 * `default-src 'self'`) blocks, leaving an error page. So links get `<base target="_blank">`
 * and the frame is allowed to open them as ordinary new tabs (`allow-popups`,
 * `allow-popups-to-escape-sandbox`), the way a mail client opens links. Any `<base href>` of
 * the message is dropped: `base-uri 'self'` refuses it anyway.
 *
 * A small default stylesheet goes first so a message without styles reads like it would in a
 * mail client (a sans-serif font on white) rather than the browser's bare defaults; the
 * message's own styles still win.
 *
 * DOMParser builds an inert document: nothing in it runs or loads while we edit it.
 */
const DEFAULT_STYLE = `
  :root { color-scheme: light; }
  body { margin: 16px; background: #ffffff; color: #16181d; font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; overflow-wrap: break-word; }
  img { max-width: 100%; height: auto; }
`;

export function prepareMailHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const base of Array.from(doc.querySelectorAll('base'))) base.remove();
  const base = doc.createElement('base');
  base.target = '_blank';
  const style = doc.createElement('style');
  style.textContent = DEFAULT_STYLE;
  doc.head.prepend(base, style);
  return `<!doctype html>\n${doc.documentElement.outerHTML}`;
}
