/**
 * Addresses of the development pages (they exist only while the sandboxes are on). Kept apart
 * from routes.ts so the banner, the help menu and the pages can link here without importing
 * the route table.
 */
export const DEV_MAIL_PATH = '/dev/mail';
export const DEV_SMS_PATH = '/dev/sms';

export function devMailMessagePath(id: string): string {
  return `${DEV_MAIL_PATH}/${encodeURIComponent(id)}`;
}

/** The message id in `/dev/mail/:id`, or null on the list itself. */
export function mailMessageIdFromPath(pathname: string): string | null {
  const rest = pathname.replace(/\/+$/, '').slice(DEV_MAIL_PATH.length + 1);
  if (!pathname.startsWith(`${DEV_MAIL_PATH}/`) || rest === '') return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}
