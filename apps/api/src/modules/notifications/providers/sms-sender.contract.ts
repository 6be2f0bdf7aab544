import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type OutgoingSms, type SmsSender } from '../ports.ts';

export interface SmsSenderHarness {
  sender: SmsSender;
  /** A valid number this sender is used for (Pindo: +250; SNS: anywhere else). */
  validNumber: string;
  /** A well-formed E.164 number that no telco serves. */
  invalidNumber: string;
  /**
   * Whether the provider itself keeps one message per idempotency key. Only our stores do:
   * Pindo and SNS have no such key, which is why their clients never retry an unknown outcome.
   */
  idempotent: boolean;
  /** How many SMS with this number and text the provider accepted. */
  delivered(message: OutgoingSms): Promise<number>;
  cleanup(): Promise<void>;
}

/** What every `SmsSender` must do (STYLE.md §3): Pindo and SNS through their sandboxes, and the built-in outbox. */
export function smsSenderContract(name: string, makeSender: () => Promise<SmsSenderHarness>): void {
  describe(`SmsSender contract: ${name}`, () => {
    let h: SmsSenderHarness;
    beforeEach(async () => {
      h = await makeSender();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const sms = (overrides: Partial<OutgoingSms> = {}): OutgoingSms => ({
      to: h.validNumber,
      // Unique text, so `delivered` counts this test's messages only.
      text: `Strettch Cloud code ${crypto.randomInt(100_000, 999_999)} (${crypto.randomUUID().slice(0, 8)})`,
      idempotencyKey: `verify-phone/${crypto.randomUUID()}`,
      ...overrides,
    });

    it('sends an SMS and answers with its provider and a message id', async () => {
      const a = sms();
      const b = sms();
      const sentA = await h.sender.send(a);
      const sentB = await h.sender.send(b);
      expect(sentA.provider).toBe(h.sender.provider);
      expect(sentA.providerMessageId).toMatch(/\S/);
      expect(sentB.providerMessageId).not.toBe(sentA.providerMessageId);
      expect(await h.delivered(a)).toBe(1);
      expect(await h.delivered(b)).toBe(1);
    });

    it('honours the idempotency key exactly as far as the provider does', async () => {
      const message = sms();
      const first = await h.sender.send(message);
      const again = await h.sender.send(message);
      if (h.idempotent) {
        expect(again).toEqual(first);
        expect(await h.delivered(message)).toBe(1);
      } else {
        // The provider sends (and charges) twice: the reason a caller must not resend blindly.
        expect(again.providerMessageId).not.toBe(first.providerMessageId);
        expect(await h.delivered(message)).toBe(2);
      }
    });

    it('refuses a number no telco serves as a permanent ProviderError and sends nothing', async () => {
      const message = sms({ to: h.invalidNumber });
      const err = await h.sender.send(message).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('permanent');
      expect((err as ProviderError).provider).toBe(h.sender.provider);
      expect((err as ProviderError).message).not.toContain(h.invalidNumber.slice(1));
      expect(await h.delivered(message)).toBe(0);
    });
  });
}
