/**
 * CSV as RFC 4180 describes it (CRLF line ends; a field holding a comma, quote or line break is
 * quoted, with quotes doubled), guarded against formula injection: a spreadsheet runs a cell that
 * starts with `=`, `+`, `-` or `@` (and, in some, a tab or carriage return) as a formula, so such a
 * cell gets a leading `'`, as OWASP's "CSV Injection" advice says. Audit fields such as a team
 * or key name are typed by customers, so an export must never carry a live formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
