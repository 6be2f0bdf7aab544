import type { TranslationCatalog } from '../registry.ts';

/**
 * French. Write plain spaces before « : ; ! ? » and inside « guillemets »: the renderer turns them
 * into no-break spaces in e-mails (French typography) and leaves them plain in SMS (GSM-7).
 * Compute is translated as « machine virtuelle », the usual French term.
 */
export const fr = {
  common: {
    greeting: 'Bonjour,',
    signOff: 'L’équipe Strettch Cloud',
    reasonAccount:
      'Vous recevez ce message parce que vous avez un compte Strettch Cloud. Il concerne votre compte ou vos services : il vous est donc envoyé même si vous avez refusé de recevoir nos actualités.',
    reasonMarketing: 'Vous recevez ce message parce que vous avez un compte Strettch Cloud et que vous n’avez pas refusé de recevoir nos actualités.',
    optOut: 'Vous pouvez vous opposer à tout moment et gratuitement à ces envois depuis la page Confidentialité de votre compte.',
    optOutLink: 'Ne plus recevoir nos actualités',
    'requestType.access': 'Accès à vos données',
    'requestType.rectification': 'Rectification de vos données',
    'requestType.erasure': 'Effacement de vos données',
    'requestType.objection': 'Opposition au traitement',
    'requestType.portability': 'Portabilité de vos données',
    'requestType.restriction': 'Limitation du traitement',
    'requestType.automated-decision': 'Réexamen d’une décision automatisée',
    'requestType.heir': 'Désignation d’un héritier',
  },
  welcome: {
    subject: 'Bienvenue sur Strettch Cloud',
    greeting: 'Bonjour {name},',
    intro:
      'Votre compte Strettch Cloud est prêt. Vous pouvez dès maintenant lancer des machines virtuelles et héberger vos zones DNS dans des centres de données situés au Rwanda.',
    nextSteps: 'Pour commencer, rechargez le portefeuille de votre équipe avec IremboPay, puis créez votre première machine virtuelle.',
    action: 'Ouvrir la console',
  },
  'new-device-sign-in': {
    subject: 'Nouvelle connexion à votre compte Strettch Cloud',
    intro: 'Quelqu’un vient de se connecter à votre compte Strettch Cloud depuis un appareil ou un navigateur que nous ne connaissions pas.',
    whenLabel: 'Date',
    deviceLabel: 'Appareil',
    deviceValue: '{browser} sous {os}',
    locationLabel: 'Localisation approximative',
    locationNote: 'La localisation est estimée à partir de l’adresse réseau et peut être inexacte.',
    ifYou: 'Si c’était vous, vous n’avez rien à faire.',
    ifNotYou:
      'Si ce n’était pas vous, fermez cette session sans attendre, puis sécurisez le compte Google ou GitHub que vous utilisez pour vous connecter à Strettch Cloud.',
    action: 'Voir vos sessions',
  },
  'phone-verification-code': {
    text: 'Strettch Cloud : votre code de vérification est {code}. Il expire dans {minutes} minutes. Ne le communiquez à personne.',
  },
  'team-invitation': {
    subject: '{inviterName} vous invite à rejoindre l’équipe {teamName} sur Strettch Cloud',
    intro: '{inviterName} vous invite à rejoindre l’équipe {teamName} sur Strettch Cloud.',
    howTo: 'Pour accepter, ouvrez le lien ci-dessous et connectez-vous avec Google ou GitHub.',
    expires: 'Cette invitation expire le {expiresAt}.',
    action: 'Accepter l’invitation',
    ignore: 'Si vous n’attendiez pas cette invitation, vous pouvez ignorer ce message.',
    reason: 'Vous recevez ce message parce qu’un membre d’une équipe Strettch Cloud a invité cette adresse e-mail.',
  },
  'parental-consent-request': {
    subject: '{childName} vous demande votre consentement pour utiliser Strettch Cloud',
    intro: '{childName} a créé un compte sur Strettch Cloud, un service cloud établi au Rwanda, et a donné cette adresse e-mail comme celle de son parent ou tuteur.',
    law: 'La loi rwandaise protège les données personnelles des moins de 16 ans : tant qu’un parent ou tuteur n’a pas donné son consentement, le compte ne peut ni créer de ressources cloud ni effectuer de paiements. Nous ne lui envoyons jamais de messages promotionnels.',
    howTo: 'Si vous êtes le parent ou le tuteur légal de {childName} et acceptez qu’il ou elle utilise Strettch Cloud, ouvrez le lien ci-dessous et confirmez.',
    action: 'Examiner et donner mon consentement',
    expires: 'Ce lien ne fonctionne qu’une fois et expire le {expiresAt}.',
    withdraw: 'Vous pouvez retirer votre consentement à tout moment en nous écrivant à l’adresse indiquée dans notre politique de confidentialité.',
    ignore: 'Si vous ne connaissez pas {childName} ou n’êtes pas d’accord, ignorez ce message : le compte reste limité.',
    reason: 'Vous recevez ce message parce qu’un utilisateur de Strettch Cloud de moins de 16 ans a donné cette adresse e-mail comme celle de son parent ou tuteur.',
  },
  'low-balance': {
    subject: 'Solde faible pour l’équipe {teamName}',
    intro: 'Le solde du portefeuille de l’équipe {teamName} est passé sous le seuil d’alerte.',
    balanceLabel: 'Solde actuel',
    thresholdLabel: 'Seuil d’alerte',
    advice:
      'Rechargez le portefeuille avec IremboPay pour que vos machines virtuelles continuent de fonctionner : lorsque le solde est épuisé, les machines en cours d’exécution sont arrêtées.',
    action: 'Recharger le portefeuille',
  },
  'payment-received': {
    subject: 'Paiement reçu pour l’équipe {teamName}',
    intro: 'Nous avons bien reçu votre paiement IremboPay et l’avons ajouté au portefeuille de l’équipe {teamName}. Merci !',
    amountLabel: 'Montant payé',
    balanceLabel: 'Nouveau solde',
    invoiceLabel: 'Numéro de facture',
    dateLabel: 'Date du paiement',
    action: 'Voir la facturation',
  },
  'compute-ready': {
    subject: 'Votre machine virtuelle {hostName} est prête',
    intro: 'Votre machine virtuelle {hostName} est démarrée et prête à l’emploi.',
    hostLabel: 'Nom d’hôte',
    regionLabel: 'Région',
    ipv4Label: 'Adresse IPv4',
    sshPortLabel: 'Port SSH',
    ssh: 'Connectez-vous en SSH sur le port {sshPort} avec la clé choisie lors de sa création.',
    noIpv4: 'Elle n’a pas d’adresse IPv4 publique ; la console indique comment y accéder.',
    action: 'Voir la machine virtuelle',
  },
  'compute-failed': {
    subject: 'Votre machine virtuelle {hostName} n’a pas pu être créée',
    intro: 'Nous n’avons pas pu créer votre machine virtuelle {hostName} dans la région {region}.',
    retry: 'Vous pouvez réessayer depuis la console. Si l’échec se reproduit, contactez notre support en indiquant le nom de la machine.',
    action: 'Voir vos machines virtuelles',
  },
  'compute-stopped-non-payment': {
    subject: 'Votre machine virtuelle {hostName} a été arrêtée : solde épuisé',
    intro: 'Nous avons arrêté votre machine virtuelle {hostName} le {stoppedAt}, car le solde du portefeuille de l’équipe {teamName} est épuisé.',
    deletion:
      'Ses données sont conservées jusqu’au {deletionDate}. Passé cette date, si le portefeuille n’a pas été rechargé, la machine et ses données seront supprimées.',
    restart: 'Rechargez le portefeuille avec IremboPay, puis redémarrez la machine depuis la console.',
    action: 'Recharger le portefeuille',
  },
  'monthly-invoice': {
    subject: 'Votre facture Strettch Cloud de {period}',
    intro: 'La facture de l’équipe {teamName} pour {period} est disponible.',
    prepaid: 'Elle récapitule la consommation débitée de votre portefeuille prépayé au cours du mois.',
    periodLabel: 'Période',
    numberLabel: 'Numéro de facture',
    totalLabel: 'Total',
    action: 'Voir la facture',
  },
  'dsr-received': {
    subject: 'Nous avons reçu votre demande {reference} relative à vos données',
    intro: 'Nous avons bien reçu votre demande concernant vos données personnelles et nous la traitons.',
    typeLabel: 'Demande',
    referenceLabel: 'Référence',
    receivedLabel: 'Date de réception',
    dueLabel: 'Date limite de réponse',
    deadline: 'Nous devons vous répondre dans un délai de 30 jours, soit au plus tard le {dueDate}.',
    status: 'Vous pouvez suivre son avancement sur la page Confidentialité de votre compte.',
    notYou: 'Si vous n’êtes pas à l’origine de cette demande, signalez-le-nous sans attendre depuis cette page.',
    action: 'Ouvrir la page Confidentialité',
  },
  'dsr-completed': {
    subject: 'Votre demande {reference} relative à vos données a été traitée',
    intro: 'Nous avons traité votre demande concernant vos données personnelles.',
    typeLabel: 'Demande',
    referenceLabel: 'Référence',
    completedLabel: 'Date de traitement',
    download: 'Vos données sont prêtes à être téléchargées depuis votre compte.',
    downloadExpires: 'Le lien de téléchargement est valable jusqu’au {downloadExpiresAt}.',
    downloadAction: 'Télécharger vos données',
    action: 'Ouvrir la page Confidentialité',
    appeal:
      'Si notre réponse ne vous satisfait pas, vous pouvez saisir l’autorité de contrôle, la National Cyber Security Authority (NCSA), dans un délai de 30 jours à compter de sa réception.',
  },
  'privacy-notice-change': {
    subject: 'Nous mettons à jour notre politique de confidentialité',
    intro: 'Nous mettons à jour la politique de confidentialité de Strettch Cloud. La nouvelle version entrera en vigueur le {effectiveDate}.',
    summaryHeading: 'Ce qui change :',
    readIt: 'Prenez le temps de lire la politique complète avant cette date.',
    rights:
      'Vous pouvez exercer à tout moment vos droits sur vos données personnelles, notamment d’accès, de rectification, d’effacement et d’opposition, depuis la page Confidentialité de votre compte.',
    action: 'Lire la politique de confidentialité',
  },
  'product-news': {
    action: 'En savoir plus',
  },
} as const satisfies TranslationCatalog;
