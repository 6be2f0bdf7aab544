/**
 * Where a sign-in may send the browser afterwards: a path on our own origin, never another site
 * (an open redirect would let a phishing link borrow our sign-in page). Anything doubtful falls
 * back to `/`.
 *
 * Refused: absolute and scheme-relative URLs (`https://evil`, `//evil`), backslashes (browsers
 * read `/\evil` as `//evil`), control and whitespace characters (some parsers drop them, turning
 * `/\t/evil` into `//evil`), and anything that does not resolve to our origin.
 */
export function safeReturnTo(value: unknown, publicUrl: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) return '/';
  if (!value.startsWith('/') || value.startsWith('//')) return '/';
  if (/[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u.test(value)) return '/';
  let resolved: URL;
  try {
    resolved = new URL(value, publicUrl);
  } catch {
    return '/';
  }
  const origin = new URL(publicUrl).origin;
  if (resolved.origin !== origin) return '/';
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
