/**
 * Fixed-window rate limits per API key, per console session and per client IP, answered with
 * `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (a Unix time in seconds, as
 * Strettch Cloud sends it) on every API response, and 429 with `Retry-After` past the limit.
 * Counters live in the process: behind a load balancer each process enforces its share.
 */
export interface RateLimitDecision {
  limit: number;
  remaining: number;
  resetAt: number; // epoch ms
  allowed: boolean;
}

export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(private readonly windowMs: number) {}

  hit(key: string, limit: number, now: number): RateLimitDecision {
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { limit, remaining: Math.max(0, limit - w.count), resetAt: w.resetAt, allowed: w.count <= limit };
  }

  /** Drops finished windows at most once per window, so memory stays bounded by active clients. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
