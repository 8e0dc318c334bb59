/** Listening and stopping, the same for a site and the hub: an app never listens by itself (tests use supertest). */
import type { Server } from 'node:http';
import type express from 'express';

export interface Listening {
  /** The FHIR base URL the process serves: http://host:port/fhir */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  stop(): Promise<void>;
}

export async function listen(app: express.Express, port: number, host: string): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}/fhir`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** Makes a close function that runs once however often it is called (signals and tests may both call it). */
export function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
