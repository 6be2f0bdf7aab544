/**
 * The address forms Resend accepts in `from` and `to`: `addr@domain.tld` or `Name <addr@domain.tld>`.
 * Deliberately loose (no attempt at RFC 5322): it catches the mistakes Resend answers with
 * `422 validation_error`, so the built-in mailbox and the sandbox refuse what Resend would.
 */
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;.]+(\.[^\s@<>",;.]+)+$/;
const NAMED = /^[^<>]*<([^<>]+)>$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 320 && ADDRESS.test(value);
}

/** `addr` or `Name <addr>`. */
export function isMailbox(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const named = NAMED.exec(value.trim());
  return isEmailAddress(named ? named[1]!.trim() : value.trim());
}

/** The bare address of `addr` or `Name <addr>`, lower-cased (for matching, not for sending). */
export function bareAddress(value: string): string {
  const named = NAMED.exec(value.trim());
  return (named ? named[1]! : value).trim().toLowerCase();
}
