import type { TranslationCatalog } from '../registry.ts';

/**
 * Kinyarwanda. Greetings and thanks use the polite forms (Muraho, Murakoze); the rest addresses
 * the reader in the singular (konti yawe), as Rwandan banks and mobile money do. "Compute" is
 * kept as the product's name; a team is "itsinda", its wallet "konti y'itsinda", an invoice
 * "inyemezabuguzi" (the RRA's word).
 *
 * Keys we were not confident enough to translate are left out on purpose: those messages show
 * the English text, and translations.test.ts lists every gap for a translator. The privacy-notice
 * change is not translated at all, so it is sent entirely in English rather than half and half,
 * and so are the marketing opt-out sentences, whose wording matters legally.
 */
export const rw = {
  common: {
    greeting: 'Muraho,',
    signOff: 'Itsinda rya Strettch Cloud',
    reasonAccount:
      "Ubu butumwa bwakugezeho kubera ko ufite konti ya Strettch Cloud. Bureba konti yawe cyangwa serivisi ukoresha, ni yo mpamvu bwoherezwa n'iyo waba waranze kwakira amakuru yamamaza.",
    'requestType.access': 'Kubona amakuru yawe',
    'requestType.rectification': 'Gukosora amakuru yawe',
    'requestType.erasure': 'Gusiba amakuru yawe',
    'requestType.objection': 'Kwanga ko amakuru yawe akoreshwa',
    'requestType.restriction': "Guhagarika by'agateganyo ikoreshwa ry'amakuru yawe",
  },
  welcome: {
    subject: 'Murakaza neza kuri Strettch Cloud',
    greeting: 'Muraho {name},',
    intro: 'Konti yawe ya Strettch Cloud iriteguye. Ubu ushobora gukoresha compute no gucunga DNS zawe mu bigo bibika amakuru biri mu Rwanda.',
    nextSteps: "Kugira ngo utangire, shyira amafaranga kuri konti y'itsinda ryawe ukoresheje IremboPay, hanyuma ushyireho compute yawe ya mbere.",
    action: 'Fungura konti yawe',
  },
  'new-device-sign-in': {
    subject: 'Hari uwinjiye muri konti yawe ya Strettch Cloud',
    intro: 'Umuntu amaze kwinjira muri konti yawe ya Strettch Cloud akoresheje igikoresho cyangwa mushakisha bitari bisanzwe.',
    whenLabel: 'Igihe',
    deviceLabel: 'Igikoresho',
    deviceValue: '{browser} kuri {os}',
    ifYou: 'Niba ari wowe, nta cyo usabwa gukora.',
    ifNotYou:
      'Niba atari wowe, hagarika iyo session ako kanya, hanyuma urinde konti ya Google cyangwa GitHub ukoresha winjira muri Strettch Cloud.',
  },
  'phone-verification-code': {
    text: "Strettch Cloud: kode yawe yo kwemeza ni {code}. Izata agaciro nyuma y'iminota {minutes}. Ntuyihe undi muntu.",
  },
  'team-invitation': {
    subject: '{inviterName} yagutumiye kwinjira mu itsinda {teamName} kuri Strettch Cloud',
    intro: '{inviterName} yagutumiye kwinjira mu itsinda {teamName} kuri Strettch Cloud.',
    howTo: 'Kugira ngo wemere ubutumire, fungura ihuza riri hasi hanyuma winjire ukoresheje Google cyangwa GitHub.',
    expires: 'Ubu butumire buzarangira ku itariki ya {expiresAt}.',
    action: 'Emera ubutumire',
    ignore: 'Niba utari witeze ubu butumire, ushobora kwirengagiza ubu butumwa.',
    reason: 'Ubu butumwa bwakugezeho kubera ko umwe mu bagize itsinda rya Strettch Cloud yatumiye iyi aderesi imeyili.',
  },
  'low-balance': {
    subject: "Amafaranga ari kuri konti y'itsinda {teamName} agiye gushira",
    intro: "Amafaranga ari kuri konti y'itsinda {teamName} ageze munsi y'urugero rwo kuburira.",
    balanceLabel: 'Amafaranga asigaye',
    thresholdLabel: 'Urugero rwo kuburira',
    advice: 'Ongera amafaranga kuri konti ukoresheje IremboPay kugira ngo compute zawe zikomeze gukora: amafaranga nashira, compute zikora zirahagarikwa.',
    action: 'Ongera amafaranga',
  },
  'payment-received': {
    subject: "Twakiriye ubwishyu bw'itsinda {teamName}",
    intro: "Twakiriye ubwishyu bwawe bwa IremboPay kandi twabushyize kuri konti y'itsinda {teamName}. Murakoze!",
    amountLabel: 'Amafaranga yishyuwe',
    balanceLabel: 'Amafaranga ari kuri konti ubu',
    invoiceLabel: "Nimero y'inyemezabuguzi",
    dateLabel: 'Itariki yo kwishyura',
  },
  'compute-ready': {
    subject: 'Compute yawe {hostName} iriteguye',
    intro: 'Compute yawe {hostName} yatangiye gukora kandi iriteguye gukoreshwa.',
    hostLabel: 'Izina',
    regionLabel: 'Aho iherereye',
    ipv4Label: 'Aderesi ya IPv4',
    sshPortLabel: 'Port ya SSH',
    action: 'Reba compute yawe',
  },
  'compute-failed': {
    subject: 'Ntibyashobotse gushyiraho compute yawe {hostName}',
    intro: 'Ntitwashoboye gushyiraho compute yawe {hostName} muri {region}.',
    retry: "Ushobora kongera kugerageza. Niba ikibazo gikomeje, vugana n'itsinda ryacu rishinzwe gufasha abakiliya, uvuge izina rya compute.",
    action: 'Reba compute zawe',
  },
  'compute-stopped-non-payment': {
    subject: 'Compute yawe {hostName} yahagaritswe kubera ko amafaranga yashize',
    intro: "Twahagaritse compute yawe {hostName} ku itariki ya {stoppedAt} kubera ko amafaranga ari kuri konti y'itsinda {teamName} yashize.",
    restart: 'Ongera amafaranga kuri konti ukoresheje IremboPay, hanyuma wongere uyitangize.',
    action: 'Ongera amafaranga',
  },
  'monthly-invoice': {
    subject: "Inyemezabuguzi yawe ya Strettch Cloud y'ukwezi kwa {period}",
    intro: "Inyemezabuguzi y'itsinda {teamName} y'ukwezi kwa {period} yateguwe.",
    periodLabel: 'Ukwezi',
    numberLabel: "Nimero y'inyemezabuguzi",
    totalLabel: 'Igiteranyo',
    action: 'Reba inyemezabuguzi',
  },
  'dsr-received': {
    subject: 'Twakiriye ubusabe bwawe {reference} bwerekeye amakuru yawe',
    intro: 'Twakiriye ubusabe bwawe bwerekeye amakuru yawe bwite, kandi turimo kubusuzuma.',
    typeLabel: 'Ubusabe',
    referenceLabel: "Nimero y'ubusabe",
    dueLabel: 'Igisubizo bitarenze',
    deadline: 'Tugomba kugusubiza mu minsi 30, bityo bitarenze ku itariki ya {dueDate}.',
    status: 'Ushobora gukurikirana aho ubusabe bwawe bugeze ku rupapuro rwa konti yawe.',
    notYou: 'Niba atari wowe wasabye ibi, tubimenyeshe ako kanya unyuze kuri urwo rupapuro.',
    action: 'Fungura urupapuro rwa konti yawe',
  },
  'dsr-completed': {
    subject: 'Twashubije ubusabe bwawe {reference}',
    intro: 'Twarangije gusubiza ubusabe bwawe bwerekeye amakuru yawe bwite.',
    typeLabel: 'Ubusabe',
    referenceLabel: "Nimero y'ubusabe",
    download: 'Amakuru yawe ariteguye; ushobora kuyakura kuri konti yawe.',
    action: 'Fungura urupapuro rwa konti yawe',
  },
  'product-news': {
    action: 'Menya byinshi',
  },
} as const satisfies TranslationCatalog;
