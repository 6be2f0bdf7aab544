import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type EmailSender, type OutgoingEmail } from '../ports.ts';

export interface EmailSenderHarness {
  sender: EmailSender;
  /** How many e-mails the provider accepted under this idempotency key. */
  delivered(idempotencyKey: string): Promise<number>;
  cleanup(): Promise<void>;
}

/**
 * What every `EmailSender` must do (STYLE.md §3), run against Resend (through its sandbox) and
 * the built-in mailbox. The outbox relies on exactly these: an id to match webhooks with, one
 * delivery per idempotency key however often it retries, and permanent refusals it must not retry.
 */
export function emailSenderContract(name: string, makeSender: () => Promise<EmailSenderHarness>): void {
  describe(`EmailSender contract: ${name}`, () => {
    let h: EmailSenderHarness;
    beforeEach(async () => {
      h = await makeSender();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const email = (overrides: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
      from: 'Strettch Cloud <no-reply@cloud.rw>',
      to: 'delivered@resend.dev',
      subject: 'Verify your e-mail address',
      html: '<p>Your code is <b>482913</b></p>',
      text: 'Your code is 482913',
      idempotencyKey: `verify-email/${crypto.randomUUID()}`,
      tags: { template: 'verify-email' },
      ...overrides,
    });

    it('sends a message and answers with its provider and a message id', async () => {
      const first = email();
      const second = email();
      const a = await h.sender.send(first);
      const b = await h.sender.send(second);
      expect(a.provider).toBe(h.sender.provider);
      expect(a.providerMessageId).toMatch(/\S/);
      expect(b.providerMessageId).not.toBe(a.providerMessageId);
      expect(await h.delivered(first.idempotencyKey)).toBe(1);
      expect(await h.delivered(second.idempotencyKey)).toBe(1);
    });

    it('delivers once per idempotency key and answers a repeat with the first id', async () => {
      const message = email();
      const first = await h.sender.send(message);
      const again = await h.sender.send(message);
      expect(again).toEqual(first);
      expect(await h.delivered(message.idempotencyKey)).toBe(1);
    });

    it('refuses a malformed address as a permanent ProviderError and delivers nothing', async () => {
      const message = email({ to: 'ada.at.example.org' });
      const err = await h.sender.send(message).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('permanent');
      expect((err as ProviderError).provider).toBe(h.sender.provider);
      expect((err as ProviderError).message).not.toContain('ada.at.example.org');
      expect(await h.delivered(message.idempotencyKey)).toBe(0);
    });
  });
}
