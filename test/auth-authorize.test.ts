/**
 * /auth/authorize and the authorization_code grant (https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html):
 * registered redirect URIs only, state required, PKCE S256 only, codes single-use and bound to the verifier.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const FHIR_BASE = 'https://site.example/fhir';
const REDIRECT = 'https://app.example/callback';

describe('auth: authorization code with PKCE', () => {
  let site: TestSite;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const request = (overrides: Record<string, string | undefined> = {}) => {
    const params: Record<string, string | undefined> = {
      response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, scope: 'launch/patient patient/*.rs', state: 'st-1',
      aud: FHIR_BASE, code_challenge: challenge, code_challenge_method: 'S256', ...overrides,
    };
    return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
  };
  const redirectParams = (location: string) => new URL(location).searchParams;

  before(async () => {
    site = await createTestSite({
      publicUrl: FHIR_BASE,
      auth: { users: [{ username: 'u', password: 'pw' }], clients: [{ clientId: 'app', role: 'internal', scope: 'launch launch/patient patient/*.rs', redirectUris: [REDIRECT] }] },
    });
    await site.http.put('/fhir/Patient/p1').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'p1' }).expect(201);
  });
  after(() => site.close());

  it('shows the sign-in page with the patient picker', async () => {
    const res = await site.anonymous.get('/auth/authorize').query(request()).expect(200).expect('Content-Type', /html/);
    assert.match(res.text, /value="p1"/);
    assert.match(res.headers['content-security-policy'], /form-action 'self' https:\/\/app\.example/);
  });

  it('never redirects to an unregistered redirect_uri or for an unknown client', async () => {
    await site.anonymous.get('/auth/authorize').query(request({ redirect_uri: 'https://evil.example/cb' })).expect(400);
    await site.anonymous.get('/auth/authorize').query(request({ client_id: 'nobody' })).expect(400);
  });

  it('sends errors back to the app: no state, plain PKCE, no challenge, wrong aud, bad scope', async () => {
    const cases: [Record<string, string | undefined>, string][] = [
      [{ state: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ aud: 'https://other.example/fhir' }, 'invalid_request'],
      [{ scope: 'patient/*.cruds' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
    ];
    for (const [overrides, error] of cases) {
      const res = await site.anonymous.get('/auth/authorize').query(request(overrides)).expect(302);
      assert.equal(redirectParams(res.headers.location).get('error'), error, JSON.stringify(overrides));
    }
  });

  async function signIn(patient = 'p1'): Promise<string> {
    const res = await site.anonymous.post('/auth/authorize').type('form').send({ ...request(), username: 'u', password: 'pw', patient }).expect(302);
    const params = redirectParams(res.headers.location);
    assert.equal(params.get('state'), 'st-1');
    return params.get('code')!;
  }
  const exchange = (code: string, codeVerifier = verifier) =>
    site.anonymous.post('/auth/token').type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'app', code_verifier: codeVerifier });

  it('a code gives a patient token once, and only with the right verifier', async () => {
    const code = await signIn();
    const token = await exchange(code).expect(200);
    assert.equal(token.body.patient, 'p1');
    assert.equal(token.body.scope, 'launch/patient patient/*.rs');
    await site.anonymous.get('/fhir/Patient/p1').set('Authorization', `Bearer ${token.body.access_token}`).expect(200);
    const again = await exchange(code).expect(400);
    assert.equal(again.body.error, 'invalid_grant');
    const other = await exchange(await signIn(), randomBytes(32).toString('base64url')).expect(400);
    assert.match(other.body.error_description, /code_verifier/);
  });

  it('asks again on a wrong password or an unknown patient', async () => {
    const wrong = await site.anonymous.post('/auth/authorize').type('form').send({ ...request(), username: 'u', password: 'no', patient: 'p1' }).expect(400);
    assert.match(wrong.text, /Wrong user name or password/);
    const ghost = await site.anonymous.post('/auth/authorize').type('form').send({ ...request(), username: 'u', password: 'pw', patient: 'ghost' }).expect(400);
    assert.match(ghost.text, /Pick a patient/);
  });

  it('an EHR launch brings its patient; a forged launch is refused', async () => {
    const launch = await site.auth.mintLaunch('p1');
    const res = await site.anonymous.post('/auth/authorize').type('form').send({ ...request({ scope: 'launch patient/*.rs', launch }), username: 'u', password: 'pw' }).expect(302);
    const token = await exchange(redirectParams(res.headers.location).get('code')!).expect(200);
    assert.equal(token.body.patient, 'p1');
    const forged = await site.anonymous.get('/auth/authorize').query(request({ scope: 'launch patient/*.rs', launch: `${launch.slice(0, -4)}AAAA` })).expect(302);
    assert.equal(redirectParams(forged.headers.location).get('error'), 'invalid_request');
  });
});
