/**
 * For tests that run a site as its own process (`vitrine site`): a config file that registers the test client,
 * and its token from the running site's token endpoint, so the test's requests pass SMART authorization.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_CLIENT } from './test-site.ts';

/** Writes `<dir>/site-auth.json` (name, auth with the test client, plus `extra`) and returns its path. */
export async function writeSiteConfigWithTestClient(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(dir, 'site-auth.json');
  const auth = { accessTokenSeconds: 3600, clients: [{ ...TEST_CLIENT, role: 'internal', demo: true }] };
  await writeFile(file, JSON.stringify({ name: 'test-site', auth, ...extra }));
  return file;
}

/** A `system/*.cruds` token of the test client from the site at `origin` (http://host:port). */
export async function fetchTestToken(origin: string): Promise<string> {
  const res = await fetch(`${origin}/auth/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: TEST_CLIENT.scope }),
  });
  if (!res.ok) throw new Error(`token endpoint of ${origin}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
