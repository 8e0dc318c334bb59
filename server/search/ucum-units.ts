/**
 * UCUM units folded to one canonical unit per dimension, so `5 mg` and `0.005 g` (or `7.2 10*3/uL` and
 * `7.2 10*9/L`) are indexed and searched alike. The metric units take every common UCUM prefix, built here
 * systematically; customary units and concentrations (mass or amount per volume, counts per volume, volume per
 * time) are derived from them. Unit annotations (`{beats}/min`) carry no meaning in UCUM and are dropped. Units of
 * different dimensions are never converted (mmol/L of glucose is not mg/dL), nor affine scales (Cel, [degF]).
 * https://ucum.org/ucum#section-Prefixes https://hl7.org/fhir/R4/search.html#quantity
 */

export const UCUM = 'http://unitsofmeasure.org';

const PREFIXES: Record<string, number> = {
  T: 1e12, G: 1e9, M: 1e6, k: 1e3, h: 1e2, da: 1e1, '': 1, d: 1e-1, c: 1e-2, m: 1e-3, u: 1e-6, n: 1e-9, p: 1e-12, f: 1e-15,
};

/** [canonical unit, factor] per metric base unit; each also takes every prefix above. */
const METRIC: Record<string, [string, number]> = {
  g: ['g', 1], L: ['L', 1], l: ['L', 1], m: ['m', 1], s: ['s', 1], Pa: ['Pa', 1], bar: ['Pa', 1e5], mol: ['mol', 1], eq: ['eq', 1],
};

const CUSTOMARY: Record<string, [string, number]> = {
  min: ['s', 60], h: ['s', 3600], d: ['s', 86_400], wk: ['s', 604_800], mo: ['s', 2_629_800], a: ['s', 31_557_600],
  '[lb_av]': ['g', 453.59237], '[oz_av]': ['g', 28.349523125], '[gr]': ['g', 0.06479891],
  '[in_i]': ['m', 0.0254], '[ft_i]': ['m', 0.3048], '[yd_i]': ['m', 0.9144], '[mi_i]': ['m', 1609.344],
  '[gal_us]': ['L', 3.785411784], '[foz_us]': ['L', 0.0295735295625], '[pt_us]': ['L', 0.473176473],
  m3: ['L', 1e3], dm3: ['L', 1], cm3: ['L', 1e-3], mm3: ['L', 1e-6],
  'mm[Hg]': ['Pa', 133.322], 'cm[H2O]': ['Pa', 98.0665], "[in_i'Hg]": ['Pa', 3386.38], atm: ['Pa', 101_325],
};

function buildTable(): Map<string, [string, number]> {
  const table = new Map<string, [string, number]>();
  for (const [unit, [canonical, factor]] of Object.entries(METRIC)) {
    for (const [prefix, scale] of Object.entries(PREFIXES)) table.set(prefix + unit, [canonical, factor * scale]);
  }
  for (const [unit, entry] of Object.entries(CUSTOMARY)) table.set(unit, entry);
  const units = [...table.entries()];
  const ofDimension = (dimension: string) => units.filter(([, [canonical]]) => canonical === dimension);
  for (const [volume, [, litres]] of ofDimension('L')) {
    // Mass, amount and counts per volume; volume per time.
    for (const dimension of ['g', 'mol', 'eq']) {
      for (const [unit, [, factor]] of ofDimension(dimension)) table.set(`${unit}/${volume}`, [`${dimension}/L`, factor / litres]);
    }
    table.set(`/${volume}`, ['/L', 1 / litres]);
    for (const power of [3, 6, 9, 12]) table.set(`10*${power}/${volume}`, ['/L', 10 ** power / litres]);
    for (const [time, [, seconds]] of ofDimension('s')) table.set(`${volume}/${time}`, ['L/s', litres / seconds]);
  }
  for (const [time, [, seconds]] of ofDimension('s')) table.set(`/${time}`, ['/s', 1 / seconds]);
  return table;
}

let table: Map<string, [string, number]> | undefined;
/** Units as written -> their table entry (null: unknown), so annotations are stripped once per distinct unit. */
const resolved = new Map<string, [string, number] | null>();

/** A UCUM quantity in its canonical unit, or undefined for units this table does not know. */
export function canonicalQuantity(value: number, code: string): { value: number; code: string } | undefined {
  let entry = resolved.get(code);
  if (entry === undefined) {
    table ??= buildTable();
    entry = table.get(code) ?? table.get(withoutAnnotations(code)) ?? null;
    if (resolved.size < 10_000) resolved.set(code, entry);
  }
  if (!entry) return undefined;
  // Rounded to 12 significant digits so 1000 mg and 1 g compare equal.
  return { value: Number((value * entry[1]).toPrecision(12)), code: entry[0] };
}

/** `{beats}/min` is `/min`, `mL/min/{1.73_m2}` is `mL/min`; a unit that is only an annotation stays as it is. */
function withoutAnnotations(code: string): string {
  const stripped = code.replace(/\/?\{[^}]*\}/g, '');
  return stripped.length > 0 ? stripped : code;
}
