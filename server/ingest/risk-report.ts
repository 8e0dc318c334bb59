/**
 * Re-identification risk of what a site stores, in the manner of ARX's prosecutor model: patients grouped into
 * equivalence classes over the quasi-identifiers (birth year, gender, 3-digit ZIP, deceased); a patient in a class
 * of size n is re-identified with probability 1/n by someone who knows they are in the data. Classes below k are
 * the ones to worry about. https://arx.deidentifier.org/overview/privacy-criteria/
 */
import type { OperationOutcomeIssue, Parameters, Patient } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import type { Store } from '../store/types.ts';

export interface EquivalenceClass {
  birthYear: string;
  gender: string;
  zip3: string;
  deceased: boolean;
  size: number;
}

export interface RiskReport {
  k: number;
  patients: number;
  classes: number;
  classesBelowK: number;
  patientsBelowK: number;
  /** Prosecutor risk of the most exposed patient: 1 / the smallest class. */
  highestRisk: number;
  /** Average prosecutor risk over patients: classes / patients. */
  averageRisk: number;
  /** The classes below k, smallest first (for the site's administrator only). */
  smallClasses: EquivalenceClass[];
}

/** Reads the stored Patients and measures their prosecutor risk at threshold k. */
export async function measureReidentificationRisk(store: Store, k = 11): Promise<RiskReport> {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer of at least 2, not ${k}`);
  const versions = await store.find({ filter: { type: 'Patient', deleted: false } });
  const classes = new Map<string, EquivalenceClass>();
  for (const version of versions) {
    const patient = JSON.parse(version.json) as Patient;
    const qi: EquivalenceClass = {
      birthYear: patient.birthDate?.slice(0, 4) ?? '?',
      gender: patient.gender ?? '?',
      zip3: patient.address?.find((a) => a.postalCode)?.postalCode?.slice(0, 3) ?? '?',
      deceased: patient.deceasedBoolean === true || patient.deceasedDateTime !== undefined,
      size: 0,
    };
    const key = `${qi.birthYear}|${qi.gender}|${qi.zip3}|${qi.deceased}`;
    const existing = classes.get(key);
    if (existing) existing.size++;
    else classes.set(key, { ...qi, size: 1 });
  }
  const all = [...classes.values()];
  const small = all.filter((c) => c.size < k).sort((a, b) => a.size - b.size || a.birthYear.localeCompare(b.birthYear));
  const patients = versions.length;
  return {
    k,
    patients,
    classes: all.length,
    classesBelowK: small.length,
    patientsBelowK: small.reduce((n, c) => n + c.size, 0),
    highestRisk: patients === 0 ? 0 : 1 / Math.min(...all.map((c) => c.size)),
    averageRisk: patients === 0 ? 0 : all.length / patients,
    smallClasses: small,
  };
}

export function formatRiskReport(report: RiskReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `Re-identification risk (prosecutor model, quasi-identifiers: birth year, gender, ZIP3, deceased; k = ${report.k})`,
    `  patients: ${report.patients}   equivalence classes: ${report.classes}`,
    `  classes below k: ${report.classesBelowK}   patients in them: ${report.patientsBelowK}${report.patients ? ` (${pct(report.patientsBelowK / report.patients)})` : ''}`,
    `  highest risk: ${pct(report.highestRisk)}   average risk: ${pct(report.averageRisk)}`,
    '',
  ].join('\n');
}

/** The report as Parameters: the measures, one `smallClass` part per class below k, and an `outcome`. */
export function riskParameters(report: RiskReport): Parameters {
  const issues: OperationOutcomeIssue[] = [
    issue('information', 'informational', `Prosecutor risk over birth year, gender, ZIP3 and deceased at k = ${report.k}: ${report.patients} patients in ${report.classes} equivalence classes`),
  ];
  if (report.classesBelowK > 0) {
    issues.push(issue('warning', 'business-rule', `${report.classesBelowK} equivalence classes hold fewer than ${report.k} patients (${report.patientsBelowK} patients); generalise further or suppress them`));
  }
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'k', valueInteger: report.k },
      { name: 'patients', valueInteger: report.patients },
      { name: 'classes', valueInteger: report.classes },
      { name: 'classesBelowK', valueInteger: report.classesBelowK },
      { name: 'patientsBelowK', valueInteger: report.patientsBelowK },
      { name: 'highestRisk', valueDecimal: round(report.highestRisk) },
      { name: 'averageRisk', valueDecimal: round(report.averageRisk) },
      ...report.smallClasses.map((c) => ({
        name: 'smallClass',
        part: [
          { name: 'birthYear', valueString: c.birthYear },
          { name: 'gender', valueString: c.gender },
          { name: 'zip3', valueString: c.zip3 },
          { name: 'deceased', valueBoolean: c.deceased },
          { name: 'size', valueInteger: c.size },
        ],
      })),
      { name: 'outcome', resource: { resourceType: 'OperationOutcome', issue: issues } },
    ],
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The report back from its Parameters form (what `vitrine ingest --report` gets from a running site). */
export function riskReportFromParameters(parameters: Parameters): RiskReport {
  const value = (name: string) => {
    const p = parameters.parameter?.find((x) => x.name === name);
    return Number(p?.valueInteger ?? p?.valueDecimal ?? 0);
  };
  const smallClasses = (parameters.parameter ?? [])
    .filter((p) => p.name === 'smallClass')
    .map((p) => {
      const part = (name: string) => p.part?.find((x) => x.name === name);
      return {
        birthYear: part('birthYear')?.valueString ?? '?', gender: part('gender')?.valueString ?? '?', zip3: part('zip3')?.valueString ?? '?',
        deceased: part('deceased')?.valueBoolean === true, size: part('size')?.valueInteger ?? 0,
      };
    });
  return {
    k: value('k'), patients: value('patients'), classes: value('classes'), classesBelowK: value('classesBelowK'),
    patientsBelowK: value('patientsBelowK'), highestRisk: value('highestRisk'), averageRisk: value('averageRisk'), smallClasses,
  };
}
