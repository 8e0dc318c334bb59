/**
 * The peer a Postgres-based FHIR store would be: one `jsonb` table with a GIN `jsonb_path_ops` index and the btree
 * expression indexes an experienced user would add (reference, date), run by PGlite (PostgreSQL in WebAssembly).
 * Each query answers the same question as the matching FHIR search of the benchmark.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Resource } from '@medplum/fhirtypes';

export interface PeerQueries {
  tokenCount(system: string, code: string): Promise<number>;
  tokenDateCount(system: string, code: string, from: string, to: string): Promise<number>;
  cohortCount(observationCode: string, conditionCode: string): Promise<number>;
  sortedFirstPage(system: string, code: string): Promise<unknown[]>;
  firstPageWithSubjects(system: string, code: string): Promise<unknown[]>;
  readById(type: string, id: string): Promise<unknown>;
}

export class PostgresJsonbPeer implements PeerQueries {
  private constructor(private readonly db: PGlite) {}

  static async create(): Promise<PostgresJsonbPeer> {
    const db = new PGlite();
    await db.exec(`create table resources (type text not null, id text not null, res jsonb not null, primary key (type, id))`);
    return new PostgresJsonbPeer(db);
  }

  /** Inserts a batch as one statement (the bulk path a loader would take). */
  async insert(batch: Resource[]): Promise<void> {
    await this.db.query(
      `insert into resources (type, id, res) select r->>'resourceType', r->>'id', r from jsonb_array_elements($1::jsonb) r`,
      [JSON.stringify(batch)],
    );
  }

  /** The indexes, built after the bulk load as one would. */
  async createIndexes(): Promise<void> {
    await this.db.exec(`
      create index resources_gin on resources using gin (res jsonb_path_ops);
      create index resources_subject on resources ((res->'subject'->>'reference'));
      create index resources_effective on resources (type, (res->>'effectiveDateTime'));
      analyze resources;`);
  }

  async tokenCount(system: string, code: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int n from resources where type = 'Observation' and res @> $1::jsonb`,
      [codeContainment(system, code)],
    );
    return rows[0].n;
  }

  async tokenDateCount(system: string, code: string, from: string, to: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int n from resources where type = 'Observation' and res @> $1::jsonb
         and res->>'effectiveDateTime' >= $2 and res->>'effectiveDateTime' < $3`,
      [codeContainment(system, code), from, to],
    );
    return rows[0].n;
  }

  async cohortCount(observationCode: string, conditionCode: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int n from resources p where p.type = 'Patient'
         and ('Patient/' || p.id) in (select res->'subject'->>'reference' from resources where type = 'Observation' and res @> $1::jsonb)
         and ('Patient/' || p.id) in (select res->'subject'->>'reference' from resources where type = 'Condition' and res @> $2::jsonb)`,
      [codeContainment('http://loinc.org', observationCode), codeContainment('http://snomed.info/sct', conditionCode)],
    );
    return rows[0].n;
  }

  async sortedFirstPage(system: string, code: string): Promise<unknown[]> {
    const { rows } = await this.db.query(
      `select res from resources where type = 'Observation' and res @> $1::jsonb
         order by res->>'effectiveDateTime' desc, id limit 10`,
      [codeContainment(system, code)],
    );
    return rows;
  }

  async firstPageWithSubjects(system: string, code: string): Promise<unknown[]> {
    const page = await this.db.query<{ res: { subject: { reference: string } } }>(
      `select res from resources where type = 'Observation' and res @> $1::jsonb order by id limit 10`,
      [codeContainment(system, code)],
    );
    const ids = [...new Set(page.rows.map((r) => r.res.subject.reference.split('/')[1]))];
    const included = await this.db.query(`select res from resources where type = 'Patient' and id = any($1)`, [ids]);
    return [...page.rows, ...included.rows];
  }

  async readById(type: string, id: string): Promise<unknown> {
    const { rows } = await this.db.query(`select res from resources where type = $1 and id = $2`, [type, id]);
    return rows[0];
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function codeContainment(system: string, code: string): string {
  return JSON.stringify({ code: { coding: [{ system, code }] } });
}
