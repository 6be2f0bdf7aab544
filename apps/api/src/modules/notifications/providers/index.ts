/**
 * Implementations of the notification ports: Resend and the built-in mailbox for e-mail; Pindo,
 * AWS SNS, the router between them and the built-in outbox for SMS; phone-number parsing and the
 * Resend webhook check.
 */
export { parsePhoneNumber, PhoneNumberError, type ParsedPhoneNumber, type PhoneNumberOptions, type SmsRoute } from './phone.ts';
export { ResendMailer, RESEND_BATCH_LIMIT, type BatchSendResult, type ResendMailerOptions } from './resend.mailer.ts';
export {
  verifyResendWebhook,
  WebhookSignatureError,
  WEBHOOK_TOLERANCE_SECONDS,
  type ResendWebhookEvent,
  type ResendWebhookHeaders,
  type WebhookSignatureFailure,
} from './resend.webhook.ts';
export { MailboxMailer, listMailbox, getMailboxMessage, type MailboxMessage } from './mailbox.mailer.ts';
export { PindoSms, readSmsId, type PindoSmsOptions } from './pindo.sms.ts';
export { SnsSms, type SnsSmsOptions } from './sns.sms.ts';
export { SmsOutbox, listSmsOutbox, type OutboxSms } from './outbox.sms.ts';
export { SmsRouter } from './sms-router.ts';
export { OUTCOME_UNKNOWN } from './transport.ts';
export { isMailbox } from './email-address.ts';
