/** Misbehaving sites for the hub's fault tests: each a real HTTP server on loopback that fails in one way. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeSite {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<FakeSite> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The site's token endpoint works (the hub gets a token); its FHIR endpoint then misbehaves with `fhir`. */
function withTokenEndpoint(fhir: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/auth/token') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ access_token: 'fake-token', token_type: 'Bearer', expires_in: 300 }));
    }
    fhir(req, res);
  };
}

/** Accepts the request and never answers. */
export const hangingSite = () => listen(createServer(() => undefined));

/** Answers 500 with a body that must never reach the hub's caller. */
export const failingSite = (secret: string) =>
  listen(
    createServer(withTokenEndpoint((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: secret }] }));
    })),
  );

/** Answers 200 with a body that is not JSON. */
export const malformedSite = () =>
  listen(
    createServer(withTokenEndpoint((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end('{"resourceType": "Bundle", "total": 1');
    })),
  );

/** Refuses by policy with a named rule and free text that must not be passed on. */
export const refusingSite = (secret: string) =>
  listen(
    createServer(withTokenEndpoint((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', details: { coding: [{ code: 'min-cell-size' }], text: secret }, diagnostics: secret }] }));
    })),
  );

/** A port where nothing listens. */
export async function deadSite(): Promise<FakeSite> {
  const site = await listen(createServer());
  await site.close();
  return { url: site.url, close: async () => undefined };
}
