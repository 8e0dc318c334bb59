/**
 * The documents carrying one index key, as a sorted list of document numbers in a typed array: four bytes per
 * entry where a Set of id strings costs about twenty-five, which at a million resources with thirty keys each is
 * the difference between 120 MB and 750 MB. New documents get increasing numbers, so loading appends; an update
 * that gives an older document a new key inserts it in place.
 */
export class PostingList {
  private numbers = new Uint32Array(2);
  private count = 0;

  /** The list of the given numbers (any order, repeats allowed). */
  static of(numbers: Iterable<number>): PostingList {
    const list = new PostingList();
    const sorted = Uint32Array.from(numbers).sort();
    let count = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[count++] = sorted[i];
    list.numbers = sorted;
    list.count = count;
    return list;
  }

  get size(): number {
    return this.count;
  }

  add(n: number): void {
    const at = this.count === 0 || this.numbers[this.count - 1] < n ? this.count : this.position(n);
    if (at < this.count && this.numbers[at] === n) return;
    if (this.count === this.numbers.length) {
      const grown = new Uint32Array(Math.max(4, Math.ceil(this.numbers.length * 1.5)));
      grown.set(this.numbers);
      this.numbers = grown;
    }
    if (at < this.count) this.numbers.copyWithin(at + 1, at, this.count);
    this.numbers[at] = n;
    this.count++;
  }

  delete(n: number): void {
    const at = this.position(n);
    if (at >= this.count || this.numbers[at] !== n) return;
    this.numbers.copyWithin(at, at + 1, this.count);
    this.count--;
    // Give memory back when a list shrank to a quarter (a key most documents lost).
    if (this.numbers.length > 64 && this.count < this.numbers.length / 4) this.numbers = this.numbers.slice(0, this.count * 2);
  }

  has(n: number): boolean {
    const at = this.position(n);
    return at < this.count && this.numbers[at] === n;
  }

  /** The ids of the listed documents, in number order (an array: much faster to walk than a generator). */
  ids(idOf: (n: number) => string, into: string[] = []): string[] {
    for (let i = 0; i < this.count; i++) into.push(idOf(this.numbers[i]));
    return into;
  }

  /** Calls `visit` with each listed number in order (no array of ids made). */
  forEach(visit: (n: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.numbers[i]);
  }

  /**
   * The listed numbers in order, as a view of the list's own array: valid until the next write. Hot loops walk
   * it themselves instead of passing a callback to forEach, whose call site would see every caller's callback and
   * stop inlining any of them (a search over 40,000 candidates then runs several times slower).
   */
  view(): Uint32Array {
    return this.numbers.subarray(0, this.count);
  }

  /** The first index whose number is >= n. */
  private position(n: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.numbers[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
