import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';

/**
 * Response serialisation from the zod schemas, through fast-json-stringify: each response schema
 * is turned into JSON Schema once, at start, and compiled into a stringifier, which also drops
 * any property the schema does not declare (nothing leaks by accident). Profiling showed the
 * zod type provider's own serialiser (encode, then JSON.stringify) at about 8 % of a request.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-07', io: 'output', unrepresentable: 'any' });
  return fastJson(jsonSchema as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
};
