/**
 * Text shared by every template: greeting, sign-off, the footer that says why the person gets the
 * message, and the names of the data-subject requests. English defines the keys; translations
 * live in `translations/`.
 */
export const commonMessages = {
  greeting: 'Hello,',
  signOff: 'The Strettch Cloud team',
  reasonAccount:
    'You receive this message because you have a Strettch Cloud account. It concerns your account or your services, so it is sent even if you have objected to product news.',
  reasonMarketing:
    'You receive this message because you have a Strettch Cloud account and have not objected to product news.',
  optOut: 'You can object to these messages at any time, free of charge, on the privacy page of your account.',
  optOutLink: 'Stop receiving product news',
  'requestType.access': 'Access to your data',
  'requestType.rectification': 'Correction of your data',
  'requestType.erasure': 'Erasure of your data',
  'requestType.objection': 'Objection to processing',
  'requestType.portability': 'Portability of your data',
  'requestType.restriction': 'Restriction of processing',
  'requestType.automated-decision': 'Review of an automated decision',
  'requestType.heir': 'Designation of an heir',
} as const satisfies Record<string, string>;

export type CommonKey = keyof typeof commonMessages;

/** The legal entity, the same in every language. */
export const companyLine = 'STRETTCH CLOUD Limited, Kigali, Rwanda';

/** The console page where a person sees their requests and objects to marketing (Account & Privacy). */
export const privacyPagePath = '/account';
