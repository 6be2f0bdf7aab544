import { z } from 'zod';
import { guardianRelations } from './age.schema.ts';

export const DateOfBirthConfirmSchema = z
  .object({
    dateOfBirth: z.iso.date().describe('Your date of birth, `YYYY-MM-DD`. Not in the future, and at most 120 years ago.').meta({ example: '1994-07-04' }),
  })
  .meta({ id: 'DateOfBirthConfirm' });

export const ParentalConsentRequestSchema = z
  .object({
    guardianEmail: z.email().max(254).describe('E-mail address of your parent or legal guardian (not your own). The consent link is sent there.').meta({ example: 'parent@example.rw' }),
    relation: z.enum(guardianRelations).describe('`parent`, or `guardian` for another holder of parental responsibility.'),
  })
  .meta({ id: 'ParentalConsentRequest' });

export const AgeStatusResponseSchema = z
  .object({
    dateOfBirth: z.string().nullable().describe('The date of birth you confirmed, `YYYY-MM-DD`; null until confirmed.'),
    confirmedAt: z.string().nullable().describe('When it was confirmed, ISO 8601 UTC.'),
    minor: z.boolean().describe('Under 16 when the date was confirmed. Minors never receive marketing, also after a parent consents.'),
    limited: z.boolean().describe('True while the account may not create resources or make payments: the date of birth is not confirmed yet, or a parent or guardian has not consented.'),
    parentalConsent: z
      .enum(['not-needed', 'required', 'requested', 'given'])
      .describe('`not-needed` for 16 and older; for a minor: `required` (ask with `POST /me/parental-consent`), `requested` (link sent, waiting) or `given`.'),
    consentRequestExpiresAt: z.string().nullable().describe('When the link sent to the parent expires, while `requested`.'),
    consentGivenAt: z.string().nullable().describe('When the parent or guardian consented.'),
  })
  .meta({ id: 'AgeStatusResponse' });

export const ParentalConsentRequestedResponseSchema = z
  .object({
    requestedAt: z.string().describe('When the e-mail was queued, ISO 8601 UTC.'),
    expiresAt: z.string().describe('When the link in it stops working (7 days), ISO 8601 UTC.'),
  })
  .meta({ id: 'ParentalConsentRequestedResponse' });
