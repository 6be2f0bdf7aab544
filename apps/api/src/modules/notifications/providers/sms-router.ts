import type { OutgoingSms, SentMessage, SmsSender } from '../ports.ts';
import { parsePhoneNumber, type PhoneNumberOptions, type SmsRoute } from './phone.ts';

/**
 * Production SMS: Rwandan numbers (+250) through Pindo, every other country through AWS SNS.
 * The number is parsed before any provider is called, so an invalid or refused number throws
 * `PhoneNumberError` and costs nothing; the chosen sender receives the E.164 form.
 */
export class SmsRouter {
  constructor(
    private readonly senders: Record<SmsRoute, SmsSender>,
    private readonly phoneOptions: PhoneNumberOptions = {},
  ) {}

  /** Which provider an SMS to `to` would use; throws `PhoneNumberError` like `send`. */
  routeOf(to: string): SmsRoute {
    return parsePhoneNumber(to, this.phoneOptions).route;
  }

  async send(message: OutgoingSms): Promise<SentMessage> {
    const { route, e164 } = parsePhoneNumber(message.to, this.phoneOptions);
    return this.senders[route].send({ ...message, to: e164 });
  }
}
