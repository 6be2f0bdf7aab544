import { z } from 'zod';

export const PhoneStartSchema = z
  .object({
    phone: z
      .string()
      .min(1)
      .max(40)
      .describe('The number to verify, in international form (`+250788123456`); a Rwandan number may also be written nationally (`0788 123 456`).')
      .meta({ example: '+250788123456' }),
  })
  .meta({ id: 'PhoneStart' });

export const PhoneVerifySchema = z
  .object({
    code: z.string().trim().regex(/^\d{6}$/, 'must be the 6 digits of the SMS').describe('The 6-digit code received by SMS.').meta({ example: '482913' }),
  })
  .meta({ id: 'PhoneVerify' });

const masked = z.string().describe('The number with its middle digits hidden.').meta({ example: '+250******456' });

export const PhoneCodeSentResponseSchema = z
  .object({
    phone: masked,
    expiresAt: z.string().describe('When the code stops working (10 minutes after sending), ISO 8601 UTC.'),
    resendAfter: z.string().describe('When another code may be requested, ISO 8601 UTC.'),
  })
  .meta({ id: 'PhoneCodeSentResponse' });

export const PhoneVerifiedResponseSchema = z
  .object({
    phone: masked,
    verifiedAt: z.string().describe('When the number was verified, ISO 8601 UTC.'),
  })
  .meta({ id: 'PhoneVerifiedResponse' });

export const PhoneStatusResponseSchema = z
  .object({
    phone: masked.nullable().describe('The verified number with its middle digits hidden; null until one is verified.'),
    verified: z.boolean().describe('Whether the account has a verified phone number (needed before the first top-up or compute).'),
    verifiedAt: z.string().nullable().describe('When the number was verified, ISO 8601 UTC.'),
    pending: z
      .object({
        phone: masked,
        expiresAt: z.string().describe('When the code stops working, ISO 8601 UTC.'),
        resendAfter: z.string().describe('When another code may be requested, ISO 8601 UTC.'),
        attemptsLeft: z.number().int().describe('Tries left for this code (5 per code).'),
      })
      .nullable()
      .describe('A code that was sent and can still be confirmed, if any.'),
  })
  .meta({ id: 'PhoneStatusResponse' });
