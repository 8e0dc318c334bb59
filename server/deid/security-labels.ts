/**
 * The labels a de-identified resource carries: `meta.security` codes of the HL7 v3 ObservationValue code system
 * for what was done to it (https://terminology.hl7.org/CodeSystem-v3-ObservationValue.html — CRYTOHASH is spelled
 * so there), and a `meta.tag` naming the rule set and its version.
 */
import type { Coding, Meta } from '@medplum/fhirtypes';

export const OBSERVATION_VALUE = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
export const RULE_SET_TAG_SYSTEM = 'https://vitrine.dev/fhir/CodeSystem/deid-rule-set';

export type SecurityLabel = 'REDACTED' | 'CRYTOHASH' | 'ABSTRED' | 'PERTURBED' | 'MASKED' | 'PSEUDED';

const DISPLAY: Record<SecurityLabel, string> = {
  REDACTED: 'redacted',
  CRYTOHASH: 'cryptographic hash function',
  ABSTRED: 'abstracted',
  PERTURBED: 'perturbed',
  MASKED: 'masked',
  PSEUDED: 'pseudonymized',
};

/** The source's meta reduced to what is safe to keep (tags and profiles), with the labels and the rule-set tag added. */
export function deidentifiedMeta(source: Meta | undefined, labels: Iterable<SecurityLabel>, ruleSet: { name: string; version: string }): Meta {
  const security: Coding[] = [...new Set(labels)].sort().map((code) => ({ system: OBSERVATION_VALUE, code, display: DISPLAY[code] }));
  const tag: Coding[] = (source?.tag ?? []).filter((t) => t.system !== RULE_SET_TAG_SYSTEM);
  tag.push({ system: RULE_SET_TAG_SYSTEM, code: ruleSet.name, version: ruleSet.version });
  const meta: Meta = {};
  if (source?.profile) meta.profile = source.profile;
  meta.security = security;
  meta.tag = tag;
  return meta;
}
