/**
 * The Store as one caller may see it. Every read path of the FHIR layer (read, vread, history, search, chains,
 * `_has`, `_include`, `_revinclude`, conditional matches, transaction entries) goes through `ctx.store`, so
 * confining this one object confines them all: types the scopes do not cover are invisible, and a caller with
 * `patient/` scopes sees and writes only its patient's compartment.
 * https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-clinical-data
 */
import type { Resource } from '@medplum/fhirtypes';
import { forbidden } from '../fhir/outcomes.ts';
import { extractIndexEntries } from '../search/extract.ts';
import type { Filter, HistoryQuery, Store, StoredVersion, StoreQuery, StoreWrite } from '../store/types.ts';
import { maySee, mayWrite, type CallerAccess } from './caller-access.ts';

export class ScopedStore implements Store {
  constructor(
    readonly inner: Store,
    private readonly access: CallerAccess,
  ) {}

  open(): Promise<void> {
    return Promise.resolve();
  }

  /** The underlying store belongs to the site, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** By id: also for write-only scopes, since an update or delete starts from the current version. */
  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    if (!maySee(this.access, type) && !mayWrite(this.access, type)) return undefined;
    const version = await this.inner.read(type, id);
    return version && this.visible(version) ? version : undefined;
  }

  async readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined> {
    if (!maySee(this.access, type)) return undefined;
    const version = await this.inner.readVersion(type, id, vid);
    return version && this.visible(version) ? version : undefined;
  }

  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }> {
    if (query.type && !maySee(this.access, query.type)) return { versions: [], total: 0 };
    if (!this.access.compartment) return this.inner.history(query);
    if (!query.type || !query.id) {
      throw forbidden('Rule patient-compartment: history of a type or of the system is not available to patient/ scopes; ask for one resource\'s history');
    }
    if (!(await this.read(query.type, query.id))) return { versions: [], total: 0 };
    const { versions, total } = await this.inner.history(query);
    const kept = versions.filter((v) => v.deleted || this.visible(v));
    return { versions: kept, total: total - (versions.length - kept.length) };
  }

  find(query: StoreQuery): Promise<StoredVersion[]> {
    const filter = this.confine(query.filter);
    return filter ? this.inner.find({ ...query, filter }) : Promise.resolve([]);
  }

  count(filter: Filter): Promise<number> {
    const confined = this.confine(filter);
    return confined ? this.inner.count(confined) : Promise.resolve(0);
  }

  /** Present when the inner store has it (`_has` then reads no bodies and has no cap); confined like find(). */
  get referenceKeys(): Store['referenceKeys'] {
    const inner = this.inner;
    if (!inner.referenceKeys) return undefined;
    return (filter: Filter, prefix: string) => {
      const confined = this.confine(filter);
      return confined ? inner.referenceKeys!(confined, prefix) : Promise.resolve([]);
    };
  }

  /** As referenceKeys: the inner filter is confined; the targets are then confined by the outer search's own filter. */
  get referenceTargets(): Store['referenceTargets'] {
    const inner = this.inner;
    if (!inner.referenceTargets) return undefined;
    return (filter: Filter, prefix: string, targetType: string) => {
      const confined = this.confine(filter);
      return confined ? inner.referenceTargets!(confined, prefix, targetType) : Promise.resolve({ id: { $in: [] } });
    };
  }

  get matchKeys(): Store['matchKeys'] {
    const inner = this.inner;
    if (!inner.matchKeys) return undefined;
    return (filter: Filter, sortKeys: string[]) => {
      const confined = this.confine(filter);
      return confined ? inner.matchKeys!(confined, sortKeys) : Promise.resolve([]);
    };
  }

  async commit(writes: StoreWrite[]): Promise<void> {
    for (const write of writes) {
      if (!mayWrite(this.access, write.type)) throw forbidden(`Rule smart-scope: no scope covers ${write.type}`);
      const { compartment } = this.access;
      if (!compartment) continue;
      // Both the version replaced and the new one must be the patient's: nothing moves in or out of the compartment.
      const before = await this.inner.read(write.type, write.id);
      const beforeOk = !before || before.deleted || this.visible(before);
      const afterOk = write.deleted || (write.type === 'Patient' ? `Patient/${write.id}` === compartment : write.index.compartments.includes(compartment));
      if (!beforeOk || !afterOk) {
        throw forbidden(`Rule patient-compartment: ${write.type}/${write.id} is not in the compartment of ${compartment}, which the token's patient/ scopes confine writes to`);
      }
    }
    return this.inner.commit(writes);
  }

  /** The filter restricted to what the caller may see, or undefined when it can see nothing of it. */
  private confine(filter: Filter): Filter | undefined {
    const type = filter.type;
    if (typeof type === 'string' && !maySee(this.access, type)) return undefined;
    const types = (type as { $in?: unknown } | undefined)?.$in;
    if (Array.isArray(types) && !types.every((t) => typeof t === 'string' && maySee(this.access, t))) {
      filter = { ...filter, type: { $in: types.filter((t) => typeof t === 'string' && maySee(this.access, t)) } };
    }
    const { compartment } = this.access;
    if (!compartment) return filter;
    // The R4 compartment holds Patients that link to this one; a patient/ token sees only its own Patient.
    const notOtherPatient = [{ type: 'Patient', id: { $ne: compartment.slice('Patient/'.length) } }];
    if (filter.compartments === undefined && filter.$nor === undefined) return { ...filter, compartments: compartment, $nor: notOtherPatient };
    return { $and: [filter, { compartments: compartment }, { $nor: notOtherPatient }] };
  }

  private visible(version: StoredVersion): boolean {
    const { compartment } = this.access;
    if (!compartment) return true;
    if (version.deleted) return false;
    if (version.type === 'Patient') return `Patient/${version.id}` === compartment;
    return extractIndexEntries(JSON.parse(version.json) as Resource).compartments.includes(compartment);
  }
}
