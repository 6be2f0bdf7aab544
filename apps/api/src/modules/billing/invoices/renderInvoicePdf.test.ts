import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRwf, renderInvoicePdf, type InvoiceDocument, type InvoiceLine } from './invoice-pdf.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
const CI = process.env.CI === 'true';
const work = mkdtempSync(join(tmpdir(), 'invoice-pdf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function buildInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const lines: InvoiceLine[] = [
    { kind: 'compute', description: 'Compute web-01 (S-1C-1G), Kigali-1', quantity: 744, unit: 'hours', amount: 6_999 },
    { kind: 'compute', description: 'Compute worker-02 (S-1C), Kigali-1', quantity: 744, unit: 'hours', amount: 3_999 },
    { kind: 'ipv4', description: 'Public IPv4 address 196.12.0.10', quantity: 1, unit: 'month', amount: 1_000 },
    { kind: 'ipv4', description: 'Public IPv4 address 196.12.0.11', quantity: 1, unit: 'month', amount: 1_000 },
    { kind: 'credit', description: 'Welcome credit', quantity: 1, unit: 'credit', amount: -2_000 },
  ];
  return {
    number: 'INV-2026-000042',
    issuedAt: new Date('2026-04-01T08:00:00Z'),
    periodStart: new Date('2026-03-01T00:00:00Z'),
    periodEnd: new Date('2026-04-01T00:00:00Z'),
    seller: {
      name: 'Strettch Ltd',
      address: ['KG 7 Ave, Kacyiru', 'Kigali, Rwanda'],
      taxId: '123456789',
      email: 'billing@strettch.example',
      website: 'strettch.example',
    },
    customer: { teamName: 'Acme Rwanda', teamId: 'team_01hzy3q7k2' },
    lines,
    subtotals: [
      { kind: 'compute', label: 'Computes', amount: 10_998 },
      { kind: 'ipv4', label: 'Public IPv4 addresses', amount: 2_000 },
    ],
    usageTotal: 12_998,
    credits: 2_000,
    total: 10_998,
    taxRateBp: 1800,
    tax: 1_678,
    note: 'Paid from the prepaid wallet. Top-ups are not shown on invoices.',
    ...overrides,
  };
}

const INSTEAD = {
  pdftotext: 'reading the inflated content streams instead of its layout',
  pdftoppm: 'skipping the PNG of page 1',
};

/** Whether a poppler tool is installed; outside CI a missing one is a visible notice, in CI a failure. */
const tools = new Map<string, boolean>();
function hasTool(name: keyof typeof INSTEAD): boolean {
  let found = tools.get(name);
  if (found === undefined) {
    found = !spawnSync(name, ['-v'], { stdio: 'ignore' }).error;
    tools.set(name, found);
    if (!found && !CI) console.warn(`[invoice-pdf] ${name} is not installed (Debian package poppler-utils): ${INSTEAD[name]}.`);
  }
  if (!found && CI) throw new Error(`${name} is missing: CI must install Debian's poppler-utils.`);
  return found;
}

let files = 0;
function writePdf(pdf: Buffer): string {
  const file = join(work, `invoice-${++files}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** The text of each page: pdftotext's layout mode when installed, else the content streams inflated and decoded. */
function pageTexts(pdf: Buffer): string[] {
  if (hasTool('pdftotext')) {
    const run = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', writePdf(pdf), '-'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout.split('\f').slice(0, -1);
  }
  return inflatedPageTexts(pdf);
}

// Windows-1252's 0x80-0x9F, the only WinAnsi bytes that are not Latin-1.
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function inflatedPageTexts(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const pages: string[] = [];
  for (const m of raw.matchAll(/<<([^<>]*)>>\s*stream\r?\n/g)) {
    const length = Number(/\/Length (\d+)/.exec(m[1]!)?.[1]);
    const start = m.index + m[0].length;
    let body = pdf.subarray(start, start + length);
    if (m[1]!.includes('/FlateDecode')) body = inflateSync(body);
    const content = body.toString('latin1');
    if (!content.includes('BT')) continue;
    const blocks = [...content.matchAll(/BT([^]*?)ET/g)].map(([, block]) =>
      [...block!.matchAll(/<([0-9a-f]*)>/g)]
        .map(([, hex]) => Buffer.from(hex!, 'hex').toString('latin1'))
        .join('')
        .replace(/[\x80-\x9f]/g, (c) => WIN_ANSI_HIGH[c.charCodeAt(0) - 0x80]!),
    );
    pages.push(blocks.join('\n'));
  }
  return pages;
}

describe('formatRwf', () => {
  it('groups whole francs with commas and puts the minus sign first', () => {
    expect(formatRwf(12_345)).toBe('RWF 12,345');
    expect(formatRwf(0)).toBe('RWF 0');
    expect(formatRwf(999)).toBe('RWF 999');
    expect(formatRwf(1_234_567)).toBe('RWF 1,234,567');
    expect(formatRwf(-1_500)).toBe('-RWF 1,500');
  });

  it('refuses fractions of a franc', () => {
    expect(() => formatRwf(10.5)).toThrow(RangeError);
    expect(() => formatRwf(Number.NaN)).toThrow(RangeError);
  });
});

describe('renderInvoicePdf', () => {
  it('produces a complete PDF file', async () => {
    const pdf = await renderInvoicePdf(buildInvoice());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-16).toString('latin1')).toMatch(/%%EOF\s*$/);
  });

  it('shows the number, the team, the lines, the credits, the total and the VAT it contains', async () => {
    const [page, ...rest] = pageTexts(await renderInvoicePdf(buildInvoice()));
    expect(rest).toEqual([]);
    expect(page).toContain('INV-2026-000042');
    expect(page).toContain('Acme Rwanda');
    expect(page).toContain('team_01hzy3q7k2');
    expect(page).toContain('1 April 2026');
    expect(page).toContain('1 – 31 March 2026');
    expect(page).toMatch(/Compute web-01 \(S-1C-1G\), Kigali-1\s+744 hours\s+RWF 6,999/);
    expect(page).toMatch(/Public IPv4 addresses\s+RWF 2,000/);
    expect(page).toMatch(/Credits\s+-RWF 2,000/);
    expect(page).toMatch(/Total paid from the prepaid wallet\s+RWF 10,998/);
    expect(page).toMatch(/of which VAT 18 %\s+RWF 1,678/);
    expect(page).toContain('Top-ups are not shown on invoices.');
    expect(page).toContain('Page 1 of 1');
  });

  it('keeps accented letters and typographic quotes of a team name, and survives characters the font lacks', async () => {
    const accented = pageTexts(await renderInvoicePdf(buildInvoice({ customer: { teamName: 'Café d’Umuganda – “Kigali”', teamId: 't_1' } })));
    expect(accented.join('\f')).toContain('Café d’Umuganda – “Kigali”');

    const foreign = await renderInvoicePdf(
      buildInvoice({
        customer: { teamName: 'Łódź Şahin 🚀 Team', teamId: 't_2' },
        lines: [{ kind: 'compute', description: 'Compute «naïve» ünïcode − test', quantity: 1.5, unit: 'hours', amount: 15 }],
      }),
    );
    const text = pageTexts(foreign).join('\f');
    expect(text).toContain('Lódz Sahin ? Team');
    expect(text).toContain('Team ID: t_2');
    expect(text).toMatch(/Compute «naïve» ünïcode - test\s+1.5 hours\s+RWF 15/);
  });

  it('spreads hundreds of lines over numbered pages, repeating the table header and losing no line', async () => {
    const lines: InvoiceLine[] = Array.from({ length: 300 }, (_, i) => ({
      kind: i % 3 === 0 ? 'ipv4' : 'compute',
      description: `Resource r${String(i).padStart(3, '0')}${i % 7 === 0 ? ' with a description long enough to wrap onto a second line of the table cell, as names sometimes are' : ''}`,
      quantity: 744,
      unit: 'hours',
      amount: 1_000 + i,
    }));
    const pages = pageTexts(await renderInvoicePdf(buildInvoice({ lines })));

    expect(pages.length).toBeGreaterThanOrEqual(5);
    pages.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      if (/\br\d{3}\b/.test(page)) expect(page).toMatch(/Description\s+Quantity\s+Amount/);
    });
    const all = pages.join('\f');
    for (let i = 0; i < 300; i++) {
      expect(all.match(new RegExp(`\\br${String(i).padStart(3, '0')}\\b`, 'g')), `line ${i}`).toHaveLength(1);
    }
    expect(pages.at(-1)).toMatch(/of which VAT 18 %\s+RWF 1,678/);
  });

  it('is deterministic: the same invoice renders to the same bytes, dated by its issue date', async () => {
    const first = await renderInvoicePdf(buildInvoice());
    const second = await renderInvoicePdf(buildInvoice());
    expect(first.equals(second)).toBe(true);
    expect(first.toString('latin1')).toContain('(D:20260401080000Z)');

    const later = await renderInvoicePdf(buildInvoice({ issuedAt: new Date('2026-04-02T08:00:00Z') }));
    expect(later.equals(first)).toBe(false);
  });

  it('rejects amounts that are not whole francs', async () => {
    await expect(renderInvoicePdf(buildInvoice({ total: 10_998.5 }))).rejects.toThrow(RangeError);
  });

  it('renders page 1 to test-results/invoice-page-1.png for a look', async (ctx) => {
    if (!hasTool('pdftoppm')) return ctx.skip();
    const input = writePdf(await renderInvoicePdf(buildInvoice()));
    const dir = join(REPO_ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    const run = spawnSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', input, join(dir, 'invoice-page-1')], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const png = join(dir, 'invoice-page-1.png');
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(10 * 1024);
  });
});
