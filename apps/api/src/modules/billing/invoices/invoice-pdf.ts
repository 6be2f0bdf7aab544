import PDFDocument from 'pdfkit';

/**
 * The monthly invoice of a team's prepaid wallet, as the PDF shows it. Every amount is a whole
 * number of Rwandan francs with VAT included (RWF has no minor unit in use, so never a float);
 * the caller has done all the arithmetic, this module only lays it out.
 */
export interface InvoiceDocument {
  /** Gap-free per year, e.g. `INV-2026-000042`. */
  number: string;
  issuedAt: Date;
  /** First day of the month invoiced, 00:00 UTC. */
  periodStart: Date;
  /** First day of the next month, 00:00 UTC (exclusive). */
  periodEnd: Date;
  seller: { name: string; address: string[]; taxId?: string; email: string; website: string };
  customer: { teamName: string; teamId: string };
  /** Amounts in whole RWF, tax included; credits are negative. */
  lines: InvoiceLine[];
  /** One per resource type, e.g. "Computes", "Public IPv4 addresses". */
  subtotals: { kind: string; label: string; amount: number }[];
  /** RWF, tax included. */
  usageTotal: number;
  /** RWF, a positive number shown as a deduction. */
  credits: number;
  /** RWF paid from the prepaid wallet, tax included. */
  total: number;
  /** Basis points: 1800 is 18 % VAT. */
  taxRateBp: number;
  /** The VAT contained in `total`, RWF. */
  tax: number;
  note?: string;
}

export interface InvoiceLine {
  kind: 'compute' | 'ipv4' | 'credit';
  description: string;
  quantity: number;
  unit: string;
  amount: number;
}

/**
 * `RWF 12,345`, `-RWF 1,500`: the English form the console and the notifications use (commas, as
 * Rwandan banks and RRA documents write amounts), with a plain space because a PDF never reflows.
 */
export function formatRwf(amount: number): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError('formatRwf: an amount of RWF must be a safe integer');
  const digits = String(Math.abs(amount)).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${amount < 0 ? '-' : ''}RWF ${digits}`;
}

// A4 in points; all positions below are absolute, so pdfkit's own margins are zero and its
// automatic page breaks never fire: this module decides where every page ends.
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const LEFT = 50;
const RIGHT = PAGE_W - 50;
const TOP = 50;
const FOOTER_Y = PAGE_H - 42;
const CONTENT_BOTTOM = FOOTER_Y - 20;

const INK = '#1b1f24';
const MUTED = '#5f6b7a';
const RULE = '#d5dae1';
const HEADER_FILL = '#eef1f5';
const NOTE_FILL = '#f6f7f9';

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ITALIC = 'Helvetica-Oblique';

// Table columns: description | quantity | amount, each cell padded by CELL_PAD.
const CELL_PAD = 6;
const COL_QTY_X = 310;
const COL_AMOUNT_X = 435;
const ROW_FONT_SIZE = 9;
const ROW_PAD_Y = 5;
const HEADER_ROW_H = 20;

type Doc = PDFKit.PDFDocument;

interface TextStyle {
  font?: string;
  size?: number;
  color?: string;
  align?: 'left' | 'right' | 'center';
}

/**
 * Renders the invoice as an A4 PDF in memory. Only the built-in Helvetica is used, so nothing is
 * read from the network or embedded; the output is byte-for-byte the same for the same input
 * (the creation date and the file identifier derive from `issuedAt` and the metadata).
 */
export async function renderInvoicePdf(invoice: InvoiceDocument): Promise<Buffer> {
  const period = periodText(invoice.periodStart, invoice.periodEnd);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 0,
    autoFirstPage: false,
    bufferPages: true,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: `Invoice ${invoice.number}`,
      Author: invoice.seller.name,
      Creator: invoice.seller.name,
      CreationDate: invoice.issuedAt,
    },
  });
  const done = collect(pdf);

  const layout = new Layout(pdf, invoice);
  layout.firstPage(period);
  layout.table();
  layout.summary();
  layout.note();
  layout.footers();

  pdf.end();
  return done;
}

function collect(pdf: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

class Layout {
  private y = TOP;

  constructor(
    private readonly pdf: Doc,
    private readonly invoice: InvoiceDocument,
  ) {}

  firstPage(period: string): void {
    const { pdf, invoice } = this;
    const { seller } = invoice;
    pdf.addPage();

    // Seller, top left.
    const sellerW = 250;
    let left = TOP;
    left += this.write(seller.name, LEFT, left, sellerW, { font: BOLD, size: 16 }) + 4;
    const sellerLines = [...seller.address];
    if (seller.taxId) sellerLines.push(`TIN: ${seller.taxId}`);
    sellerLines.push(seller.email, seller.website);
    for (const line of sellerLines) left += this.write(line, LEFT, left, sellerW, { size: 9, color: MUTED }) + 1;

    // Title and references, top right.
    const blockX = RIGHT - 220;
    let right = TOP;
    right += this.write('Invoice', blockX, right, 220, { font: BOLD, size: 24, align: 'right' }) + 8;
    const refs: [string, string][] = [
      ['Invoice number', invoice.number],
      ['Issue date', dayText(invoice.issuedAt, KIGALI)],
      ['Period', period],
    ];
    for (const [label, value] of refs) {
      this.write(label, blockX, right, 80, { size: 9, color: MUTED });
      right += this.write(value, blockX + 80, right, 140, { size: 9, font: BOLD, align: 'right' }) + 3;
    }

    this.y = Math.max(left, right) + 14;
    this.rule(this.y);
    this.y += 16;

    // Bill to, left; the amount paid, right.
    const billW = 270;
    let bill = this.y;
    bill += this.write('BILL TO', LEFT, bill, billW, { font: BOLD, size: 8, color: MUTED }) + 4;
    bill += this.write(invoice.customer.teamName, LEFT, bill, billW, { font: BOLD, size: 11 }) + 2;
    bill += this.write(`Team ID: ${invoice.customer.teamId}`, LEFT, bill, billW, { size: 9, color: MUTED });

    const boxW = 190;
    const boxX = RIGHT - boxW;
    const boxH = 50;
    pdf.save().roundedRect(boxX, this.y, boxW, boxH, 4).fill(HEADER_FILL).restore();
    this.write('Paid from the prepaid wallet', boxX + 12, this.y + 10, boxW - 24, { size: 8, color: MUTED });
    this.write(formatRwf(invoice.total), boxX + 12, this.y + 24, boxW - 24, { font: BOLD, size: 15 });

    this.y = Math.max(bill, this.y + boxH) + 24;
  }

  table(): void {
    this.tableHeader();
    const lines = this.invoice.lines;
    if (lines.length === 0) {
      const h = this.write('No usage in this period.', LEFT + CELL_PAD, this.y + ROW_PAD_Y, RIGHT - LEFT, {
        size: ROW_FONT_SIZE,
        color: MUTED,
      });
      this.y += h + 2 * ROW_PAD_Y;
      return;
    }
    for (const line of lines) {
      const cells = [
        { text: line.description, x: LEFT, w: COL_QTY_X - LEFT, align: 'left' as const },
        { text: `${formatQuantity(line.quantity)} ${line.unit}`, x: COL_QTY_X, w: COL_AMOUNT_X - COL_QTY_X, align: 'right' as const },
        { text: formatRwf(line.amount), x: COL_AMOUNT_X, w: RIGHT - COL_AMOUNT_X, align: 'right' as const },
      ];
      const style = { size: ROW_FONT_SIZE };
      const rowH = Math.max(...cells.map((c) => this.measure(c.text, c.w - 2 * CELL_PAD, style))) + 2 * ROW_PAD_Y;
      if (this.y + rowH > CONTENT_BOTTOM) {
        this.continuationPage();
        this.tableHeader();
      }
      for (const c of cells) {
        this.write(c.text, c.x + CELL_PAD, this.y + ROW_PAD_Y, c.w - 2 * CELL_PAD, { ...style, align: c.align });
      }
      this.y += rowH;
      this.rule(this.y, LEFT, RIGHT, 0.5);
    }
  }

  summary(): void {
    const { invoice } = this;
    const rows: { label: string; amount: number; style: TextStyle; gapBefore?: number; ruleBefore?: number }[] = [];
    for (const s of invoice.subtotals) rows.push({ label: s.label, amount: s.amount, style: { size: 9 } });
    rows.push({ label: 'Usage total', amount: invoice.usageTotal, style: { size: 9, font: BOLD }, gapBefore: 4, ruleBefore: 0.5 });
    rows.push({ label: 'Credits', amount: -invoice.credits, style: { size: 9 } });
    rows.push({ label: 'Total paid from the prepaid wallet', amount: invoice.total, style: { size: 11, font: BOLD }, gapBefore: 6, ruleBefore: 1 });
    rows.push({ label: `of which VAT ${formatRate(invoice.taxRateBp)} %`, amount: invoice.tax, style: { size: 9, color: MUTED } });

    const x = RIGHT - 290;
    const labelW = 180;
    const amountW = RIGHT - x - labelW;
    const heights = rows.map((r) => Math.max(this.measure(r.label, labelW, r.style), this.measure(formatRwf(r.amount), amountW, r.style)));
    const total = heights.reduce((sum, h, i) => sum + h + 5 + (rows[i]!.gapBefore ?? 0) * 2, 16);
    if (this.y + total > CONTENT_BOTTOM) this.continuationPage();

    this.y += 16;
    rows.forEach((r, i) => {
      if (r.ruleBefore) {
        this.y += r.gapBefore ?? 0;
        this.rule(this.y, x, RIGHT, r.ruleBefore);
        this.y += r.gapBefore ?? 0;
      }
      // The amount is written right after its label so that text extraction keeps them together.
      this.write(r.label, x, this.y, labelW, r.style);
      this.write(formatRwf(r.amount), x + labelW, this.y, amountW, { ...r.style, align: 'right' });
      this.y += heights[i]! + 5;
    });
  }

  note(): void {
    const note = this.invoice.note;
    if (!note) return;
    const pad = 10;
    const style: TextStyle = { font: ITALIC, size: 9, color: MUTED };
    const h = this.measure(note, RIGHT - LEFT - 2 * pad, style) + 2 * pad;
    if (this.y + 20 + h > CONTENT_BOTTOM) this.continuationPage();
    this.y += 20;
    this.pdf.save().roundedRect(LEFT, this.y, RIGHT - LEFT, h, 4).fill(NOTE_FILL).restore();
    this.write(note, LEFT + pad, this.y + pad, RIGHT - LEFT - 2 * pad, style);
    this.y += h;
  }

  /** "Page x of y" is known only at the end, hence buffered pages. */
  footers(): void {
    const { pdf, invoice } = this;
    const range = pdf.bufferedPageRange();
    const origin = [invoice.seller.name, invoice.seller.website, invoice.seller.email].join(' \u00b7 ');
    for (let i = 0; i < range.count; i++) {
      pdf.switchToPage(range.start + i);
      this.rule(FOOTER_Y - 8);
      const pageText = `${invoice.number} \u00b7 Page ${i + 1} of ${range.count}`;
      const style: TextStyle = { size: 8, color: MUTED };
      this.apply(style);
      const pageW = pdf.widthOfString(pageText) + 1;
      const originW = RIGHT - LEFT - pageW - 20;
      this.write(fitLine(pdf, pdfText(origin), originW, style), LEFT, FOOTER_Y, originW, style);
      this.write(pageText, RIGHT - pageW, FOOTER_Y, pageW, { ...style, align: 'right' });
    }
  }

  private continuationPage(): void {
    const { pdf, invoice } = this;
    pdf.addPage();
    this.y = TOP;
    this.write(invoice.seller.name, LEFT, this.y, 240, { font: BOLD, size: 11 });
    const h = this.write(`Invoice ${invoice.number} (continued)`, RIGHT - 240, this.y, 240, { size: 9, color: MUTED, align: 'right' });
    this.y += Math.max(h, 14) + 8;
    this.rule(this.y);
    this.y += 16;
  }

  private tableHeader(): void {
    const { pdf } = this;
    pdf.save().rect(LEFT, this.y, RIGHT - LEFT, HEADER_ROW_H).fill(HEADER_FILL).restore();
    const style: TextStyle = { font: BOLD, size: 8.5, color: MUTED };
    const textY = this.y + (HEADER_ROW_H - 8.5) / 2;
    this.write('Description', LEFT + CELL_PAD, textY, COL_QTY_X - LEFT - 2 * CELL_PAD, style);
    this.write('Quantity', COL_QTY_X + CELL_PAD, textY, COL_AMOUNT_X - COL_QTY_X - 2 * CELL_PAD, { ...style, align: 'right' });
    this.write('Amount (VAT incl.)', COL_AMOUNT_X + CELL_PAD, textY, RIGHT - COL_AMOUNT_X - 2 * CELL_PAD, { ...style, align: 'right' });
    this.y += HEADER_ROW_H;
  }

  /** Writes wrapped text in a box of width `w`; returns the height it took. */
  private write(text: string, x: number, y: number, w: number, style: TextStyle): number {
    const safe = pdfText(text);
    this.apply(style);
    // A height down to the page's edge stops pdfkit from ever starting a page by itself.
    this.pdf.fillColor(style.color ?? INK).text(safe, x, y, { width: w, height: PAGE_H - y, align: style.align ?? 'left', lineGap: 1 });
    return this.pdf.heightOfString(safe, { width: w, lineGap: 1 });
  }

  private measure(text: string, w: number, style: TextStyle): number {
    this.apply(style);
    return this.pdf.heightOfString(pdfText(text), { width: w, lineGap: 1 });
  }

  private apply(style: TextStyle): void {
    this.pdf.font(style.font ?? REGULAR).fontSize(style.size ?? 10);
  }

  private rule(y: number, from = LEFT, to = RIGHT, width = 0.75): void {
    this.pdf.save().moveTo(from, y).lineTo(to, y).lineWidth(width).strokeColor(RULE).stroke().restore();
  }
}

/** Cuts one line to `width` with an ellipsis; `text` must already be WinAnsi. */
function fitLine(pdf: Doc, text: string, width: number, style: TextStyle): string {
  pdf.font(style.font ?? REGULAR).fontSize(style.size ?? 10);
  if (pdf.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 0 && pdf.widthOfString(`${cut}\u2026`) > width) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}\u2026`;
}

// The built-in PDF fonts are single-byte, WinAnsi encoded (PDF 32000-1, annex D). pdfkit writes
// any other character as a code of more than two hex digits, which shifts every glyph after it,
// so text is brought into WinAnsi first: Latin-1 and the 27 extra Windows-1252 characters (’, –,
// €, Š, …) stay; letters with other accents lose them (Ş → S); anything else becomes "?".
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const FOLDS: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ħ: 'H', ħ: 'h', ŀ: 'l', Ŀ: 'L', '\u2212': '-', '\u2032': "'", '\u2033': '"' };

function isWinAnsi(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff && c !== 0xad) || WIN_ANSI_EXTRA.has(ch);
}

function pdfText(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (isWinAnsi(ch)) out += ch;
    else if (/[\t\n\r\v\f\u2028\u2029]/.test(ch)) out += ' ';
    else if (ch === '\u00ad' || /\p{Cc}|\p{Cf}/u.test(ch)) continue;
    else if (FOLDS[ch] !== undefined) out += FOLDS[ch];
    else {
      const folded = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += folded.length > 0 && [...folded].every(isWinAnsi) ? folded : '?';
    }
  }
  return out;
}

const KIGALI = 'Africa/Kigali';
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** "3 April 2026", the calendar day in `timeZone`. */
function dayText(date: Date, timeZone: string): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('renderInvoicePdf: invalid date');
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' });
    dayFormats.set(timeZone, format);
  }
  return format.format(date);
}

/** The period's bounds are UTC midnights and its end is exclusive: [1 March, 1 April) is "1 – 31 March 2026". */
function periodText(start: Date, end: Date): string {
  if (!(end.getTime() > start.getTime())) throw new RangeError('renderInvoicePdf: the period must end after it starts');
  const last = new Date(end.getTime() - 24 * 60 * 60 * 1000);
  if (last.getTime() < start.getTime()) return dayText(start, 'UTC');
  const sameMonth = last.getUTCFullYear() === start.getUTCFullYear() && last.getUTCMonth() === start.getUTCMonth();
  return sameMonth
    ? `${start.getUTCDate()} \u2013 ${dayText(last, 'UTC')}`
    : `${dayText(start, 'UTC')} \u2013 ${dayText(last, 'UTC')}`;
}

const quantityFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function formatQuantity(quantity: number): string {
  if (!Number.isFinite(quantity)) throw new RangeError('renderInvoicePdf: a quantity must be a finite number');
  return quantityFormat.format(quantity);
}

/** 1800 → "18", 1650 → "16.5". */
function formatRate(bp: number): string {
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) throw new RangeError('renderInvoicePdf: taxRateBp must be an integer from 0 to 10000');
  const fraction = bp % 100;
  const whole = (bp - fraction) / 100;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}`;
}
