import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/services/group-commit.js';

/** A recorder of what the group commit asked for, writing numbers as their doubles. */
function harness(options: { failTogether?: (items: readonly number[]) => boolean; failAlone?: (item: number) => boolean } = {}) {
  const calls: { together: number[][]; alone: number[] } = { together: [], alone: [] };
  const write = createGroupCommit<number, number>({
    writeTogether: async (items) => {
      calls.together.push([...items]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (items.includes(99)) throw new Error('the database is down');
      if (items.includes(98)) throw new Error('a bug');
      if (options.failTogether?.(items)) throw new Error('one of them needs its own answer');
      return items.map((item) => item * 2);
    },
    writeAlone: async (item) => {
      calls.alone.push(item);
      if (options.failAlone?.(item)) throw new Error(`item ${item} is bad`);
      return item * 2;
    },
    isItemError: (error) => (error as Error).message === 'one of them needs its own answer',
    isOutage: (error) => (error as Error).message === 'the database is down',
    maxGroupSize: 3,
    maxGroupsInFlight: 1,
  });
  return { write, calls };
}

describe('group commit', () => {
  it('writes items submitted together in one group, in order, and answers each with its own result', async () => {
    const { write, calls } = harness();
    expect(await Promise.all([write(1), write(2), write(3)])).toEqual([2, 4, 6]);
    expect(calls).toEqual({ together: [[1, 2, 3]], alone: [] });
  });

  it('gathers what arrives while a group is being written into the next group, at most maxGroupSize each', async () => {
    const { write, calls } = harness();
    const first = write(1);
    // The first group is now being written (its write takes 5 ms): these wait for it.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4, 5].map(write);
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8, 10]);
    expect(calls.together).toEqual([[2, 3, 4]]);
    expect(calls.alone).toEqual([1, 5]);
  });

  it('writes every item of a failed group alone, so a bad item fails alone', async () => {
    const { write, calls } = harness({ failTogether: (items) => items.includes(13), failAlone: (item) => item === 13 });
    const answers = await Promise.allSettled([write(1), write(13), write(3)]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('item 13 is bad') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(calls).toEqual({ together: [[1, 13, 3]], alone: [1, 13, 3] });
  });

  it('answers every item of a group with a fault that is not theirs, without writing them again', async () => {
    const { write, calls } = harness();
    const answers = await Promise.allSettled([write(1), write(99)]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toEqual({ together: [[1, 99]], alone: [] });
  });

  it('answers the writes waiting behind a group that met an outage with the same fault, without writing them', async () => {
    const { write, calls } = harness();
    const failing = [write(1), write(99)];
    // The failing group is now being written: these wait behind it.
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [write(2), write(3)];
    const answers = await Promise.allSettled([...failing, ...waiting]);
    expect(answers).toEqual(Array.from({ length: 4 }, () => ({ status: 'rejected', reason: new Error('the database is down') })));
    expect(calls).toEqual({ together: [[1, 99]], alone: [] });
    // What arrives after the outage's answer is written as usual.
    expect(await Promise.all([write(4), write(5)])).toEqual([8, 10]);
  });

  it('still writes the waiting items after a group failed for a reason that is not an outage', async () => {
    const { write, calls } = harness();
    const failing = [write(1), write(98)];
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [write(2), write(3)];
    const answers = await Promise.allSettled([...failing, ...waiting]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(calls.together).toEqual([[1, 98], [2, 3]]);
  });
});
