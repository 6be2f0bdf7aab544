import type { Context } from '../shared/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Built by the auth hook for every request; the only thing routes hand to services. */
    ctx: Context;
    rateLimitKey?: string;
  }
  interface FastifyContextConfig {
    /** `public` routes need no credentials; everything under /api/v1 is `required` by default. */
    auth?: 'public' | 'required';
    /** Create endpoints: require an Idempotency-Key and replay the stored response. */
    idempotency?: boolean;
  }
}

export {};
