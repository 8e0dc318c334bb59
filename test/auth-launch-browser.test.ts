/**
 * SMART App Launch end to end in headless Chromium, with the SMART JS client (fhirclient) as the app: standalone
 * launch (sign in, pick a patient) and EHR launch (a `launch` minted for a patient). The app gets a `patient/*.rs`
 * token and reads only that patient's compartment. https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html
 * Needs Debian's chromium at /usr/bin/chromium (`apt-get install chromium`); skipped with a message without it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CLIENT_JS = readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'), 'utf8');

/** The app: launch.html starts the authorization, app.html finishes it and reads as the patient. */
function appPages(scope: string): Record<string, string> {
  const page = (script: string) => `<!doctype html><html><head><script src="/fhir-client.js"></script></head><body><script>${script}</script></body></html>`;
  return {
    '/fhir-client.js': CLIENT_JS,
    // iss (and launch, for an EHR launch) come in the query; fhirclient reads them from there.
    '/launch.html': page(`const q = new URLSearchParams(location.search);
      FHIR.oauth2.authorize({ clientId: 'demo-app', scope: ${JSON.stringify(scope)}, redirectUri: 'app.html', iss: q.get('iss') });`),
    '/app.html': page(`FHIR.oauth2.ready().then(async (client) => {
      const status = (p) => client.request(p).then(() => 200, (e) => (e.status || e.statusCode || 0));
      const patient = await client.patient.read();
      const observations = await client.request('Observation');
      window.result = {
        patient: client.patient.id, tokenScope: client.state.tokenResponse.scope, patientName: patient.id,
        observationSubjects: (observations.entry || []).map((e) => e.resource.subject.reference),
        otherPatient: await status('Patient/bob'), otherObservation: await status('Observation/o-bob'),
      };
    }).catch((e) => { window.result = { error: String(e) }; });`),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('auth: SMART App Launch in headless Chromium with fhirclient', function () {
  this.timeout(90_000);
  let site: TestSite;
  let siteServer: Server;
  let appServer: Server;
  let siteUrl: string;
  let appUrl: string;
  let browser: Browser;
  let scope = 'launch/patient patient/*.rs openid fhirUser';

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium to run the browser launch test)`);
      return this.skip();
    }
    appServer = createServer((req, res) => {
      const body = appPages(scope)[new URL(req.url ?? '/', 'http://x').pathname];
      res.writeHead(body ? 200 : 404, { 'Content-Type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body ?? '');
    });
    appUrl = await listen(appServer);
    site = await createTestSite({
      cors: { origins: [appUrl] },
      auth: {
        users: [{ username: 'clinician', password: 'demo-password' }],
        clients: [{ clientId: 'demo-app', name: 'Demo app', role: 'internal', scope: 'launch launch/patient patient/*.rs openid fhirUser', redirectUris: [`${appUrl}/app.html`] }],
      },
    });
    for (const p of ['alice', 'bob']) {
      await site.http.put(`/fhir/Patient/${p}`).type(FHIR_JSON).send({ resourceType: 'Patient', id: p, gender: 'female' }).expect(201);
      await site.http.put(`/fhir/Observation/o-${p}`).type(FHIR_JSON).send({ resourceType: 'Observation', id: `o-${p}`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${p}` } }).expect(201);
    }
    siteServer = createServer(site.app);
    siteUrl = await listen(siteServer);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => (siteServer ? siteServer.close(r) : r(undefined)));
    await new Promise((r) => (appServer ? appServer.close(r) : r(undefined)));
    await site?.close();
  });

  async function signInAndRead(launchUrl: string, pickPatient?: string): Promise<Record<string, unknown>> {
    const page = await browser.newPage();
    try {
      await page.goto(launchUrl);
      await page.waitForURL(/\/auth\/authorize/);
      if (pickPatient) await page.check(`input[name=patient][value=${pickPatient}]`);
      else assert.equal(await page.locator('input[name=patient]').count(), 0, 'an EHR launch needs no picker');
      await page.fill('input[name=username]', 'clinician');
      await page.fill('input[name=password]', 'wrong');
      await page.click('button[type=submit]');
      assert.match(await page.locator('[role=alert]').innerText(), /Wrong user name or password/);
      if (pickPatient) await page.check(`input[name=patient][value=${pickPatient}]`);
      await page.fill('input[name=username]', 'clinician');
      await page.fill('input[name=password]', 'demo-password');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/app\.html/);
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 30_000 });
      return (await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result));
    } finally {
      await page.close();
    }
  }

  it('standalone launch: sign in, pick a patient, read only that patient', async () => {
    const result = await signInAndRead(`${appUrl}/launch.html?iss=${encodeURIComponent(`${siteUrl}/fhir`)}`, 'alice');
    assert.equal(result.error, undefined, String(result.error));
    assert.equal(result.patient, 'alice');
    assert.match(String(result.tokenScope), /patient\/\*\.rs/);
    assert.deepEqual(result.observationSubjects, ['Patient/alice']);
    assert.equal(result.otherPatient, 404);
    assert.equal(result.otherObservation, 404);
  });

  it('EHR launch: the launch parameter brings the patient, no picker', async () => {
    scope = 'launch patient/*.rs openid fhirUser';
    const launch = await site.auth.mintLaunch('bob');
    const result = await signInAndRead(`${appUrl}/launch.html?iss=${encodeURIComponent(`${siteUrl}/fhir`)}&launch=${launch}`);
    assert.equal(result.error, undefined, String(result.error));
    assert.equal(result.patient, 'bob');
    assert.deepEqual(result.observationSubjects, ['Patient/bob']);
  });
});
