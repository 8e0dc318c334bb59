/** The hub's federated count over real sites and misbehaving ones: merge, hub policy, faults, refusals, async. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import supertest from 'supertest';
import { hubConfigFrom, type HubConfig } from '../server/config/hub-config.ts';
import { createHubApp } from '../server/http/hub-app.ts';
import { createAuthorizationServer } from '../server/auth/authorization-server.ts';
import { createHubState } from '../server/hub.ts';
import { AuditTrail } from '../server/audit/audit-trail.ts';
import { openAuditLog } from '../server/audit/open-audit-store.ts';
import { DisclosureControl } from '../server/policy/disclosure-control.ts';
import { loadPolicy, policyFrom } from '../server/policy/policy.ts';
import { deadSite, failingSite, hangingSite, malformedSite, refusingSite, type FakeSite } from './support/fake-sites.ts';
import { inlineMeasure, measure } from './support/aggregate-cohort.ts';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const SECRET = 'Jane Q. Doe, MRN 998877';
/** The hub's own state: its signing key, made once here so the sites can trust the identities it vouches for. */
const HUB_DIR = await mkdtemp(path.join(tmpdir(), 'vitrine-hub-'));
const HUB_KEY = (await createAuthorizationServer({ config: { accessTokenSeconds: 300, clients: [], users: [] }, name: 'test-hub', dataDir: HUB_DIR })).key;

/** The hub's client at every test site: aggregate-only, a demo secret (backend services are tested with auth). */
const HUB_CLIENT = {
  clientId: 'hub', secret: 'hub-secret', role: 'aggregate' as const, scope: 'system/*.s', demo: true,
  vouchesFor: { issuer: 'urn:vitrine:test-hub:auth', jwks: { keys: [HUB_KEY.publicJwk] } },
};
process.env.TEST_HUB_SECRET = HUB_CLIENT.secret;

/** The default policy without rounding or noise, so that federated sums can be checked exactly; k stays 11. */
function exactPolicy() {
  const base = loadPolicy();
  return policyFrom({ ...JSON.parse(JSON.stringify(base)), rounding: 1, noise: { mechanism: 'none' }, budget: { perPeriod: 100000, period: 'day' }, rateLimit: { perMinute: 100000, perDay: 1000000 } });
}

interface LiveSite {
  site: TestSite;
  server: Server;
  url: string;
  disclosure: DisclosureControl;
}

/** What the hubs made by hubFor hold open (their audit logs), closed after each test: left to the garbage collector, their file handles were closed with a warning. */
const openedByHubs: (() => Promise<void>)[] = [];

async function liveSite(females: number, males: number): Promise<LiveSite> {
  const disclosure = await DisclosureControl.open(exactPolicy(), await mkdtemp(path.join(tmpdir(), 'vitrine-hub-policy-')));
  const site = await createTestSite({ auth: { clients: [HUB_CLIENT] }, disclosure });
  const entry = [
    ...Array.from({ length: females }, () => ({ resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } })),
    ...Array.from({ length: males }, () => ({ resource: { resourceType: 'Patient', gender: 'male' }, request: { method: 'POST', url: 'Patient' } })),
  ];
  const res = await site.http.post('/fhir').set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'transaction', entry });
  assert.equal(res.status, 200);
  const server = await new Promise<Server>((resolve) => {
    const s = site.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { site, server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/fhir`, disclosure };
}

/** A hub over `sites`; `http` asks it as a researcher (an aggregate-only client of the hub's own authorization server). */
async function hubFor(sites: { name: string; url: string }[], overrides: Partial<HubConfig> = {}) {
  const config = hubConfigFrom(
    {
      name: 'test-hub',
      deadlineMs: 3000,
      dataDir: HUB_DIR,
      sites: sites.map((s) => ({ ...s, timeoutMs: 1000, retries: 1, auth: { kind: 'client-secret', clientId: HUB_CLIENT.clientId, secretEnv: 'TEST_HUB_SECRET' } })),
      policy: { minCellSize: 11 },
      ...overrides,
    },
    'test',
  );
  const auditDir = await mkdtemp(path.join(tmpdir(), 'vitrine-hub-audit-'));
  const auditStore = await openAuditLog(auditDir);
  const audit = new AuditTrail(auditStore, 'test-hub');
  openedByHubs.push(async () => {
    await audit.flush();
    await auditStore.close();
    await rm(auditDir, { recursive: true, force: true });
  });
  const state = await createHubState(config, audit);
  const researcher = { clientId: 'researcher', role: 'aggregate' as const, scopes: ['system/*.s'] };
  state.auth.registerClient({ clientId: researcher.clientId, role: researcher.role, scope: 'system/*.s' });
  const token = (await state.auth.issue(researcher)).accessToken;
  const app = createHubApp(state, pino({ level: 'silent' }));
  return { http: supertest.agent(app).set('Authorization', `Bearer ${token}`), anonymous: supertest(app), state, audit, auditStore };
}

type OutcomeIssue = { severity: string; code: string; diagnostics?: string; expression?: string[] };
const outcomeOf = (body: { entry?: { resource: { resourceType: string; issue: OutcomeIssue[] } }[] }) =>
  body.entry?.find((e) => e.resource.resourceType === 'OperationOutcome')?.resource.issue ?? [];

describe('hub: federated counts', function () {
  this.timeout(30_000);
  let a: LiveSite, b: LiveSite, c: LiveSite;
  const fakes: FakeSite[] = [];

  before(async () => {
    [a, b, c] = await Promise.all([liveSite(20, 3), liveSite(15, 1), liveSite(12, 12)]);
  });
  afterEach(async () => {
    for (const close of openedByHubs.splice(0)) await close();
  });
  after(async () => {
    for (const s of [a, b, c]) {
      s.server.close();
      await s.site.close();
      await s.disclosure.close();
    }
    await Promise.all(fakes.map((f) => f.close()));
  });
  const three = () => [
    { name: 'site-a', url: a.url },
    { name: 'site-b', url: b.url },
    { name: 'site-c', url: c.url },
  ];

  it('sums the site counts and shows per-site counts where allowed', async () => {
    const { http } = await hubFor(three());
    const res = await http.get('/fhir/Patient?gender=female&_summary=count');
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'searchset');
    assert.equal(res.body.total, 47);
    const issues = outcomeOf(res.body);
    assert.ok(issues.some((i) => i.diagnostics === 'site-a: 20'));
    assert.ok(!issues.some((i) => i.code === 'incomplete'));
    // Each site's audit trail names the researcher the hub asked for, not only the hub.
    await a.site.audit.flush();
    const admin = await a.site.as({ role: 'admin', scopes: 'system/*.rs' });
    const audited = JSON.stringify((await admin.get('/fhir/AuditEvent?_count=500')).body);
    assert.match(audited, /"value":"researcher"/);
    assert.match(audited, /"code":"HRESCH"/, 'healthcare research, the purpose when the caller states none');
    // The caller may state another purpose of use, passed on signed; anything but a code is refused.
    await http.get('/fhir/Patient?_summary=count&_site=site-a').set('X-Vitrine-Purpose-Of-Use', 'PUBHLTH').expect(200);
    await a.site.audit.flush();
    assert.match(JSON.stringify((await admin.get('/fhir/AuditEvent?_count=500')).body), /"code":"PUBHLTH"/);
    assert.equal((await http.get('/fhir/Patient?_summary=count').set('X-Vitrine-Purpose-Of-Use', 'curiosity!')).status, 400);
  });

  it('restricts to the sites named by _site and refuses unknown site names', async () => {
    const { http } = await hubFor(three());
    const res = await http.get('/fhir/Patient?gender=female&_summary=count&_site=site-b,site-c');
    assert.equal(res.body.total, 27);
    assert.equal((await http.get('/fhir/Patient?_summary=count&_site=nowhere')).status, 400);
  });

  it('suppresses a merged count below the hub minimum, and when every site suppressed its part', async () => {
    const { http } = await hubFor(three(), { policy: { minCellSize: 30, rounding: 1, suppressedSites: 'at-least', showPerSite: true } });
    const small = await http.get('/fhir/Patient?gender=female&_summary=count&_site=site-a');
    assert.equal(small.status, 200);
    assert.equal(small.body.total, undefined);
    assert.ok(outcomeOf(small.body).some((i) => i.code === 'suppressed'));
    assert.doesNotMatch(JSON.stringify(small.body), /\b20\b/);
    const bothSuppressed = await (await hubFor(three())).http.get('/fhir/Patient?gender=male&_summary=count&_site=site-a,site-b');
    assert.equal(bothSuppressed.body.total, undefined);
    assert.doesNotMatch(JSON.stringify(bothSuppressed.body), /\b[34]\b/);
  });

  it('reports "at least" the sum when a site suppressed its part, without naming that site', async () => {
    const { http } = await hubFor(three());
    const res = await http.get('/fhir/Patient?gender=male&_summary=count');
    assert.equal(res.body.total, 12);
    const issues = outcomeOf(res.body);
    assert.ok(issues.some((i) => /at least 12/.test(i.diagnostics ?? '')));
    assert.ok(!issues.some((i) => /site-[abc]: \d/.test(i.diagnostics ?? '')), 'no per-site numbers for a cell a site suppressed');
  });

  it('rounds merged counts when the hub policy says so', async () => {
    const { http } = await hubFor(three(), { policy: { minCellSize: 11, rounding: 10, suppressedSites: 'at-least', showPerSite: false } });
    const res = await http.get('/fhir/Patient?gender=female&_summary=count');
    assert.equal(res.body.total, 50, '47 rounds to 50');
    const res3 = await http.get('/fhir/Patient?_summary=count&_site=site-b');
    assert.equal(res3.body.total, 20, '16 rounds to 20');
    assert.ok(!outcomeOf(res3.body).some((i) => /site-b: 16/.test(i.diagnostics ?? '')));
  });

  it('merges the sites\' MeasureReports per stratum: a federated $evaluate-measure', async () => {
    const { http } = await hubFor(three());
    const res = await http.post('/fhir/Measure/$evaluate-measure').set('Content-Type', FHIR_JSON).send(inlineMeasure(measure('Patient?_summary=count', ['Patient.gender'])));
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.resourceType, 'MeasureReport');
    const group = res.body.group[0];
    const count = (stratum: string) =>
      group.stratifier[0].stratum.find((s: { value: { text: string } }) => s.value.text === stratum)?.population[0];
    // Totals 23 + 16 + 24 are released everywhere. Male 3 (site-a) and 1 (site-b) are suppressed at their sites,
    // and so is site-b's female 15 (else 16 - 15 = 1): female is at least 20 + 12, male at least 12.
    assert.equal(group.population[0].count, 63);
    assert.equal(count('female').count, 32);
    assert.equal(count('male').count, 12);
    for (const stratum of ['female', 'male']) assert.ok(count(stratum).extension.some((e: { url: string }) => e.url.endsWith('federation-at-least')));
    assert.equal(res.body.contained[0].resourceType, 'OperationOutcome');
    assert.doesNotMatch(JSON.stringify(res.body), /"count":\s*[134]\b/);
  });

  it('answers within its deadline with the healthy sites when others hang, fail, lie or are down, naming each failure', async () => {
    const [hanging, failing, malformed, dead, refusing] = await Promise.all([hangingSite(), failingSite(SECRET), malformedSite(), deadSite(), refusingSite(SECRET)]);
    fakes.push(hanging, failing, malformed, dead, refusing);
    const { http } = await hubFor([
      ...three(),
      { name: 'hanging', url: hanging.url },
      { name: 'failing', url: failing.url },
      { name: 'malformed', url: malformed.url },
      { name: 'dead', url: dead.url },
      { name: 'refusing', url: refusing.url },
    ]);
    const started = Date.now();
    const res = await http.get('/fhir/Patient?gender=female&_summary=count');
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000 + 1000, `answered after ${elapsed} ms`);
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 47);
    const issues = outcomeOf(res.body);
    assert.ok(issues.some((i) => i.code === 'incomplete'), 'marked partial');
    for (const name of ['hanging', 'failing', 'malformed', 'dead', 'refusing']) {
      assert.ok(issues.some((i) => i.expression?.includes(`site:${name}`)), `${name} named`);
    }
    assert.ok(issues.some((i) => /refusing: .*rule min-cell-size/.test(i.diagnostics ?? '')), 'the refusal rule is named');
    assert.doesNotMatch(JSON.stringify(res.body), /Jane|998877/, 'no site error text leaks');
    // Per-site numbers would tell which sites answered: they are still shown only for cells no site suppressed.
  });

  it('answers 503 naming every site when none answered', async () => {
    const dead = await deadSite();
    const { http } = await hubFor([{ name: 'dead', url: dead.url }]);
    const res = await http.get('/fhir/Patient?_summary=count');
    assert.equal(res.status, 503);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(JSON.stringify(res.body), /site:dead/);
  });

  it('refuses everything row-level with the rule named', async () => {
    const { http } = await hubFor(three());
    for (const [method, path] of [
      ['get', '/fhir/Patient'],
      ['get', '/fhir/Patient?gender=female'],
      ['get', '/fhir/Patient/123'],
      ['get', '/fhir/Patient/123/_history'],
      ['get', '/fhir/_history'],
      ['post', '/fhir'],
      ['post', '/fhir/Patient'],
      ['delete', '/fhir/Patient/123'],
    ] as const) {
      const res = await http[method](path).set('Content-Type', FHIR_JSON).send(method === 'post' ? { resourceType: 'Patient' } : undefined);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(JSON.stringify(res.body), /hub-aggregate-only/, `${method} ${path}`);
    }
  });

  it('runs a count asynchronously with Prefer: respond-async and a status URL', async () => {
    const { http } = await hubFor(three());
    const started = await http.get('/fhir/Patient?gender=female&_summary=count').set('Prefer', 'respond-async');
    assert.equal(started.status, 202);
    const status = new URL(started.headers['content-location']).pathname;
    let res = await http.get(status);
    for (let i = 0; i < 100 && res.status === 202; i++) {
      assert.ok(res.headers['x-progress']);
      await new Promise((r) => setTimeout(r, 20));
      res = await http.get(status);
    }
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'batch-response');
    assert.equal(res.body.entry[0].response.status, '200 OK');
    assert.equal(res.body.entry[0].resource.total, 47);
  });

  it('exposes per-site request counts and latency at /metrics', async () => {
    const { http } = await hubFor(three());
    await http.get('/fhir/Patient?_summary=count');
    const res = await http.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /vitrine_hub_site_requests_total\{site="site-a",outcome="ok"\} 1/);
    assert.match(res.text, /vitrine_hub_site_latency_ms_count\{site="site-b"\} 1/);
  });

  it('answers nothing without a valid token (401 with WWW-Authenticate), and serves SMART discovery', async () => {
    const { anonymous } = await hubFor(three());
    const res = await anonymous.get('/fhir/Patient?_summary=count');
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate'], /^Bearer/);
    const forged = await anonymous.get('/fhir/Patient?_summary=count').set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.');
    assert.equal(forged.status, 401);
    const discovery = await anonymous.get('/.well-known/smart-configuration');
    assert.equal(discovery.status, 200);
    assert.match(discovery.body.token_endpoint, /\/auth\/token$/);
  });

  it('records every request it served, refused ones included, in its own audit trail', async () => {
    const { http, anonymous, audit, auditStore } = await hubFor(three());
    await http.get('/fhir/Patient?gender=female&_summary=count');
    await http.get('/fhir/Patient/123');
    await anonymous.get('/fhir/Patient?_summary=count');
    await audit.flush();
    const events = (await auditStore.find({ filter: { type: 'AuditEvent', deleted: false } })).map((v) => JSON.parse(v.json));
    const text = JSON.stringify(events);
    assert.ok(events.length >= 3, `${events.length} events`);
    assert.match(text, /researcher/);
    assert.match(text, /gender=female/);
    assert.match(text, /Patient\/123/);
    await auditStore.close();
  });

  it('lists only aggregate capabilities in its CapabilityStatement', async () => {
    const { http } = await hubFor(three());
    const cs = (await http.get('/fhir/metadata')).body;
    assert.equal(cs.resourceType, 'CapabilityStatement');
    const interactions = new Set(cs.rest[0].resource.flatMap((r: { interaction: { code: string }[] }) => r.interaction.map((i) => i.code)));
    assert.deepEqual([...interactions], ['search-type']);
    const measure = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Measure');
    assert.deepEqual(measure.operation, [{ name: 'evaluate-measure', definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure' }]);
    assert.equal(cs.rest[0].interaction, undefined);
  });
});
