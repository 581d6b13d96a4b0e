import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

// A spreadsheet runs a cell that begins with one of these as a formula (OWASP: CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * A text cell a spreadsheet will show as text: a leading `'` before `=`, `+`, `-`, `@`, tab or
 * carriage return. Plain numbers such as `-300.00` stay numbers.
 * @example neutralizeCsvCell('=HYPERLINK("http://x")') // "'=HYPERLINK(\"http://x\")"
 * @example neutralizeCsvCell('-300.00')                // '-300.00'
 */
export function neutralizeCsvCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** Rows as a CSV stream with a header line; every CSV the service writes goes through here. */
export function csvStream(rows: AsyncIterable<string[]> | Iterable<string[]>, columns: readonly string[]): Readable {
  return Readable.from(rows).pipe(
    stringify({ header: true, columns: [...columns], cast: { string: (value) => neutralizeCsvCell(value) } }),
  );
}
