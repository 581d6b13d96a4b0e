import { describe, expect, it } from 'vitest';
import { neutralizeCsvCell } from '../../src/http/csv.js';

/** Issue 11, point 6: the rule every CSV the service writes applies to its text cells. */
describe('neutralizeCsvCell', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['-300.00', '-300.00'],
    ['+5', '+5'],
    ['-', "'-"],
    ['a=b', 'a=b'],
  ])('%j becomes %j', (cell, expected) => {
    expect(neutralizeCsvCell(cell)).toBe(expected);
  });
});
