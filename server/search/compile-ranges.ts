/**
 * Prefix comparisons of dates and numbers as conditions over index ranges.
 * https://hl7.org/fhir/R4/search.html#prefix
 */
import type { Filter } from '../store/types.ts';
import type { SearchValue } from './search-request.ts';
import { canonicalQuantity, UCUM } from './ucum-units.ts';

type DateValue = Extract<SearchValue, { kind: 'date' }>;
type NumberValue = Extract<SearchValue, { kind: 'number' }>;

const DAY = 86_400_000;

/** `ap` on dates: 10% of the distance from now, at least a day. */
function approximateDelta(value: DateValue): number {
  return Math.max(DAY, Math.abs(Date.now() - value.lo.getTime()) * 0.1);
}

/** Conditions on an indexed range {lo, hi} for a date search value (inside an $elemMatch). */
export function compileDate(value: DateValue): Filter {
  const { lo, hi } = value;
  switch (value.prefix) {
    case 'eq':
      return { lo: { $gte: lo }, hi: { $lte: hi } };
    case 'ne':
      return { $or: [{ lo: { $lt: lo } }, { hi: { $gt: hi } }] };
    case 'gt':
      return { hi: { $gt: hi } };
    case 'lt':
      return { lo: { $lt: lo } };
    case 'ge':
      return { hi: { $gte: lo } };
    case 'le':
      return { lo: { $lte: hi } };
    case 'sa':
      return { lo: { $gt: hi } };
    case 'eb':
      return { hi: { $lt: lo } };
    case 'ap': {
      const delta = approximateDelta(value);
      return { lo: { $lte: new Date(hi.getTime() + delta) }, hi: { $gte: new Date(lo.getTime() - delta) } };
    }
  }
}

/** `_lastUpdated` compares the document's `lastUpdated` instant. */
export function compileLastUpdated(value: SearchValue): Filter {
  if (value.kind !== 'date') return {};
  const { lo, hi } = value;
  switch (value.prefix) {
    case 'eq':
      return { lastUpdated: { $gte: lo, $lte: hi } };
    case 'ne':
      return { $or: [{ lastUpdated: { $lt: lo } }, { lastUpdated: { $gt: hi } }] };
    case 'gt':
    case 'sa':
      return { lastUpdated: { $gt: hi } };
    case 'lt':
    case 'eb':
      return { lastUpdated: { $lt: lo } };
    case 'ge':
      return { lastUpdated: { $gte: lo } };
    case 'le':
      return { lastUpdated: { $lte: hi } };
    case 'ap': {
      const delta = approximateDelta(value);
      return { lastUpdated: { $gte: new Date(lo.getTime() - delta), $lte: new Date(hi.getTime() + delta) } };
    }
  }
}

/** A number or quantity search value as a `num` $elemMatch (`ne` as a $nor of `eq`). */
export function compileNumber(code: string, value: NumberValue): Filter {
  let { value: v, lo, hi } = value;
  const unit: Filter = {};
  const canonical = value.system === UCUM && value.code ? canonicalQuantity(1, value.code) : undefined;
  if (canonical) {
    // Compare in the canonical unit, where 5 mg and 0.005 g are indexed alike.
    const scale = (x: number): number => Number((x * canonical.value).toPrecision(12));
    [v, lo, hi] = [scale(v), scale(lo), scale(hi)];
    Object.assign(unit, { sys: UCUM, code: canonical.code });
  } else {
    if (value.system) unit.sys = value.system;
    if (value.code) unit.code = value.code;
  }
  const p = canonical ? `${code}:canonical` : code;
  const match = (range: Filter): Filter => ({ num: { $elemMatch: { p, ...unit, ...range } } });
  const approx = Math.abs(v) * 0.1;
  switch (value.prefix) {
    case 'eq':
      return match({ v: { $gte: lo, $lt: hi } });
    case 'ne':
      return { $nor: [match({ v: { $gte: lo, $lt: hi } })] };
    case 'gt':
    case 'sa':
      return match({ v: { $gt: v } });
    case 'lt':
    case 'eb':
      return match({ v: { $lt: v } });
    case 'ge':
      return match({ v: { $gte: v } });
    case 'le':
      return match({ v: { $lte: v } });
    case 'ap':
      return match({ v: { $gte: v - approx, $lte: v + approx } });
  }
}
