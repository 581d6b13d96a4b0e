import { describe, expect, it } from 'vitest';
import { isTouchpointType, orderTouchpoints, TOUCHPOINT_TYPES, type Touchpoint } from '../../src/domain/touchpoint.js';

function tp(partnerId: string, timestamp: number, sequence: number): Touchpoint {
  return { partnerId, type: 'demo', timestamp, sequence };
}

describe('orderTouchpoints', () => {
  it('sorts by timestamp, then sequence, into a copy', () => {
    const input = [tp('c', 20, 1), tp('b', 10, 5), tp('a', 10, 2), tp('d', -5, 9)];
    const snapshot = [...input];
    expect(orderTouchpoints(input).map((t) => t.partnerId)).toEqual(['d', 'a', 'b', 'c']);
    expect(input).toEqual(snapshot);
  });
});

describe('isTouchpointType', () => {
  it.each([...TOUCHPOINT_TYPES])('accepts %s', (type) => {
    expect(isTouchpointType(type)).toBe(true);
  });

  it.each(['Demo', 'lunch', '', 'toString'])('rejects %j', (value) => {
    expect(isTouchpointType(value)).toBe(false);
  });
});
