/** Listening and stopping, the same for a site and the hub: an app never listens by itself (tests use supertest). */
import { createServer as createHttpServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { createServer, type Socket } from 'node:net';
import type express from 'express';

export interface Listening {
  /** The FHIR base URL the process serves: http://host:port/fhir */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  stop(): Promise<void>;
}

export async function listen(app: express.Express, port: number, host: string): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = createHttpServer(expressShapedMessages(app), app).listen(port, host, () => resolve(s));
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

/** A loopback port free right now (for a process or service whose port must be known before it starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Node's request and response classes with the app's own prototypes (express's `app.request`, `app.response`).
 * Express re-points the prototype of every request and response it handles; V8 then treats each object as a new
 * shape, and Node's own HTTP code on them (headers, writes, listeners) falls off its optimized paths — most of the
 * cost of a small read. Made with these prototypes already, Express's re-pointing is a no-op. Behaviour is the
 * same (supertest, which uses Node's plain classes, runs the same app).
 */
function expressShapedMessages(app: express.Express) {
  function ExpressRequest(this: IncomingMessage, socket: Socket) {
    IncomingMessage.call(this, socket);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, req: IncomingMessage) {
    ServerResponse.call(this, req);
  }
  ExpressResponse.prototype = app.response;
  return { IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage, ServerResponse: ExpressResponse as unknown as typeof ServerResponse };
}
