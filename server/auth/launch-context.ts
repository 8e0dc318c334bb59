/**
 * EHR launch contexts: `vitrine launch --patient <id>` signs one with the site's key; /auth/authorize accepts it
 * as the `launch` parameter and grants its patient. https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
import { jwtVerify, SignJWT } from 'jose';
import { isValidId } from '../fhir/ids.ts';
import { OAuthError } from './oauth-error.ts';
import { SIGNING_ALG, type SigningKey } from './signing-key.ts';

const LAUNCH_TYPE = 'launch+jwt';
const LAUNCH_LIFETIME = '10m';

export interface LaunchContext {
  patient: string;
}

/** A `launch` value for a patient, valid for ten minutes. */
export async function mintLaunch(key: SigningKey, issuer: string, context: LaunchContext): Promise<string> {
  if (!isValidId(context.patient)) throw new Error(`Not a valid patient id: ${context.patient}`);
  return new SignJWT({ patient: context.patient })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: LAUNCH_TYPE })
    .setIssuer(issuer)
    .setAudience(`${issuer}#launch`)
    .setIssuedAt()
    .setExpirationTime(LAUNCH_LIFETIME)
    .sign(key.privateKey);
}

/** The context of a `launch` value, or invalid_request. */
export async function readLaunch(key: SigningKey, issuer: string, launch: string): Promise<LaunchContext> {
  try {
    const { payload } = await jwtVerify(launch, key.publicKey, { algorithms: [SIGNING_ALG], issuer, audience: `${issuer}#launch`, typ: LAUNCH_TYPE });
    if (typeof payload.patient !== 'string' || !isValidId(payload.patient)) throw new Error('no patient');
    return { patient: payload.patient };
  } catch (err) {
    throw new OAuthError('invalid_request', `The launch parameter is not a valid launch context of this server: ${(err as Error).message}`);
  }
}
