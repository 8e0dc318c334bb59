/**
 * A value made on first use, e.g. a config file's JSON-schema validator: compiling one takes a tenth of a second or
 * more, which every process (and every ingest worker thread) that merely imports the module would pay at start.
 */
export function compiledOnFirstUse<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
