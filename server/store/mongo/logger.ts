/** The slice of a pino logger the MongoDB store uses, so tests can pass a silent one. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: StoreLogger = { info: () => {}, warn: () => {} };
