import { formatDateTime } from '../notifications/templates/index.ts';
import type { ConsentLinkView, GuardianRelation, Locale } from './age.service.ts';

/**
 * The page a parent or guardian reaches from the consent e-mail: plain server-rendered HTML, one
 * form, no script at all (the platform's policy is `script-src 'self'`), readable without CSS and
 * by screen readers. English and French; Kinyarwanda falls back to English, marked `lang="en"`.
 */
type PageLocale = 'en' | 'fr';

const text = {
  en: {
    title: 'Parental consent',
    heading: 'Consent for {childName}',
    intro: '{childName} created an account on Strettch Cloud, a cloud service based in Rwanda, and named you as their {relation}.',
    law: 'A person under 16 may use our services only with the consent of a parent or legal guardian (Rwandan law on the protection of personal data, and section 7 of our privacy notice). Until you consent, the account cannot create cloud resources or make payments.',
    data: 'With your consent we process the personal data the account needs (name, email address, phone number and use of the service) as our privacy notice describes. The account never receives marketing.',
    checkbox: 'I am the {relation} of {childName}, and I consent to their use of Strettch Cloud.',
    button: 'Give consent',
    expires: 'This link expires on {expiresAt}.',
    withdraw: 'You can withdraw your consent at any time by writing to us at the address given in our privacy notice.',
    notice: 'Read the privacy notice',
    mustCheck: 'Tick the box to confirm that you are the parent or guardian and that you consent.',
    given: 'Thank you. Your consent for {childName} is recorded, and the account is no longer limited.',
    used: 'This link has already been used: it works only once.',
    expired: 'This link has expired or was replaced by a newer one. The account holder can send a new one.',
    refused: 'This email address cannot give consent for this account: a parent or guardian must use their own address.',
    unknown: 'This link is not valid. Check that you opened the whole link from the email.',
    parent: 'parent',
    guardian: 'legal guardian',
  },
  fr: {
    title: 'Consentement parental',
    heading: 'Consentement pour {childName}',
    intro: '{childName} a créé un compte sur Strettch Cloud, un service cloud établi au Rwanda, et vous a indiqué comme son {relation}.',
    law: 'Une personne de moins de 16 ans ne peut utiliser nos services qu’avec le consentement d’un parent ou tuteur légal (loi rwandaise sur la protection des données personnelles, et section 7 de notre politique de confidentialité). Tant que vous n’avez pas consenti, le compte ne peut ni créer de ressources cloud ni effectuer de paiements.',
    data: 'Avec votre consentement, nous traitons les données personnelles nécessaires au compte (nom, adresse e-mail, numéro de téléphone et utilisation du service) comme le décrit notre politique de confidentialité. Le compte ne reçoit jamais de messages promotionnels.',
    checkbox: 'Je suis le {relation} de {childName} et je consens à ce qu’il ou elle utilise Strettch Cloud.',
    button: 'Donner mon consentement',
    expires: 'Ce lien expire le {expiresAt}.',
    withdraw: 'Vous pouvez retirer votre consentement à tout moment en nous écrivant à l’adresse indiquée dans notre politique de confidentialité.',
    notice: 'Lire la politique de confidentialité',
    mustCheck: 'Cochez la case pour confirmer que vous êtes le parent ou tuteur et que vous consentez.',
    given: 'Merci. Votre consentement pour {childName} est enregistré et le compte n’est plus limité.',
    used: 'Ce lien a déjà été utilisé : il ne fonctionne qu’une fois.',
    expired: 'Ce lien a expiré ou a été remplacé par un plus récent. Le titulaire du compte peut en envoyer un nouveau.',
    refused: 'Cette adresse e-mail ne peut pas donner le consentement pour ce compte : un parent ou tuteur doit utiliser sa propre adresse.',
    unknown: 'Ce lien n’est pas valide. Vérifiez que vous avez ouvert le lien complet de l’e-mail.',
    parent: 'parent',
    guardian: 'tuteur légal',
  },
} as const satisfies Record<PageLocale, Record<string, string>>;

type Key = keyof (typeof text)['en'];

/** Renders the page for a link; `error` shows the form again with a message (box not ticked). */
export function renderConsentPage(view: ConsentLinkView, opts: { error?: boolean } = {}): string {
  const locale: PageLocale = 'locale' in view && view.locale === 'fr' ? 'fr' : 'en';
  const t = (key: Key, vars: Record<string, string> = {}) => escapeHtml(text[locale][key]).replace(/\{(\w+)\}/g, (_, name: string) => escapeHtml(vars[name] ?? ''));
  const relation = (r: GuardianRelation) => text[locale][r];

  let body: string;
  switch (view.state) {
    case 'valid': {
      const vars = { childName: view.childName, relation: relation(view.relation), expiresAt: formatDateTime(view.expiresAt.toISOString(), locale as Locale) };
      body = [
        `<h1>${t('heading', vars)}</h1>`,
        `<p>${t('intro', vars)}</p>`,
        `<p>${t('law')}</p>`,
        `<p>${t('data')} <a href="/privacy">${t('notice')}</a></p>`,
        opts.error ? `<p role="alert" id="consent-error" class="error">${t('mustCheck')}</p>` : '',
        `<form method="post">`,
        `<p><input type="checkbox" id="consent" name="consent" value="yes" required${opts.error ? ' aria-invalid="true" aria-describedby="consent-error"' : ''}> <label for="consent">${t('checkbox', vars)}</label></p>`,
        `<p><button type="submit">${t('button')}</button></p>`,
        `</form>`,
        `<p>${t('expires', vars)}</p>`,
        `<p>${t('withdraw')}</p>`,
      ].join('\n');
      break;
    }
    case 'given':
      body = `<h1>${t('title')}</h1>\n<p role="status">${t('given', { childName: view.childName })}</p>\n<p>${t('withdraw')}</p>`;
      break;
    default:
      body = `<h1>${t('title')}</h1>\n<p>${t(view.state)}</p>`;
  }
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${t('title')} · Strettch Cloud</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.5rem; }
button { font: inherit; padding: 0.6rem 1.2rem; border: 2px solid #0b5394; background: #0b5394; color: #fff; border-radius: 4px; cursor: pointer; }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f1c232; outline-offset: 2px; }
input[type=checkbox] { width: 1.2rem; height: 1.2rem; vertical-align: middle; }
.error { color: #a61b1b; font-weight: 600; }
a { color: #0b5394; }
</style>
</head>
<body>
<main>
<p><strong>Strettch Cloud</strong></p>
${body}
</main>
</body>
</html>
`;
}

/** HTTP status of the page for each state. */
export function consentPageStatus(view: ConsentLinkView, opts: { error?: boolean } = {}): number {
  if (opts.error) return 400;
  switch (view.state) {
    case 'valid':
    case 'given':
      return 200;
    case 'unknown':
      return 404;
    case 'refused':
      return 403;
    default:
      return 410;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
