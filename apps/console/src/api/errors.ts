/**
 * One error type for everything the console gets back from the API: the error envelope
 * `{ success: false, code, message, requestId, timestamp }`, or a network failure.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }

  /** The caller is not signed in (or the key was revoked). */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  /** Worth retrying: the network, a timeout, or a 5xx. */
  get isTransient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  static fromResponse(body: unknown, response: Response): ApiError {
    const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const code = typeof envelope.code === 'string' ? envelope.code : `HTTP_${response.status}`;
    const message = typeof envelope.message === 'string' ? envelope.message : response.statusText || 'The API returned an error.';
    const requestId = typeof envelope.requestId === 'string' ? envelope.requestId : response.headers.get('x-request-id');
    return new ApiError(response.status, code, message, requestId);
  }

  static network(cause: unknown): ApiError {
    const error = new ApiError(0, 'NETWORK_ERROR', 'Could not reach the Strettch Cloud API.', null);
    (error as { cause?: unknown }).cause = cause;
    return error;
  }
}

/** Result of an openapi-fetch call: either `data` or `error`, always the `response`. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Turns an SDK call into its data or a thrown ApiError, so react-query sees failures.
 * Network errors (fetch rejects) become ApiError with status 0.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw ApiError.network(cause);
  }
  if (!result.response.ok || result.error !== undefined || result.data === undefined) {
    throw ApiError.fromResponse(result.error, result.response);
  }
  return result.data;
}

/**
 * An API refusal with its envelope's `details` (field problems of a VALIDATION_ERROR, the open
 * action of a CONFLICT), which `unwrap` leaves out; forms show the problems by their fields.
 */
export class DetailedApiError extends ApiError {
  constructor(
    base: ApiError,
    readonly details: unknown,
  ) {
    super(base.status, base.code, base.message, base.requestId);
  }

  /** `[{ field, message }]` of a VALIDATION_ERROR, when the API gave them. */
  get fieldProblems(): Array<{ field: string; message: string }> {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is { field: string; message: string } => typeof d === 'object' && d !== null && typeof (d as { field?: unknown }).field === 'string' && typeof (d as { message?: unknown }).message === 'string',
    );
  }
}

/** Like `unwrap`, keeping the error envelope's `details` (a `DetailedApiError`). */
export async function unwrapWithDetails<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    throw ApiError.network(cause);
  }
  if (result.response.ok && result.error === undefined && result.data !== undefined) return result.data;
  const base = ApiError.fromResponse(result.error, result.response);
  const details = typeof result.error === 'object' && result.error !== null ? (result.error as { details?: unknown }).details : undefined;
  throw new DetailedApiError(base, details);
}
