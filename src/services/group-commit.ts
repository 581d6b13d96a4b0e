/**
 * Group commit: writes that arrive while the previous group is being written (or in the same
 * turn of the event loop) are written together, in one transaction, instead of one transaction
 * each. A transaction's fixed costs (begin, commit, the WAL pages it appends, one statement per
 * table) are then shared by every write in the group.
 *
 * Each caller's promise settles only after its own write has committed. A group that fails
 * because of its items (an unknown partner, a replayed id, a conflict) is written again one
 * transaction per item, so every item gets the answer it would have had alone and a bad item
 * never fails its neighbours. Any other failure (the database is down, a timeout) is every
 * item's answer at once: writing them again would only make each wait for the fault twice.
 * An outage is also the answer of every write that was waiting behind the failed group: those
 * have already waited for it, and a group of their own would make them wait a second time (a
 * new connection's timeout on top of the query timeout they sat out).
 */
export interface GroupCommitOptions<Item, Result> {
  /**
   * Writes every item in one transaction and returns their results in order; throws (having
   * rolled back) when any item needs its own answer.
   */
  writeTogether: (items: readonly Item[]) => Promise<Result[]>;
  /** Writes one item in a transaction of its own. */
  writeAlone: (item: Item) => Promise<Result>;
  /** Whether `writeTogether`'s error may be one item's doing, so that each must be written alone. */
  isItemError: (error: unknown) => boolean;
  /** Whether an error means the database is unavailable, rather than anything about the writes. */
  isOutage: (error: unknown) => boolean;
  /** The most items one group holds. */
  maxGroupSize: number;
  /** How many groups may be written at once (1 on SQLite, which has one connection). */
  maxGroupsInFlight: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * A function that writes one item, grouped with the items other callers submit meanwhile.
 * @example
 * const record = createGroupCommit({ writeTogether, writeAlone, isItemError, isOutage, maxGroupSize: 200, maxGroupsInFlight: 1 });
 * await Promise.all([record(a), record(b)]); // one transaction when both arrive together
 */
export function createGroupCommit<Item, Result>(options: GroupCommitOptions<Item, Result>): (item: Item) => Promise<Result> {
  const waiting: Waiting<Item, Result>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || inFlight >= options.maxGroupsInFlight || waiting.length === 0) return;
    scheduled = true;
    // After the I/O callbacks of this turn: requests that arrived together are taken together.
    setImmediate(() => {
      scheduled = false;
      void writeNextGroup();
    });
  };

  async function writeNextGroup(): Promise<void> {
    const group = waiting.splice(0, options.maxGroupSize);
    if (group.length === 0) return;
    inFlight++;
    try {
      const outage = await writeGroup(group);
      if (outage !== undefined) for (const waiter of waiting.splice(0)) waiter.reject(outage);
    } finally {
      inFlight--;
      schedule();
    }
  }

  /** Writes one group and settles its items; returns the outage that failed it, if one did. */
  async function writeGroup(group: Waiting<Item, Result>[]): Promise<unknown> {
    if (group.length > 1) {
      let results: Result[];
      try {
        results = await options.writeTogether(group.map((waiter) => waiter.item));
      } catch (error) {
        if (!options.isItemError(error)) {
          for (const waiter of group) waiter.reject(error);
          return options.isOutage(error) ? error : undefined;
        }
        // Written again one by one below: each item gets its own answer.
        results = [];
      }
      if (results.length === group.length) {
        group.forEach((waiter, index) => waiter.resolve(results[index]!));
        return undefined;
      }
    }
    let outage: unknown;
    await Promise.all(
      group.map((waiter) =>
        options.writeAlone(waiter.item).then(waiter.resolve, (error: unknown) => {
          if (options.isOutage(error)) outage ??= error;
          waiter.reject(error);
        }),
      ),
    );
    return outage;
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}
