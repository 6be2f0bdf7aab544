import crypto from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { Executor } from '../../db/database.ts';
import { DAY, MINUTE, type Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { personId } from '../../shared/person.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { NotifyInput } from '../notifications/notifications.service.ts';
import { parsePhoneNumber, PhoneNumberError } from '../notifications/providers/index.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { phoneRepository, type PhoneVerificationRow, type SendScope } from './phone.repository.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;

/** A code works for ten minutes. */
export const CODE_TTL_MS = 10 * MINUTE;
/** At most one code per account every minute. */
export const RESEND_INTERVAL_MS = MINUTE;
/** Five tries per code; the sixth is refused whatever it is, and the code is burnt. */
export const MAX_ATTEMPTS = 5;

export interface PhoneLimits {
  perNumberPerDay: number;
  perAccountPerDay: number;
  perIpPerDay: number;
  /** ISO country codes SMS may go to; empty or absent: every country. */
  allowedCountries?: readonly string[];
}

export interface PhoneCodeSent {
  /** The number the code went to, masked. */
  phone: string;
  expiresAt: string;
  /** When another code may be requested. */
  resendAfter: string;
}

export interface PhoneStatus {
  /** The verified number, masked; null until one is verified. */
  phone: string | null;
  verified: boolean;
  verifiedAt: string | null;
  /** A code sent and still usable, if any. */
  pending: { phone: string; expiresAt: string; resendAfter: string; attemptsLeft: number } | null;
}

type ConfirmOutcome =
  | { kind: 'verified'; phone: string; verifiedAt: Date }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'burnt' | 'expired' | 'none' };

/**
 * Phone verification by SMS (issue 4, item 6). A verified number is required before the first
 * top-up or compute: `requireVerifiedPhone`.
 *
 * Sending an SMS costs money and international SMS is the target of "SMS pumping" fraud (bots
 * requesting codes to premium numbers whose operators share the fee), so every send passes, in
 * this order: the country allow-list, one code a minute per account, and daily caps per number,
 * per account and per client IP. Codes are 6 random digits from `crypto.randomInt`, stored only
 * as an HMAC bound to their row, compared in constant time, valid ten minutes and five tries.
 */
export class PhoneService {
  private readonly allowedCountries: readonly CountryCode[] | undefined;

  constructor(
    private readonly deps: { clock: Clock; subjects: SubjectCrypto; hasher: KeyedHasher; audit: Audit; notify: Notify },
    private readonly limits: PhoneLimits,
  ) {
    this.allowedCountries = limits.allowedCountries?.length ? (limits.allowedCountries as readonly CountryCode[]) : undefined;
  }

  /** Sends a code to `phone` for the person acting; the SMS is queued in the same transaction. */
  async start(ctx: Context, input: { phone: string }): Promise<PhoneCodeSent> {
    const userId = personId(ctx);
    const e164 = this.parse(input.phone);
    const phoneHash = this.deps.hasher.hash('phone', e164);
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      // Fixed order: account, number, IP (see phoneRepository.lock).
      await phoneRepository.lock(ex, `user:${userId}`);
      await phoneRepository.lock(ex, `number:${phoneHash}`);
      if (ctx.ip) await phoneRepository.lock(ex, `ip:${ctx.ip}`);
      const now = this.deps.clock.now();

      const current = await phoneRepository.findNumber(ex, userId);
      if (current?.phoneHash === phoneHash) throw new AppError('CONFLICT', 'This phone number is already verified on your account.');

      const last = await phoneRepository.latestVerification(ex, userId);
      if (last && now.getTime() - last.createdAt.getTime() < RESEND_INTERVAL_MS) {
        throw tooMany('Wait a minute before asking for another code.', last.createdAt.getTime() + RESEND_INTERVAL_MS - now.getTime());
      }
      const since = new Date(now.getTime() - DAY);
      const caps: [SendScope, number, string][] = [
        [{ userId }, this.limits.perAccountPerDay, 'Your account has asked for too many codes today.'],
        [{ phoneHash }, this.limits.perNumberPerDay, 'Too many codes were sent to this number today.'],
        ...(ctx.ip ? [[{ ip: ctx.ip }, this.limits.perIpPerDay, 'Too many codes were asked for from your network today.'] as [SendScope, number, string]] : []),
      ];
      for (const [scope, cap, message] of caps) {
        const sent = await phoneRepository.sendsSince(ex, scope, since);
        if (sent.count >= cap) throw tooMany(`${message} Try again later.`, (sent.oldest?.getTime() ?? now.getTime()) + DAY - now.getTime());
      }

      const id = crypto.randomUUID();
      const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
      const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
      await phoneRepository.insertVerification(ex, {
        id,
        userId,
        phoneEnc: await this.deps.subjects.encrypt(ex, userId, 'phone_verifications.phone', e164),
        phoneHash,
        codeHash: this.codeHash(id, code),
        createdAt: now,
        expiresAt,
        attempts: 0,
        consumedAt: null,
        ip: ctx.ip,
      });
      await this.deps.notify(ctx, {
        template: 'phone-verification-code',
        variables: { code, minutes: CODE_TTL_MS / MINUTE },
        to: { phone: e164 },
        locale: (await phoneRepository.userLocale(ex, userId)) ?? 'en',
      });
      await this.deps.audit.record(ctx, { action: 'phone.verification.start', targetType: 'user', targetId: userId });
      return { phone: maskPhone(e164), expiresAt: expiresAt.toISOString(), resendAfter: new Date(now.getTime() + RESEND_INTERVAL_MS).toISOString() };
    });
  }

  /**
   * Checks a code against the newest one sent to the person; on a match the number becomes their
   * verified number. The attempt is counted and committed before a refusal is thrown, so a wrong
   * guess always costs one of the five tries. Call it outside a caller's transaction.
   */
  async confirm(ctx: Context, input: { code: string }): Promise<{ phone: string; verifiedAt: string }> {
    const userId = personId(ctx);
    const outcome = await inTransaction(ctx, async (ctx): Promise<ConfirmOutcome> => {
      const ex = ctx.tx;
      await phoneRepository.lock(ex, `user:${userId}`);
      const v = await phoneRepository.latestVerification(ex, userId, { forUpdate: true });
      const now = this.deps.clock.now();
      if (!v || v.consumedAt) return { kind: 'none' };
      if (v.attempts >= MAX_ATTEMPTS) {
        if (v.attempts === MAX_ATTEMPTS) await phoneRepository.recordAttempt(ex, v.id, MAX_ATTEMPTS + 1);
        return { kind: 'burnt' };
      }
      if (v.expiresAt.getTime() <= now.getTime()) return { kind: 'expired' };
      const attempts = v.attempts + 1;
      await phoneRepository.recordAttempt(ex, v.id, attempts);
      if (!this.codeMatches(v, input.code)) return { kind: 'wrong', attemptsLeft: MAX_ATTEMPTS - attempts };

      const e164 = await this.deps.subjects.decrypt(ex, userId, 'phone_verifications.phone', v.phoneEnc);
      if (e164 === null) return { kind: 'none' }; // the person's data was erased meanwhile
      await phoneRepository.consume(ex, v.id, now);
      await phoneRepository.saveNumber(ex, {
        userId,
        phoneEnc: await this.deps.subjects.encrypt(ex, userId, 'phone_numbers.phone', e164),
        phoneHash: v.phoneHash,
        verifiedAt: now,
      });
      await this.deps.audit.record(ctx, { action: 'phone.verify', targetType: 'user', targetId: userId });
      return { kind: 'verified', phone: maskPhone(e164), verifiedAt: now };
    });
    switch (outcome.kind) {
      case 'verified':
        return { phone: outcome.phone, verifiedAt: outcome.verifiedAt.toISOString() };
      case 'wrong':
        throw new AppError(
          'INVALID_VERIFICATION_CODE',
          outcome.attemptsLeft > 0
            ? `The code is wrong: ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left.`
            : 'The code is wrong, and that was the last try: request a new code.',
          { attemptsLeft: outcome.attemptsLeft },
        );
      case 'burnt':
        throw new AppError('VERIFICATION_CODE_EXPIRED', 'Too many wrong codes: this code no longer works. Request a new one.');
      case 'expired':
        throw new AppError('VERIFICATION_CODE_EXPIRED', 'The code has expired: request a new one.');
      case 'none':
        throw new AppError('VERIFICATION_CODE_EXPIRED', 'No code is waiting to be confirmed: request one first.');
    }
  }

  /**
   * Records a number as verified without a code. Only the development seed calls this (its route
   * exists only while the development sign-in is active), so demo and test accounts start ready.
   */
  async verifyForDevelopment(ctx: Context, userId: string, phone: string): Promise<void> {
    const { e164 } = parsePhoneNumber(phone);
    await inTransaction(ctx, async (ctx) => {
      await phoneRepository.saveNumber(ctx.tx, {
        userId,
        phoneEnc: await this.deps.subjects.encrypt(ctx.tx, userId, 'phone_numbers.phone', e164),
        phoneHash: this.deps.hasher.hash('phone', e164),
        verifiedAt: this.deps.clock.now(),
      });
      await this.deps.audit.record(ctx, { action: 'phone.verify.development', targetType: 'user', targetId: userId });
    });
  }

  /** The person's verified number (masked) and any code waiting to be confirmed. */
  async status(ctx: Context): Promise<PhoneStatus> {
    const userId = personId(ctx);
    const ex = ctx.tx;
    const now = this.deps.clock.now();
    const [number, v] = await Promise.all([phoneRepository.findNumber(ex, userId), phoneRepository.latestVerification(ex, userId)]);
    const phone = number ? await this.deps.subjects.decrypt(ex, userId, 'phone_numbers.phone', number.phoneEnc) : null;
    let pending: PhoneStatus['pending'] = null;
    if (v && !v.consumedAt && v.attempts < MAX_ATTEMPTS && v.expiresAt > now) {
      const pendingPhone = await this.deps.subjects.decrypt(ex, userId, 'phone_verifications.phone', v.phoneEnc);
      if (pendingPhone !== null) {
        pending = {
          phone: maskPhone(pendingPhone),
          expiresAt: v.expiresAt.toISOString(),
          resendAfter: new Date(v.createdAt.getTime() + RESEND_INTERVAL_MS).toISOString(),
          attemptsLeft: MAX_ATTEMPTS - v.attempts,
        };
      }
    }
    return {
      phone: phone === null ? null : maskPhone(phone),
      verified: phone !== null,
      verifiedAt: phone !== null && number ? number.verifiedAt.toISOString() : null,
      pending,
    };
  }

  /**
   * Throws PHONE_VERIFICATION_REQUIRED unless the person has a verified phone number. Billing and
   * compute call it before the first top-up or compute.
   */
  async requireVerifiedPhone(ex: Executor, userId: string): Promise<void> {
    if (!(await phoneRepository.findNumber(ex, userId))) throw new AppError('PHONE_VERIFICATION_REQUIRED');
  }

  /** The person's verified number in E.164, or null (for the notification outbox's recipient profile). */
  async verifiedPhone(ex: Executor, userId: string): Promise<string | null> {
    const number = await phoneRepository.findNumber(ex, userId);
    return number ? this.deps.subjects.decrypt(ex, userId, 'phone_numbers.phone', number.phoneEnc) : null;
  }

  private parse(input: string): string {
    try {
      return parsePhoneNumber(input, { allowedCountries: this.allowedCountries }).e164;
    } catch (err) {
      if (!(err instanceof PhoneNumberError)) throw err;
      const message = err.reason === 'invalid' ? 'This is not a phone number that can receive SMS.' : 'We cannot send SMS to phone numbers of this country.';
      throw new AppError('VALIDATION_ERROR', message, [{ field: 'phone', message }]);
    }
  }

  /** HMAC of the code bound to its row: equal codes of two rows never share a hash. */
  private codeHash(verificationId: string, code: string): string {
    return this.deps.hasher.hash('phone-code', `${verificationId}:${code}`);
  }

  private codeMatches(v: PhoneVerificationRow, code: string): boolean {
    const candidate = Buffer.from(this.codeHash(v.id, code), 'hex');
    const stored = Buffer.from(v.codeHash, 'hex');
    return candidate.length === stored.length && crypto.timingSafeEqual(candidate, stored);
  }
}

/** `+250788123456` → `+250******456`: enough to recognise one's own number, not to call it. */
export function maskPhone(e164: string): string {
  if (e164.length <= 7) return e164.replace(/\d/g, '*');
  return `${e164.slice(0, 4)}${'*'.repeat(e164.length - 7)}${e164.slice(-3)}`;
}

function tooMany(message: string, retryAfterMs: number): AppError {
  return new AppError('TOO_MANY_REQUESTS', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}
