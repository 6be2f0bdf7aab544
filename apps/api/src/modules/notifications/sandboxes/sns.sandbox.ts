import crypto from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { systemClock, type Clock } from '../../../shared/clock.ts';
import { Faults, listen, rawBody, sandboxApp, type FaultControls } from './common.ts';

export interface SnsSandboxOptions {
  clock?: Clock;
}

export interface SnsSandboxSms {
  messageId: string;
  phoneNumber: string;
  message: string;
  /** `MessageAttributes` by name, e.g. `AWS.SNS.SMS.SMSType` → `Transactional`. */
  attributes: Record<string, string>;
  createdAt: Date;
}

export interface SnsSandboxControls extends FaultControls {
  /** Later publishes to this number answer `OptedOut`, as after the recipient replied STOP. */
  optOut(phoneNumber: string): void;
}

export interface SnsSandbox {
  url: string;
  /** Accepted publishes, oldest first. */
  messages: SnsSandboxSms[];
  controls: SnsSandboxControls;
  close(): Promise<void>;
}

/** Query-protocol error codes by status, as the SDK's error table maps them (providers.md §4.3). */
const FAULT_CODES: Record<number, string> = { 400: 'InvalidParameter', 403: 'AuthorizationError', 404: 'NotFound', 429: 'Throttled' };
const E164 = /^\+[1-9]\d{6,14}$/;
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$/;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * A local SNS for SMS: `POST /` form-encoded `Action=Publish` with a `PhoneNumber`, answered in
 * the AWS Query protocol's XML so `@aws-sdk/client-sns` parses it as it parses AWS. The SigV4
 * signature is not checked (only that one is present).
 */
export async function startSnsSandbox(options: SnsSandboxOptions = {}): Promise<SnsSandbox> {
  const clock = options.clock ?? systemClock;
  const faults = new Faults(clock);
  const messages: SnsSandboxSms[] = [];
  const optedOut = new Set<string>();
  const app = sandboxApp();

  const error = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply
      .code(status)
      .type('text/xml')
      .send(
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code>` +
          `<Message>${xml(message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
      );

  app.post('/', async (request, reply) => {
    const fault = faults.take();
    if (fault) {
      if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
      const code = FAULT_CODES[fault.status] ?? (fault.status >= 500 ? 'InternalError' : 'InvalidParameter');
      return error(reply, fault.status, code, fault.status === 429 ? 'Rate exceeded' : 'The sandbox was told to fail this request');
    }
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return error(reply, 403, 'AuthorizationError', 'Request is missing a SigV4 Authorization header');
    }
    const form = new URLSearchParams(rawBody(request.body));
    if (form.get('Action') !== 'Publish') return error(reply, 400, 'InvalidAction', 'Only the Publish action is served by this sandbox');

    const phoneNumber = form.get('PhoneNumber');
    const message = form.get('Message');
    if (!phoneNumber) return error(reply, 400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: only SMS publishes are served by this sandbox');
    if (!message) return error(reply, 400, 'InvalidParameter', 'Invalid parameter: Message Reason: Empty message');
    if (Buffer.byteLength(message) > 1600) return error(reply, 400, 'InvalidParameter', 'Invalid parameter: Message too long');
    // AWS echoes the number in this message; the sandbox does not, so nothing personal can leak from tests.
    if (!E164.test(phoneNumber) || !parsePhoneNumberFromString(phoneNumber)?.isValid()) {
      return error(reply, 400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: the number is not valid to publish to');
    }
    if (optedOut.has(phoneNumber)) return error(reply, 400, 'OptedOut', 'Phone number is opted out');

    const attributes = readAttributes(form);
    const type = attributes['AWS.SNS.SMS.SMSType'];
    if (type !== undefined && type !== 'Transactional' && type !== 'Promotional') {
      return error(reply, 400, 'ParameterValueInvalid', 'Invalid value for AWS.SNS.SMS.SMSType');
    }
    const senderId = attributes['AWS.SNS.SMS.SenderID'];
    if (senderId !== undefined && !SENDER_ID.test(senderId)) return error(reply, 400, 'InvalidParameter', 'Invalid parameter: SenderID');

    const sms = { messageId: crypto.randomUUID(), phoneNumber, message, attributes, createdAt: clock.now() };
    messages.push(sms);
    await faults.wait();
    return reply
      .type('text/xml')
      .send(
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${sms.messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
  });

  const url = await listen(app);
  return {
    url,
    messages,
    controls: { ...faults.controls(), optOut: (n) => void optedOut.add(n) },
    close: async () => {
      faults.wakeAll();
      await app.close();
    },
  };
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` pairs. */
function readAttributes(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    out[form.get(`MessageAttributes.entry.${n}.Name`)!] = form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
  }
  return out;
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
