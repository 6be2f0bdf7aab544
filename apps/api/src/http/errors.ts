import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, type FieldError } from '../shared/errors.ts';
import type { Clock } from '../shared/clock.ts';
import { errorBody } from './envelope.ts';

/** Fastify's own errors, mapped onto our closed list of codes. */
const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
};

function toAppError(err: FastifyError | Error): AppError | undefined {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const details: FieldError[] = err.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return { field: where === 'body' ? path || '(body)' : `${where}${path ? `.${path}` : ''}`, message: v.message ?? 'is invalid' };
    });
    return new AppError('VALIDATION_ERROR', undefined, details);
  }
  const code = (err as FastifyError).code;
  if (code && frameworkCodes[code]) {
    const mapped = frameworkCodes[code];
    return new AppError(mapped, mapped === 'MALFORMED_JSON' && code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The request body is empty; send a JSON object.' : undefined);
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500 && !isResponseSerializationError(err)) {
    return new AppError(status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST', err.message);
  }
  return undefined;
}

/**
 * The one place an error becomes a response. Known errors keep their code; anything else is
 * logged (scrubbed) and becomes a 500 with a generic message and the request id, never internals.
 */
export function buildErrorHandler(clock: Clock) {
  return function handle(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
    const appErr = toAppError(err);
    if (appErr) {
      if (appErr.status >= 500) req.log.error({ reqId: req.id, err }, 'request failed');
      return reply.code(appErr.status).send(errorBody(req.id, clock.now(), appErr.code, appErr.message, appErr.details));
    }
    req.log.error({ reqId: req.id, err }, 'unhandled error');
    return reply.code(500).send(errorBody(req.id, clock.now(), 'INTERNAL_SERVER_ERROR', new AppError('INTERNAL_SERVER_ERROR').message));
  };
}
