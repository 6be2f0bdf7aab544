/**
 * Failpoints: named places in long, multi-step work where a crash test can make the process die
 * at once (SIGKILL, as from `kill -9` or the OOM killer) to prove that a restart converges. They do
 * nothing unless STRETTCH_FAILPOINTS names them; production never sets it. The names are a closed
 * list so a typo in a test fails at start instead of never firing.
 */
export const FAILPOINTS = [
  /** The create action is marked running; the hypervisor has not been asked yet. */
  'compute.create.before-driver',
  /** The hypervisor accepted the create and made the machine's record; its id is not yet in our database. */
  'compute.create.after-driver',
  /** qemu driver: the disk overlay exists; QEMU has not been started. */
  'qemu.create.after-disk',
  /** The machine booted; the action's success and the RUNNING state are not yet committed. */
  'compute.create.before-commit',
] as const;

export type Failpoint = (typeof FAILPOINTS)[number];

let armed: ReadonlySet<Failpoint> = new Set();

/** Arms exactly these failpoints (an empty list disarms all). */
export function armFailpoints(names: readonly Failpoint[]): void {
  armed = new Set(names);
}

/** Dies here, without cleanup, when this failpoint is armed. */
export function failpoint(name: Failpoint): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
