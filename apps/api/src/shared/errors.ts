/**
 * The one error type of the domain. Services throw `AppError(code)`; the HTTP layer maps the
 * code to a status through `errorStatus`, the single table of the platform (STYLE.md §5).
 * Codes follow Strettch Cloud's public API; ours are added in the same style.
 */
export const errorStatus = {
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  COMPUTE_RUNNING: 400,
  INVALID_VERIFICATION_CODE: 400,
  VERIFICATION_CODE_EXPIRED: 400,
  UNAUTHORIZED: 401,
  INVALID_SIGNATURE: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_BALANCE: 403,
  TEAM_SUSPENDED: 403,
  TEAM_PAST_DUE: 403,
  TEAM_TERMINATED: 403,
  TEAM_LIMIT_REACHED: 403,
  PUBLIC_IP_LIMIT_REACHED: 403,
  INVITATION_EMAIL_MISMATCH: 403,
  PHONE_VERIFICATION_REQUIRED: 403,
  DATE_OF_BIRTH_REQUIRED: 403,
  PARENTAL_CONSENT_REQUIRED: 403,
  ACCOUNT_CLOSED: 403,
  NOT_FOUND: 404,
  RESOURCE_NOT_FOUND: 404,
  COMPUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  DOMAIN_TAKEN: 409,
  COMPUTE_NOT_RUNNING: 409,
  INVITATION_EXPIRED: 410,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  CONSOLE_NOT_SUPPORTED: 501,
  PAYMENT_PROVIDER_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  CAPACITY_EXHAUSTED: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;
export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

/** A field-level problem reported with VALIDATION_ERROR. */
export interface FieldError {
  field: string;
  message: string;
}

const defaultMessages: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'The request is not valid.',
  VALIDATION_ERROR: 'The request has invalid fields.',
  MALFORMED_JSON: 'The request body is not valid JSON.',
  UNAUTHORIZED: 'Authentication is required: send a valid API key as a Bearer token.',
  FORBIDDEN: 'You do not have permission to do this.',
  NOT_FOUND: 'Not found.',
  RESOURCE_NOT_FOUND: 'The resource was not found.',
  CONFLICT: 'The request conflicts with the current state of the resource.',
  TEAM_LIMIT_REACHED: 'You own as many teams as your limit allows: ask support to raise it, or transfer or delete a team you own.',
  PUBLIC_IP_LIMIT_REACHED: 'The team holds as many public IPv4 addresses as its limit allows: create the compute without a public IP, or ask support to raise the limit.',
  INVITATION_EMAIL_MISMATCH: 'This invitation was sent to another e-mail address: sign in with the address that received it.',
  INVITATION_EXPIRED: 'This invitation has expired: ask a team Owner or Admin to send a new one.',
  INVALID_VERIFICATION_CODE: 'The verification code is wrong.',
  VERIFICATION_CODE_EXPIRED: 'The verification code no longer works: request a new one.',
  PHONE_VERIFICATION_REQUIRED: 'Verify a phone number first (POST /api/v1/me/phone, then POST /api/v1/me/phone/verify).',
  DATE_OF_BIRTH_REQUIRED: 'Confirm your date of birth first (POST /api/v1/me/date-of-birth).',
  PARENTAL_CONSENT_REQUIRED: 'This account is limited until a parent or guardian gives consent (POST /api/v1/me/parental-consent).',
  ACCOUNT_CLOSED: 'This account is closed: reactivate it (POST /api/v1/me/reactivate) before doing anything else.',
  INSUFFICIENT_BALANCE: 'The team\'s balance is too low for this: top up the wallet first (POST /api/v1/billing/top-ups).',
  TEAM_PAST_DUE: 'The team\'s balance is at or below zero: top up the wallet to create or start resources again.',
  TEAM_SUSPENDED: 'The team is suspended for non-payment and its computes are stopped: a top-up that brings the balance above zero lifts the suspension.',
  TEAM_TERMINATED: 'The team was terminated for non-payment: contact support.',
  INVALID_SIGNATURE: 'The request signature is missing, wrong or too old.',
  PAYMENT_PROVIDER_ERROR: 'The payment provider did not answer as expected: nothing was charged; try again in a moment.',
  TOO_MANY_REQUESTS: 'Too many requests: slow down and retry after the time in the Retry-After header.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  DOMAIN_TAKEN: 'This domain is already hosted by another team on this platform. If it is yours, contact support.',
  CAPACITY_EXHAUSTED: 'No host in the region has room for this specification right now: try a smaller one, or try again later.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on our side. Quote the request id when you contact support.',
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: FieldError[] | Record<string, unknown>,
  ) {
    super(message ?? defaultMessages[code] ?? code);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
