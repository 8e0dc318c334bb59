/** openapi.yaml describes every HTTP route: a route that exists and is not described fails here. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { routes } from '../server/fhir/routes.ts';
import { hubRoutes } from '../server/federation/hub-routes.ts';
import { createTestSite, type TestSite } from './support/test-site.ts';

type OpenApi = { paths: Record<string, Record<string, unknown>> };
const spec = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as OpenApi;

const documented = new Set(
  Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
      .map((method) => `${method.toUpperCase()} ${path}`),
  ),
);

/** The OpenAPI path of a FHIR route: `{type}` etc. stay as path parameters under /fhir. */
function openApiPath(segments: string[]): string {
  return `/fhir${segments.length ? `/${segments.join('/')}` : ''}`;
}

describe('openapi.yaml', () => {
  let site: TestSite;
  before(async () => (site = await createTestSite()));
  after(() => site.close());

  it('describes every FHIR route of the interaction table', () => {
    const missing = routes.map((r) => `${r.method} ${openApiPath(r.path)}`).filter((key) => !documented.has(key));
    assert.deepEqual(missing, []);
  });

  it('describes every route Express serves outside /fhir', () => {
    const stack = (site.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
    const expressRoutes = stack
      .filter((layer) => layer.route)
      .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`));
    assert.ok(expressRoutes.length > 0, 'the app has plain routes');
    assert.deepEqual(expressRoutes.filter((key) => !documented.has(key)), []);
  });

  it('describes every route of the hub', () => {
    const missing = hubRoutes.map((r) => `${r.method} ${openApiPath(r.path)}`).filter((key) => !documented.has(key));
    assert.deepEqual([...missing, ...['GET /metrics', 'GET /healthz'].filter((k) => !documented.has(k))], []);
  });

  it('describes no route that does not exist', () => {
    const real = new Set([...routes, ...hubRoutes].map((r) => `${r.method} ${openApiPath(r.path)}`));
    real.add('GET /healthz');
    real.add('GET /metrics');
    // The authorization server's routes (discovery, token, introspection, authorize), served outside /fhir.
    const stack = (site.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
    for (const layer of stack) for (const m of Object.keys(layer.route?.methods ?? {})) real.add(`${m.toUpperCase()} ${layer.route!.path}`);
    assert.deepEqual([...documented].filter((key) => !real.has(key)), []);
  });
});
