/**
 * GSM 03.38, the 7-bit alphabet of SMS. A message written only with it fits 160 characters in one
 * segment; a single character outside it (a curly quote, a no-break space, "ê") switches the whole
 * message to UCS-2 and 70 characters per segment, which Pindo and SNS bill accordingly.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Sent as an escape plus a character, so each counts twice. */
const EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(BASIC);
const extension = new Set(EXTENSION);

/** The length of `text` in GSM-7 septets, or `null` if it cannot be sent as GSM-7. */
export function gsm7Length(text: string): number | null {
  let length = 0;
  for (const c of text) {
    if (basic.has(c)) length += 1;
    else if (extension.has(c)) length += 2;
    else return null;
  }
  return length;
}

/** One SMS segment of GSM-7 text. */
export const GSM7_SINGLE_SEGMENT = 160;
