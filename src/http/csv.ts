import { stringify, type Options } from 'csv-stringify';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * A text cell a spreadsheet would run as a formula gets a leading `'` (OWASP's CSV injection
 * advice); plain numbers such as `-300.00` stay numbers.
 * @example neutraliseCsvCell('=HYPERLINK("x")') // "'=HYPERLINK(\"x\")"
 * @example neutraliseCsvCell('-300.00') // '-300.00'
 */
export function neutraliseCsvCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** The one way the service writes CSV: a header row, and every text cell neutralised. */
export function csvStringifier(columns: readonly string[], options: Omit<Options, 'columns' | 'header' | 'cast'> = {}) {
  return stringify({ ...options, header: true, columns: [...columns], cast: { string: neutraliseCsvCell } });
}
