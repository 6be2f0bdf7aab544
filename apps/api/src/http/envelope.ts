import { z } from 'zod';
import type { ErrorCode } from '../shared/errors.ts';

/**
 * Response envelopes of Strettch Cloud's public API:
 * `{ success, message, data, requestId, timestamp }`, plus `meta { total, page, limit }` on lists,
 * and `{ success: false, code, message, requestId, timestamp }` on errors.
 */
const base = {
  success: z.literal(true),
  message: z.string().describe('Human-readable outcome.'),
  requestId: z.string().describe('Unique id of this request; quote it to support.'),
  timestamp: z.string().describe('Time of the response, ISO 8601 UTC.'),
};

export const PaginationMetaSchema = z
  .object({
    total: z.number().int().describe('Number of items in all pages.'),
    page: z.number().int().describe('Page returned, from 1.'),
    limit: z.number().int().describe('Items per page.'),
  })
  .meta({ id: 'PaginationMeta' });

export const envelope = <T extends z.ZodType>(data: T, description = 'OK') => z.object({ ...base, data }).describe(description);
export const paginatedEnvelope = <T extends z.ZodType>(item: T, description = 'OK') =>
  z.object({ ...base, data: z.array(item), meta: PaginationMetaSchema }).describe(description);

export const ErrorResponseSchema = z
  .object({
    success: z.literal(false),
    code: z.string().describe('Stable machine-readable error code.'),
    message: z.string(),
    details: z.unknown().optional().describe('Field errors for VALIDATION_ERROR; other context where useful.'),
    requestId: z.string(),
    timestamp: z.string(),
  })
  .meta({ id: 'ErrorResponse' });

export const PaginationQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('Page number, from 1.'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Items per page, at most 100.'),
});
export type PaginationQuery = z.output<typeof PaginationQuerySchema>;

export interface Envelope<T> {
  success: true;
  message: string;
  data: T;
  requestId: string;
  timestamp: string;
}

export function ok<T>(requestId: string, now: Date, data: T, message = 'Operation successful'): Envelope<T> {
  return { success: true, message, data, requestId, timestamp: now.toISOString() };
}

export function page<T>(requestId: string, now: Date, data: T[], meta: { total: number; page: number; limit: number }, message = 'Operation successful') {
  return { ...ok(requestId, now, data, message), meta };
}

export function errorBody(requestId: string, now: Date, code: ErrorCode, message: string, details?: unknown) {
  return { success: false as const, code, message, ...(details === undefined ? {} : { details }), requestId, timestamp: now.toISOString() };
}

const usualCodes: Record<number, ErrorCode[]> = {
  400: ['BAD_REQUEST', 'VALIDATION_ERROR'],
  401: ['UNAUTHORIZED'],
  403: ['FORBIDDEN'],
  404: ['RESOURCE_NOT_FOUND'],
  409: ['CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  422: ['UNPROCESSABLE_ENTITY'],
  429: ['TOO_MANY_REQUESTS'],
  500: ['INTERNAL_SERVER_ERROR'],
  503: ['SERVICE_UNAVAILABLE'],
};

/**
 * Error responses a route documents: a status alone takes its usual codes, or name them,
 * e.g. `errorResponses(401, [403, ['FORBIDDEN', 'TEAM_SUSPENDED']])`.
 */
export function errorResponses(...entries: (number | [number, ErrorCode[]])[]) {
  return Object.fromEntries(
    entries.map((e) => {
      const [status, codes] = typeof e === 'number' ? [e, usualCodes[e] ?? []] : e;
      return [status, ErrorResponseSchema.describe(`Possible codes: ${codes.join(', ')}`)];
    }),
  ) as Record<number, typeof ErrorResponseSchema>;
}
