import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResponseSerializer } from '../../src/http/response-serializer.js';

const schema = z.object({ id: z.string(), amount: z.number() });
const serializerFor = (checked: boolean) =>
  createResponseSerializer(checked)({ schema, method: 'GET', url: '/things/:id', httpStatus: '200' });

describe('response serializer', () => {
  it('sends JSON.stringify of the handler’s value', () => {
    expect(serializerFor(true)({ amount: 5, id: 'a' })).toBe('{"amount":5,"id":"a"}');
  });

  it('when checked, refuses a field the schema does not declare', () => {
    expect(() => serializerFor(true)({ id: 'a', amount: 5, payout_details_encrypted: 'v1:…' })).toThrow(/does not declare/);
  });

  it('when checked, refuses a value of the wrong shape', () => {
    expect(() => serializerFor(true)({ id: 'a', amount: '5' })).toThrow(/does not match/);
  });

  it('in production trusts the handler', () => {
    expect(serializerFor(false)({ id: 'a', amount: 5, extra: 1 })).toBe('{"id":"a","amount":5,"extra":1}');
  });
});
