import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs that carry no personal data or secrets (ARCHITECTURE.md "No personal data in
 * logs"). Three layers: request lines are written by our own hook with the route template only
 * (never the URL, IP or user agent); known personal and secret keys are redacted wherever they
 * appear; and error text is scrubbed, because database errors echo the values of a failed query.
 */
const redactKeys = [
  'email', 'name', 'phone', 'phoneNumber', 'ip', 'userAgent', 'avatarUrl', 'address',
  'authorization', 'cookie', 'set-cookie', 'password', 'token', 'apiKey', 'secret', 'otp',
  'body', 'payload', 'params', 'query', 'headers',
];
const redactPaths = [...redactKeys, ...redactKeys.map((k) => `*.${k}`), ...redactKeys.map((k) => `*.*.${k}`)];

const emailPattern = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const phonePattern = /\+?\d[\d\s-]{7,}\d/g;

/** Removes values a failed query or a provider error may echo back. */
export function scrubText(text: string): string {
  return text
    .replace(/params: .*/gs, 'params: [redacted]')
    .replace(/Key \(.*?\)=\(.*?\)/g, 'Key [redacted]')
    .replace(emailPattern, '[email]')
    .replace(phonePattern, '[number]');
}

export function serializeError(err: unknown): Record<string, unknown> | string {
  if (typeof err === 'string') return scrubText(err);
  if (!(err instanceof Error)) return { type: typeof err };
  const e = err as Error & { code?: unknown; cause?: unknown };
  return {
    type: e.name,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    message: scrubText(e.message),
    stack: e.stack ? scrubText(e.stack) : undefined,
    ...(e.cause instanceof Error ? { cause: serializeError(e.cause) } : {}),
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'strettch' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
