import { companyLine } from './common.ts';
import type { Block, Locale, Localized } from './types.ts';

/**
 * The one layout of our e-mails. Deliberately plain so it survives every mail client: tables for
 * structure, inline CSS only, light colours with readable contrast, our name as text, and nothing
 * fetched from anywhere (no images, fonts, pixels or style sheets). Links are the plain URLs of
 * our own pages, never rewritten for click tracking.
 */
export interface EmailDocument {
  readonly lang: Locale;
  readonly subject: Localized;
  readonly greeting: Localized;
  readonly blocks: ReadonlyArray<Block>;
  readonly signOff: Localized;
  readonly footer: {
    readonly reason: Localized;
    /** Marketing only: how to object, with the link to the privacy page. */
    readonly optOut?: { readonly text: Localized; readonly label: Localized; readonly href: string };
  };
}

export const BRAND = 'Strettch Cloud';

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const COLOURS = {
  page: '#f4f6f8',
  card: '#ffffff',
  border: '#e1e5ea',
  text: '#1f2933',
  heading: '#12324f',
  muted: '#52606d',
  action: '#0b5cad',
  actionText: '#ffffff',
};

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

/** `lang` on an element whose text fell back to another language, so screen readers switch voice. */
function langAttr(text: Localized, documentLang: Locale): string {
  return text.lang === documentLang ? '' : ` lang="${text.lang}"`;
}

function paragraphHtml(text: Localized, lang: Locale, style = 'margin:0 0 16px;'): string {
  return `<p${langAttr(text, lang)} style="${style}">${escapeHtml(text.text)}</p>`;
}

function blockHtml(block: Block, lang: Locale): string {
  switch (block.type) {
    case 'paragraph':
      return paragraphHtml(block.text, lang);
    case 'facts': {
      const rows = block.rows
        .map(
          (row) =>
            `<tr><th scope="row" align="left"${langAttr(row.label, lang)} style="width:40%;padding:8px 12px 8px 0;border-bottom:1px solid ${COLOURS.border};font-weight:600;color:${COLOURS.muted};vertical-align:top;text-align:left;">${escapeHtml(row.label.text)}</th>` +
            `<td style="padding:8px 0;border-bottom:1px solid ${COLOURS.border};color:${COLOURS.text};vertical-align:top;">${escapeHtml(row.value)}</td></tr>`,
        )
        .join('');
      return `<table cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;margin:0 0 16px;${FONT}font-size:15px;line-height:1.4;">${rows}</table>`;
    }
    case 'action':
      return (
        `<p style="margin:24px 0;"><a href="${escapeHtml(block.href)}"${langAttr(block.label, lang)} ` +
        `style="display:inline-block;padding:12px 20px;background-color:${COLOURS.action};color:${COLOURS.actionText};text-decoration:none;border-radius:6px;font-weight:600;">${escapeHtml(block.label.text)}</a></p>`
      );
  }
}

export function renderHtml(doc: EmailDocument): string {
  const { lang } = doc;
  const body = [paragraphHtml(doc.greeting, lang), ...doc.blocks.map((b) => blockHtml(b, lang)), paragraphHtml(doc.signOff, lang, 'margin:24px 0 0;')].join('\n');
  const footer = [
    paragraphHtml(doc.footer.reason, lang, 'margin:0 0 8px;'),
    doc.footer.optOut
      ? `<p${langAttr(doc.footer.optOut.text, lang)} style="margin:0 0 8px;">${escapeHtml(doc.footer.optOut.text.text)} ` +
        `<a href="${escapeHtml(doc.footer.optOut.href)}"${langAttr(doc.footer.optOut.label, lang)} style="color:${COLOURS.action};text-decoration:underline;">${escapeHtml(doc.footer.optOut.label.text)}</a></p>`
      : '',
    `<p style="margin:0;">${escapeHtml(companyLine)}</p>`,
  ]
    .filter(Boolean)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${lang}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="supported-color-schemes" content="light">
<title${langAttr(doc.subject, lang)}>${escapeHtml(doc.subject.text)}</title>
</head>
<body style="margin:0;padding:0;background-color:${COLOURS.page};">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${COLOURS.page};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:${COLOURS.card};border:1px solid ${COLOURS.border};border-radius:8px;">
<tr><td style="padding:20px 28px;border-bottom:1px solid ${COLOURS.border};${FONT}font-size:18px;font-weight:700;color:${COLOURS.heading};">${BRAND}</td></tr>
<tr><td style="padding:24px 28px;${FONT}font-size:16px;line-height:1.5;color:${COLOURS.text};">
<h1${langAttr(doc.subject, lang)} style="margin:0 0 20px;font-size:22px;line-height:1.3;color:${COLOURS.heading};">${escapeHtml(doc.subject.text)}</h1>
${body}
</td></tr>
<tr><td style="padding:16px 28px 20px;border-top:1px solid ${COLOURS.border};${FONT}font-size:13px;line-height:1.5;color:${COLOURS.muted};">
${footer}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/** "Label: value", with the no-break space French puts before a colon. */
function labelled(label: Localized, value: string): string {
  return `${label.text}${label.lang === 'fr' ? '\u00a0:' : ':'} ${value}`;
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return block.text.text;
    case 'facts':
      return block.rows.map((row) => labelled(row.label, row.value)).join('\n');
    case 'action':
      return labelled(block.label, block.href);
  }
}

/** The plain-text body: the same content as the HTML, in the same order. */
export function renderText(doc: EmailDocument): string {
  const footer = [
    doc.footer.reason.text,
    ...(doc.footer.optOut ? [doc.footer.optOut.text.text, labelled(doc.footer.optOut.label, doc.footer.optOut.href)] : []),
    companyLine,
  ];
  const sections = [BRAND, doc.subject.text, doc.greeting.text, ...doc.blocks.map(blockText), doc.signOff.text, `-- \n${footer.join('\n')}`];
  return `${sections.join('\n\n')}\n`;
}
