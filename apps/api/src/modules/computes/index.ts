/** The computes module: virtual machines, their actions, addresses and SSH keys, behind the hypervisor port. */
export { ComputesService, type ActionView, type ComputeChange, type ComputeCreateInput, type ComputeView, type ComputesDeps } from './computes.service.ts';
export { ComputeActionRunner, type ComputeActionRunnerDeps } from './run-compute-action.job.ts';
export { RUN_ACTION_JOB, type RunActionPayload } from './compute-actions.ts';
export { SshKeysService, type SshKeyView } from './ssh-keys.service.ts';
export { AddressAllocator, addressPlan } from './addresses.ts';
export type { SpendingGuard, SpendingIntent } from './spending-guard.ts';
export { computesRoutes } from './computes.routes.ts';
export { ComputeConsoleService } from './console.service.ts';
export { consoleRoutes } from './console.routes.ts';
export { sshKeysRoutes } from './ssh-keys.routes.ts';
export { chooseHypervisor } from './hypervisor/select.ts';
export { QemuHypervisorDriver, type QemuDriverOptions } from './hypervisor/qemu.driver.ts';
export { DbVmidAllocator } from './hypervisor/proxmox.vmids.ts';
export type { HypervisorDriver } from './hypervisor/port.ts';
