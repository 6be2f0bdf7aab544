/**
 * One JSON request to a provider's API with a deadline: the answer's status and body text, or
 * `Unreachable` when no answer came (refused, reset, DNS, or the deadline). Callers turn both into
 * their provider's error; nothing here logs, so headers with secrets stay with the caller.
 */
export class Unreachable extends Error {
  override name = 'Unreachable';
  constructor(
    /** The deadline passed (rather than the connection failing). */
    readonly timedOut: boolean,
    /** fetch's failure; undefined on a timeout, whose abort reason says nothing more. */
    override readonly cause: unknown,
  ) {
    super(timedOut ? 'no answer in time' : 'could not be reached');
  }
}

export async function sendJson(
  fetchFn: typeof fetch,
  url: string,
  opts: { method: string; headers: Record<string, string>; body?: unknown; timeoutMs: number },
): Promise<{ response: Response; text: string }> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const response = await fetchFn(url, {
      method: opts.method,
      headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      signal,
    });
    return { response, text: await response.text() };
  } catch (err) {
    throw new Unreachable(signal.aborted, signal.aborted ? undefined : err);
  }
}
