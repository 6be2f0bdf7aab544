import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from './errors.ts';

/**
 * The built-in mailbox and SMS outbox: what Resend, Pindo and AWS SNS would have received while
 * the platform runs with its sandboxes. These `/api/dev/*` endpoints exist only on development
 * installations and are deliberately kept out of the public OpenAPI contract (and so out of the
 * generated SDK, which must not offer calls a production API answers with 404), so they are
 * called here with plain `fetch`. Same-origin, no credentials needed.
 */

export interface MailMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  tags: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
}

export interface SmsMessage {
  id: string;
  to: string;
  text: string;
  /** Pindo for Rwandan (+250) numbers, AWS SNS for the rest. */
  route: 'pindo' | 'sns';
  /** ISO 8601. */
  createdAt: string;
}

/** New messages show up within this long. */
export const DEV_POLL_MS = 3_000;
const LIST_LIMIT = 50;

export const devQueryKeys = {
  mail: ['dev', 'mail'] as const,
  mailMessage: (id: string) => ['dev', 'mail', id] as const,
  sms: ['dev', 'sms'] as const,
};

/** GETs a `{ data }` body, throwing ApiError for the error envelope and for network failures. */
async function getData<T>(path: string, signal: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { signal, headers: { accept: 'application/json' } });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw ApiError.network(cause);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok || typeof body !== 'object' || body === null || !('data' in body)) throw ApiError.fromResponse(body, response);
  return (body as { data: T }).data;
}

type Raw = Record<string, unknown>;
const str = (...values: unknown[]): string => (values.find((v) => typeof v === 'string') as string | undefined) ?? '';

/**
 * These endpoints have no schema the console is generated from, so each message is read
 * field by field: a missing part becomes '' rather than a crash. `to`/`from` are the contract;
 * the storage names (`toAddress`, `fromAddress`, `toNumber`) are accepted too, so a server that
 * returns its rows as stored still shows up.
 */
function toMail(raw: Raw): MailMessage {
  const tags = typeof raw.tags === 'object' && raw.tags !== null ? (raw.tags as Record<string, string>) : {};
  return {
    id: str(raw.id),
    from: str(raw.from, raw.fromAddress),
    to: str(raw.to, raw.toAddress),
    subject: str(raw.subject),
    html: str(raw.html),
    text: str(raw.text),
    tags,
    createdAt: str(raw.createdAt),
  };
}

function toSms(raw: Raw): SmsMessage {
  return { id: str(raw.id), to: str(raw.to, raw.toNumber), text: str(raw.text), route: raw.route === 'pindo' ? 'pindo' : 'sns', createdAt: str(raw.createdAt) };
}

/** Newest first, whatever order the server used. */
function newestFirst<T extends { createdAt: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** `/api/dev/*` answers 404 when the sandboxes are off: no point in asking every 3 s. */
export function isDevPagesOff(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** The newest 50 e-mails in the built-in mailbox, refreshed every 3 s. */
export function useDevMail({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: devQueryKeys.mail,
    queryFn: async ({ signal }) => newestFirst((await getData<Raw[]>(`/api/dev/mail?limit=${LIST_LIMIT}`, signal)).map(toMail)),
    enabled,
    staleTime: 0,
    refetchInterval: (query) => (isDevPagesOff(query.state.error) ? false : DEV_POLL_MS),
  });
}

/**
 * One e-mail. A message never changes, so it is fetched once; the list's copy (when the
 * message is among the newest 50) shows at once while it loads.
 */
export function useDevMailMessage(id: string | null, { enabled = true }: { enabled?: boolean } = {}) {
  const queryClient = useQueryClient();
  const fromList = queryClient.getQueryData<MailMessage[]>(devQueryKeys.mail)?.find((m) => m.id === id);
  return useQuery({
    queryKey: devQueryKeys.mailMessage(id ?? ''),
    queryFn: async ({ signal }) => toMail(await getData<Raw>(`/api/dev/mail/${encodeURIComponent(id ?? '')}`, signal)),
    enabled: enabled && id !== null,
    staleTime: Infinity,
    placeholderData: fromList,
  });
}

/** The newest 50 text messages in the built-in SMS outbox, refreshed every 3 s. */
export function useDevSms({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: devQueryKeys.sms,
    queryFn: async ({ signal }) => newestFirst((await getData<Raw[]>(`/api/dev/sms?limit=${LIST_LIMIT}`, signal)).map(toSms)),
    enabled,
    staleTime: 0,
    refetchInterval: (query) => (isDevPagesOff(query.state.error) ? false : DEV_POLL_MS),
  });
}
