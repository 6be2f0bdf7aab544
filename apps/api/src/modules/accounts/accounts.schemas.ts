import { z } from 'zod';
import { signInProviders } from './accounts.schema.ts';

const timestamp = (what: string) => z.string().describe(`${what}, ISO 8601 UTC.`);

export const SignInProviderIdSchema = z.enum(signInProviders).describe('A sign-in provider: `google`, `github`, or `dev` (the built-in development sign-in of sandbox mode).');

export const SignInProviderResponseSchema = z
  .object({
    id: SignInProviderIdSchema,
    name: z.string().describe('Name for the sign-in button.').meta({ example: 'Google' }),
    startUrl: z.string().describe('Open this path in the browser to sign in; add `?returnTo=/path` to come back to a page of the console.').meta({ example: '/auth/google/start' }),
  })
  .meta({ id: 'SignInProvider' });

export const IdentityResponseSchema = z
  .object({
    provider: SignInProviderIdSchema,
    linkedAt: timestamp('When the provider was linked'),
    lastUsedAt: timestamp('Last sign-in through it').nullable(),
  })
  .meta({ id: 'LinkedIdentity' });

export const MembershipResponseSchema = z
  .object({
    id: z.uuid().describe('Team id; send it as `X-Team-Id` to act in this team.'),
    name: z.string(),
    role: z.enum(['OWNER', 'ADMIN', 'MEMBER']).describe('Your role in the team.'),
  })
  .meta({ id: 'TeamMembership' });

export const MeResponseSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().describe('The verified address the provider gave at sign-up.'),
    avatarUrl: z.string().nullable().describe('Profile picture from the provider, or null.'),
    locale: z.enum(['en', 'rw', 'fr']).describe('Language of e-mails and messages.'),
    closedAt: timestamp('When you closed the account; null while it is open. A closed account can only read `GET /me` and reactivate').nullable(),
    reactivationDeadline: timestamp('Until when a closed account can be reactivated (six months after closure); null while it is open').nullable(),
    identities: z.array(IdentityResponseSchema).describe('Providers you can sign in with; at least one.'),
    teams: z.array(MembershipResponseSchema).describe('Teams you belong to, oldest membership first.'),
    session: z.object({ id: z.uuid().describe('Id of this session, as in `GET /sessions`.') }),
    csrfToken: z.string().describe('Send as the `X-CSRF-Token` header with every request that changes something.'),
  })
  .meta({ id: 'Me' });

export const AccountClosureResponseSchema = z
  .object({
    closedAt: timestamp('When the account was closed'),
    reactivationDeadline: timestamp('Until when signing in again lets you reactivate the account (six months after closure); after it the account and its data are destroyed'),
  })
  .meta({ id: 'AccountClosure' });

export const AccountReactivationResponseSchema = z
  .object({ reactivatedAt: timestamp('When the account was reactivated') })
  .meta({ id: 'AccountReactivation' });

export const SessionResponseSchema = z
  .object({
    id: z.uuid(),
    createdAt: timestamp('Sign-in time'),
    lastUsedAt: timestamp('Last request (updated at most once a minute)'),
    expiresAt: timestamp('Latest end of the session, however active'),
    ip: z.string().nullable().describe('IP address of the last request.'),
    browser: z.string().nullable().describe('Browser and major version.').meta({ example: 'Firefox 133' }),
    os: z.string().nullable().describe('Operating system and major version.').meta({ example: 'Ubuntu 24' }),
    current: z.boolean().describe('True for the session of this request.'),
  })
  .meta({ id: 'Session' });

export const LinkStartBodySchema = z.object({
  returnTo: z.string().max(1024).optional().describe('Console path to come back to after the provider (same origin only; anything else returns to `/`).'),
});

export const LinkStartResponseSchema = z
  .object({ authorizationUrl: z.string().describe("Send the browser here to confirm at the provider; it comes back to the console's `returnTo`.") })
  .meta({ id: 'LinkStart' });

export const MeUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional().describe('Your name as shown to your teams and in e-mails.'),
    locale: z.enum(['en', 'rw', 'fr']).optional().describe('Language of e-mails and messages: English, Kinyarwanda or French.'),
    avatarUrl: z
      .url({ protocol: /^https$/ })
      .max(2048)
      .nullable()
      .optional()
      .describe('An https picture URL, or null to remove the picture.'),
  })
  .strict();
