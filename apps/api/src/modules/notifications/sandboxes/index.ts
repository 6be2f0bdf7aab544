/**
 * Local stand-ins for the notification providers: real HTTP servers on 127.0.0.1 speaking each
 * provider's contract, so the production clients are tested by pointing their base URL here.
 * Never used when production credentials are configured.
 */
export type { Fault, FaultControls } from './common.ts';
export {
  startResendSandbox,
  type ResendSandbox,
  type ResendSandboxControls,
  type ResendSandboxEmail,
  type ResendSandboxOptions,
  type ResendWebhookInput,
} from './resend.sandbox.ts';
export { startPindoSandbox, type PindoSandbox, type PindoSandboxControls, type PindoSandboxOptions, type PindoSandboxSms } from './pindo.sandbox.ts';
export { startSnsSandbox, type SnsSandbox, type SnsSandboxControls, type SnsSandboxOptions, type SnsSandboxSms } from './sns.sandbox.ts';
