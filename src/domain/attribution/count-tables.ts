/**
 * Counting tables for {@link FitCounts}: open addressing over typed arrays, so counting a million
 * touchpoints allocates nothing per path and leaves no long-lived object per entry (268,000 map
 * entries and 200,000 coalition objects were most of a refit thread's garbage collection).
 * Entries are kept in insertion order; the fits never depend on that order.
 */

const EMPTY = 0;

function grown<T extends Float64Array | Int32Array | Uint32Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(length, 2 * array.length));
  bigger.set(array);
  return bigger;
}

function hashPair(a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) | 0;
}

/** Counts by a pair of small non-negative integers. */
export class PairCounts {
  private slots = new Int32Array(1 << 12);
  /** Entry e: `firsts[e]`, `seconds[e]`, `counts[e]`. */
  firsts = new Int32Array(1 << 11);
  seconds = new Int32Array(1 << 11);
  counts = new Float64Array(1 << 11);
  size = 0;

  increment(first: number, second: number): void {
    const mask = this.slots.length - 1;
    for (let slot = hashPair(first, second) & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) return this.add(first, second, slot);
      if (this.firsts[entry] === first && this.seconds[entry] === second) {
        this.counts[entry] = (this.counts[entry] as number) + 1;
        return;
      }
    }
  }

  private add(first: number, second: number, slot: number): void {
    const entry = this.size++;
    this.firsts = grown(this.firsts, this.size);
    this.seconds = grown(this.seconds, this.size);
    this.counts = grown(this.counts, this.size);
    [this.firsts[entry], this.seconds[entry], this.counts[entry]] = [first, second, 1];
    this.slots[slot] = entry + 1;
    if (2 * this.size > this.slots.length) {
      this.slots = new Int32Array(2 * this.slots.length);
      const mask = this.slots.length - 1;
      for (let e = 0; e < this.size; e += 1) {
        let at = hashPair(this.firsts[e] as number, this.seconds[e] as number) & mask;
        while (this.slots[at] !== EMPTY) at = (at + 1) & mask;
        this.slots[at] = e + 1;
      }
    }
  }
}

/** Won and lost tallies by a set of integers, given as its members in ascending order. */
export class SetTallies {
  private slots = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 11);
  /** Set s: `sizes[s]` members from `members[starts[s]]`, `won[s]`, `lost[s]`. */
  starts = new Uint32Array(1 << 11);
  sizes = new Uint32Array(1 << 11);
  members = new Uint32Array(1 << 12);
  won = new Float64Array(1 << 11);
  lost = new Float64Array(1 << 11);
  size = 0;
  private membersUsed = 0;

  /** Adds `won` and `lost` deals to the tally of the set of `sorted[0..length)`. */
  tally(sorted: ArrayLike<number>, length: number, won: number, lost: number): void {
    let hash = length;
    for (let i = 0; i < length; i += 1) hash = hashPair(hash, sorted[i] as number);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      let entry = (this.slots[slot] as number) - 1;
      if (entry < 0) entry = this.add(sorted, length, hash, slot);
      else if (this.hashes[entry] !== hash || !this.holds(entry, sorted, length)) continue;
      this.won[entry] = (this.won[entry] as number) + won;
      this.lost[entry] = (this.lost[entry] as number) + lost;
      return;
    }
  }

  private holds(entry: number, sorted: ArrayLike<number>, length: number): boolean {
    if (this.sizes[entry] !== length) return false;
    const start = this.starts[entry] as number;
    for (let i = 0; i < length; i += 1) if (this.members[start + i] !== sorted[i]) return false;
    return true;
  }

  private add(sorted: ArrayLike<number>, length: number, hash: number, slot: number): number {
    const entry = this.size++;
    this.hashes = grown(this.hashes, this.size);
    this.starts = grown(this.starts, this.size);
    this.sizes = grown(this.sizes, this.size);
    this.won = grown(this.won, this.size);
    this.lost = grown(this.lost, this.size);
    this.members = grown(this.members, this.membersUsed + length);
    this.hashes[entry] = hash;
    this.starts[entry] = this.membersUsed;
    this.sizes[entry] = length;
    for (let i = 0; i < length; i += 1) this.members[this.membersUsed + i] = sorted[i] as number;
    this.membersUsed += length;
    this.slots[slot] = entry + 1;
    if (2 * this.size > this.slots.length) {
      this.slots = new Int32Array(2 * this.slots.length);
      const mask = this.slots.length - 1;
      for (let e = 0; e < this.size; e += 1) {
        let at = (this.hashes[e] as number) & mask;
        while (this.slots[at] !== EMPTY) at = (at + 1) & mask;
        this.slots[at] = e + 1;
      }
    }
    return entry;
  }

  /** The members of every set, one after the other, in entry order. */
  allMembers(): Uint32Array {
    return this.members.slice(0, this.membersUsed);
  }
}
