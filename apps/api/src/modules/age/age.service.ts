import crypto from 'node:crypto';
import type { Executor } from '../../db/database.ts';
import { DAY, type Clock } from '../../shared/clock.ts';
import { inTransaction, type Context } from '../../shared/context.ts';
import { AppError } from '../../shared/errors.ts';
import { personId } from '../../shared/person.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { NotifyInput } from '../notifications/notifications.service.ts';
import type { KeyedHasher, SubjectCrypto } from '../privacy/index.ts';
import { ageRepository, type ConsentRequestRow, type UserFacts } from './age.repository.ts';
import type { guardianRelations } from './age.schema.ts';

type Notify = (ctx: Context, input: NotifyInput) => Promise<string>;
/** The person's name, decrypted (the accounts module's profile). */
type NameLookup = (ex: Executor, userId: string) => Promise<string | null>;

export type GuardianRelation = (typeof guardianRelations)[number];
export type Locale = UserFacts['locale'];

/** Law 058/2021 Art. 9 and privacy notice §7: under 16, a holder of parental responsibility consents. */
export const AGE_OF_CONSENT = 16;
/** Dates of birth further back than this are typing mistakes. */
export const MAX_AGE = 120;
/** How long the link e-mailed to a parent works. */
export const CONSENT_LINK_TTL_MS = 7 * DAY;
/** Consent e-mails one child may have sent in 24 hours: each one lands in a third person's inbox. */
export const CONSENT_REQUESTS_PER_DAY = 5;
/** Ages are counted in Rwandan time, whatever the server's zone. */
const TIME_ZONE = 'Africa/Kigali';

export interface AgeStatus {
  /** The confirmed date of birth, `YYYY-MM-DD`; null until confirmed. */
  dateOfBirth: string | null;
  confirmedAt: string | null;
  minor: boolean;
  /** No resources and no payments: the date of birth is not confirmed, or a parent has not consented yet. */
  limited: boolean;
  parentalConsent: 'not-needed' | 'required' | 'requested' | 'given';
  consentRequestExpiresAt: string | null;
  consentGivenAt: string | null;
}

/** What the parent's confirmation page shows for a link. */
export type ConsentLinkView =
  | { state: 'valid'; childName: string; relation: GuardianRelation; expiresAt: Date; locale: Locale }
  /** Consent was just recorded through this link. */
  | { state: 'given'; childName: string; locale: Locale }
  /** Already used, expired or replaced by a newer link, or an address that cannot consent for this child. */
  | { state: 'used' | 'expired' | 'refused'; locale: Locale }
  | { state: 'unknown' };

/**
 * The age limit (issue 4, item 5). At the first sign-in a person confirms their date of birth,
 * once. Under 16 the account is flagged a minor, so marketing never reaches it (the notification
 * outbox checks the flag at send time), and limited: `requireFullAccount` refuses resources and
 * payments until a parent or guardian consents through a single-use link sent to them by e-mail.
 * The minor flag stays after consent.
 */
export class AgeService {
  constructor(
    private readonly deps: { clock: Clock; subjects: SubjectCrypto; hasher: KeyedHasher; audit: Audit; notify: Notify; nameOf: NameLookup },
  ) {}

  /** Records the person's date of birth, once; under 16 the account becomes a limited minor account. */
  async confirmDateOfBirth(ctx: Context, input: { dateOfBirth: string }): Promise<AgeStatus> {
    const userId = personId(ctx);
    const now = this.deps.clock.now();
    const today = kigaliDate(now);
    const dob = parseDate(input.dateOfBirth);
    if (!dob) throw invalidDate('must be a real calendar date written YYYY-MM-DD');
    if (compareDates(dob, today) > 0) throw invalidDate('cannot be in the future');
    if (compareDates(dob, { ...today, y: today.y - MAX_AGE }) < 0) throw invalidDate(`cannot be more than ${MAX_AGE} years ago`);
    const minor = ageOn(dob, today) < AGE_OF_CONSENT;

    await inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      await ageRepository.lock(ex, userId);
      const inserted = await ageRepository.insertConfirmation(ex, {
        userId,
        dateOfBirthEnc: await this.deps.subjects.encrypt(ex, userId, 'age_confirmations.date_of_birth', input.dateOfBirth),
        confirmedAt: now,
      });
      if (!inserted) throw new AppError('CONFLICT', 'Your date of birth is already confirmed. To correct it, contact support.');
      if (minor) await ageRepository.setMinor(ex, userId, true, now);
      await this.deps.audit.record(ctx, { action: 'user.date_of_birth.confirm', targetType: 'user', targetId: userId });
    });
    return this.status(ctx);
  }

  async status(ctx: Context): Promise<AgeStatus> {
    const userId = personId(ctx);
    const ex = ctx.tx;
    const [user, confirmation, consent, request] = await Promise.all([
      ageRepository.findUser(ex, userId),
      ageRepository.findConfirmation(ex, userId),
      ageRepository.findConsent(ex, userId),
      ageRepository.latestRequest(ex, userId),
    ]);
    if (!user) throw new AppError('RESOURCE_NOT_FOUND', 'The account does not exist.');
    const dateOfBirth = confirmation ? await this.deps.subjects.decrypt(ex, userId, 'age_confirmations.date_of_birth', confirmation.dateOfBirthEnc) : null;
    const now = this.deps.clock.now();
    const openRequest = request && !request.consumedAt && request.expiresAt > now ? request : undefined;
    const parentalConsent = !user.isMinor ? 'not-needed' : consent ? 'given' : openRequest ? 'requested' : 'required';
    return {
      dateOfBirth,
      confirmedAt: confirmation?.confirmedAt.toISOString() ?? null,
      minor: user.isMinor,
      limited: !confirmation || (user.isMinor && !consent),
      parentalConsent,
      consentRequestExpiresAt: parentalConsent === 'requested' && openRequest ? openRequest.expiresAt.toISOString() : null,
      consentGivenAt: consent?.consentedAt.toISOString() ?? null,
    };
  }

  /**
   * E-mails a parent or guardian a single-use link to consent, valid seven days; a new request
   * replaces the link of the previous one. The child's own address is refused.
   */
  async requestParentalConsent(ctx: Context, input: { guardianEmail: string; relation: GuardianRelation }): Promise<{ requestedAt: string; expiresAt: string }> {
    const userId = personId(ctx);
    const guardianEmail = input.guardianEmail.trim();
    const guardianEmailHash = this.deps.hasher.hash('email', guardianEmail);
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      await ageRepository.lock(ex, userId);
      const now = this.deps.clock.now();
      const [user, confirmation, consent] = await Promise.all([
        ageRepository.findUser(ex, userId),
        ageRepository.findConfirmation(ex, userId),
        ageRepository.findConsent(ex, userId),
      ]);
      if (!user) throw new AppError('RESOURCE_NOT_FOUND', 'The account does not exist.');
      if (!confirmation) throw new AppError('DATE_OF_BIRTH_REQUIRED');
      if (!user.isMinor) throw new AppError('CONFLICT', `Only accounts of people under ${AGE_OF_CONSENT} need a parent's consent.`);
      if (consent) throw new AppError('CONFLICT', 'A parent or guardian has already given consent for this account.');
      if (guardianEmailHash === user.emailHash) {
        const message = 'must be the address of your parent or guardian, not your own';
        throw new AppError('VALIDATION_ERROR', `The guardian's e-mail address ${message}.`, [{ field: 'guardianEmail', message }]);
      }
      if ((await ageRepository.requestsSince(ex, userId, new Date(now.getTime() - DAY))) >= CONSENT_REQUESTS_PER_DAY) {
        throw new AppError('TOO_MANY_REQUESTS', 'Too many consent e-mails were sent today: try again tomorrow.', { retryAfterSeconds: DAY / 1000 });
      }
      const childName = await this.deps.nameOf(ex, userId);
      if (childName === null) throw new AppError('RESOURCE_NOT_FOUND', 'The account does not exist.');

      // 256 random bits; only a keyed hash is stored, so neither a database copy nor a guess yields a working link.
      const token = crypto.randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + CONSENT_LINK_TTL_MS);
      await ageRepository.expireOpenRequests(ex, userId, now);
      const id = crypto.randomUUID();
      await ageRepository.insertRequest(ex, {
        id,
        userId,
        guardianEmailEnc: await this.deps.subjects.encrypt(ex, userId, 'parental_consent_requests.guardian_email', guardianEmail),
        guardianEmailHash,
        relation: input.relation,
        tokenHash: this.tokenHash(token),
        createdAt: now,
        expiresAt,
        consumedAt: null,
        ip: ctx.ip,
      });
      await this.deps.notify(ctx, {
        template: 'parental-consent-request',
        variables: { childName, confirmUrl: consentPath(token), expiresAt: expiresAt.toISOString() },
        to: { email: guardianEmail },
        locale: user.locale,
      });
      await this.deps.audit.record(ctx, { action: 'parental_consent.request', targetType: 'parental_consent_request', targetId: id });
      return { requestedAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
    });
  }

  /** What the confirmation page shows for a link; reading it changes nothing (mail scanners open links). */
  async consentLink(ex: Executor, token: string): Promise<ConsentLinkView> {
    const request = await ageRepository.findRequestByTokenHash(ex, this.tokenHash(token));
    if (!request) return { state: 'unknown' };
    return this.view(ex, request);
  }

  /**
   * Records the consent of the parent or guardian who holds the link and lifts the limit. The
   * link works once. `ctx` is the guardian's request: its IP address goes into the record.
   */
  async giveConsent(ctx: Context, token: string): Promise<ConsentLinkView> {
    const tokenHash = this.tokenHash(token);
    return inTransaction(ctx, async (ctx) => {
      const ex = ctx.tx;
      const found = await ageRepository.findRequestByTokenHash(ex, tokenHash);
      if (!found) return { state: 'unknown' as const };
      await ageRepository.lock(ex, found.userId);
      const request = (await ageRepository.findRequestByTokenHash(ex, tokenHash, { forUpdate: true }))!;
      const view = await this.view(ex, request);
      if (view.state !== 'valid') return view;

      const guardianEmail = await this.deps.subjects.decrypt(ex, request.userId, 'parental_consent_requests.guardian_email', request.guardianEmailEnc);
      if (guardianEmail === null) return { state: 'unknown' as const }; // the child's data was erased
      const now = this.deps.clock.now();
      await ageRepository.consumeRequest(ex, request.id, now);
      await ageRepository.insertConsent(ex, {
        userId: request.userId,
        guardianEmailEnc: await this.deps.subjects.encrypt(ex, request.userId, 'parental_consents.guardian_email', guardianEmail),
        relation: request.relation,
        consentedAt: now,
        ip: ctx.ip,
        locale: view.locale,
      });
      await this.deps.audit.record(ctx, { action: 'parental_consent.give', targetType: 'user', targetId: request.userId });
      return { state: 'given' as const, childName: view.childName, locale: view.locale };
    });
  }

  /**
   * Throws unless the person may create resources and pay: a confirmed date of birth, and for a
   * minor a parent's consent (DATE_OF_BIRTH_REQUIRED, PARENTAL_CONSENT_REQUIRED). Compute, DNS
   * and billing call it before acting.
   */
  async requireFullAccount(ex: Executor, userId: string): Promise<void> {
    const [user, confirmation] = await Promise.all([ageRepository.findUser(ex, userId), ageRepository.findConfirmation(ex, userId)]);
    if (!user) throw new AppError('RESOURCE_NOT_FOUND', 'The account does not exist.');
    if (!confirmation) throw new AppError('DATE_OF_BIRTH_REQUIRED');
    if (user.isMinor && !(await ageRepository.findConsent(ex, userId))) throw new AppError('PARENTAL_CONSENT_REQUIRED');
  }

  private async view(ex: Executor, request: ConsentRequestRow): Promise<ConsentLinkView> {
    const [child, consent] = await Promise.all([ageRepository.findUser(ex, request.userId), ageRepository.findConsent(ex, request.userId)]);
    if (!child) return { state: 'unknown' };
    const locale = child.locale;
    if (request.consumedAt) return { state: 'used', locale };
    if (request.expiresAt <= this.deps.clock.now() || consent) return { state: 'expired', locale };
    // A child cannot be their own guardian, nor can another child: checked again here because the
    // address may have become an account's since the request.
    if (request.guardianEmailHash === child.emailHash) return { state: 'refused', locale };
    const holder = await ageRepository.findUserByEmailHash(ex, request.guardianEmailHash);
    if (holder?.isMinor) return { state: 'refused', locale };
    const childName = await this.deps.nameOf(ex, request.userId);
    if (childName === null) return { state: 'unknown' };
    return { state: 'valid', childName, relation: request.relation, expiresAt: request.expiresAt, locale };
  }

  private tokenHash(token: string): string {
    return this.deps.hasher.hash('parental-consent-token', token);
  }
}

/** Where a parent confirms: a page outside the API, reached from the e-mail. */
export function consentPath(token: string): `/${string}` {
  return `/consent/parental/${token}`;
}

interface YMD {
  y: number;
  m: number;
  d: number;
}

/** The calendar date in Kigali at `at`. */
export function kigaliDate(at: Date): YMD {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

function parseDate(s: string): YMD | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? { y, m: mo, d } : null;
}

function compareDates(a: YMD, b: YMD): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/** Full years on `today`; someone born on 29 February turns a year older on 1 March in other years. */
export function ageOn(dob: YMD, today: YMD): number {
  const hadBirthday = today.m > dob.m || (today.m === dob.m && today.d >= dob.d);
  return today.y - dob.y - (hadBirthday ? 0 : 1);
}

function invalidDate(message: string): AppError {
  return new AppError('VALIDATION_ERROR', `The date of birth ${message}.`, [{ field: 'dateOfBirth', message }]);
}
