/** Growing the typed arrays that columns and indexes keep by number. */
type NumberArray = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/** A copy of `array` `length` long (zeros after its values), made by `make`. */
export function grownTo<T extends NumberArray>(array: T, length: number, make: (length: number) => T): T {
  const copy = make(length);
  copy.set(array);
  return copy;
}

/** The length to grow an array to so that index `n` fits, with room for more (at least `minimum`). */
export function capacityFor(n: number, minimum = 1024): number {
  return Math.max(minimum, Math.ceil((n + 1) * 1.5));
}
