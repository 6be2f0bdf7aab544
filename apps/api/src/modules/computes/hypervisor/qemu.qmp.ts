import net from 'node:net';

/**
 * A QMP (QEMU Machine Protocol) client for one exchange: connect to the machine's UNIX socket,
 * read the greeting, leave negotiation mode with `qmp_capabilities`, run commands, close. QMP is
 * JSON lines; replies carry our `id`, and asynchronous events interleave (qmp-spec). A monitor
 * serves one client at a time, so the driver opens, uses and closes it under the machine's mutex.
 */
export class QmpError extends Error {
  constructor(
    message: string,
    readonly qmpClass?: string,
  ) {
    super(message);
    this.name = 'QmpError';
  }
}

export async function qmp<T>(socketPath: string, timeoutMs: number, run: (execute: (command: string, args?: object) => Promise<unknown>) => Promise<T>): Promise<T> {
  const socket = net.createConnection(socketPath);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let greeted: (() => void) | undefined;
  let failed: Error | undefined;
  let buffer = '';
  let nextId = 1;
  const fail = (e: Error) => {
    failed ??= e;
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  };
  const timer = setTimeout(() => {
    fail(new QmpError(`QMP at ${socketPath} did not answer within ${timeoutMs} ms`));
    socket.destroy();
  }, timeoutMs);
  // `quit` closes the socket with a reset: that is normal, and reported to waiting calls only.
  socket.on('error', (e) => fail(new QmpError(`QMP at ${socketPath}: ${e.message}`)));
  socket.on('close', () => fail(new QmpError(`QMP at ${socketPath} closed the connection`)));
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      let msg: { QMP?: unknown; id?: number; return?: unknown; error?: { class: string; desc: string } };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue;
      }
      if (msg.QMP) greeted?.();
      else if (typeof msg.id === 'number') {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new QmpError(msg.error.desc, msg.error.class));
        else p?.resolve(msg.return);
      }
    }
  });
  const execute = (command: string, args?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  try {
    await new Promise<void>((resolve, reject) => {
      greeted = resolve;
      pending.set(0, { resolve: () => resolve(), reject });
    });
    pending.delete(0);
    await execute('qmp_capabilities');
    return await run(execute);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
