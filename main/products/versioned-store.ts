import type { z } from 'zod';
import { ApiError } from '../../shared/api/errors';
import type { Db } from '../store/database';

/** One stored version of a definition. */
export interface Versioned<T> {
  readonly name: string;
  readonly version: number;
  readonly definition: T;
  readonly createdAt: number;
  readonly createdBy: string;
}

interface Row {
  name: string;
  version: number;
  definition: string;
  created_at: number;
  created_by: string;
}

/**
 * Definitions versioned by appending (product_definitions, deid_profiles: migration 0300): a save
 * inserts (name, latest + 1) and never changes a published version, so a release can always be
 * explained by the exact version it used. Rows are re-validated on read: a definition the schema
 * no longer accepts is an error naming it, not something silently used.
 */
export class VersionedStore<S extends z.ZodType> {
  constructor(
    private readonly db: Db,
    private readonly table: 'product_definitions' | 'deid_profiles',
    private readonly schema: S,
    private readonly kind: string,
  ) {}

  /** Inserts version 1 of each built-in that has no version yet (first start, or a new built-in). */
  seed(builtIns: readonly (z.output<S> & { name: string })[], now = Date.now()): void {
    const has = this.db.prepare(`SELECT 1 FROM ${this.table} WHERE name = ? LIMIT 1`);
    const insert = this.db.prepare(
      `INSERT INTO ${this.table} (name, version, definition, created_at, created_by) VALUES (?, 1, ?, ?, 'system')`,
    );
    this.db.transaction(() => {
      for (const b of builtIns) if (!has.get(b.name)) insert.run(b.name, JSON.stringify(b), now);
    })();
  }

  /** Saves a new version; returns its number. The definition is validated again here. */
  save(definition: z.input<S>, createdBy: string, now = Date.now()): { name: string; version: number } {
    const parsed = this.schema.parse(definition) as z.output<S> & { name: string };
    return this.db.transaction(() => {
      const latest = this.db
        .prepare(`SELECT max(version) AS v FROM ${this.table} WHERE name = ?`)
        .get(parsed.name) as { v: number | null };
      const version = (latest.v ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO ${this.table} (name, version, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
        )
        .run(parsed.name, version, JSON.stringify(parsed), now, createdBy);
      return { name: parsed.name, version };
    })();
  }

  /** The latest version of every name, by name. */
  latestAll(): Versioned<z.output<S>>[] {
    const rows = this.db
      .prepare(
        `SELECT t.* FROM ${this.table} t JOIN (SELECT name, max(version) AS v FROM ${this.table} GROUP BY name) l
         ON l.name = t.name AND l.v = t.version ORDER BY t.name`,
      )
      .all() as Row[];
    return rows.map((r) => this.toVersioned(r));
  }

  /** One version (the latest when none is given), or undefined. */
  find(name: string, version?: number): Versioned<z.output<S>> | undefined {
    const row = (
      version === undefined
        ? this.db
            .prepare(`SELECT * FROM ${this.table} WHERE name = ? ORDER BY version DESC LIMIT 1`)
            .get(name)
        : this.db.prepare(`SELECT * FROM ${this.table} WHERE name = ? AND version = ?`).get(name, version)
    ) as Row | undefined;
    return row ? this.toVersioned(row) : undefined;
  }

  /** Like find, but a missing one is a not_found error naming it. */
  require(name: string, version?: number): Versioned<z.output<S>> {
    const found = this.find(name, version);
    if (!found) {
      throw new ApiError(
        'not_found',
        version === undefined
          ? `there is no ${this.kind} named "${name}"`
          : `${this.kind} "${name}" has no version ${version}`,
      );
    }
    return found;
  }

  versions(name: string): { version: number; createdAt: number; createdBy: string }[] {
    return (
      this.db
        .prepare(`SELECT version, created_at, created_by FROM ${this.table} WHERE name = ? ORDER BY version`)
        .all(name) as Pick<Row, 'version' | 'created_at' | 'created_by'>[]
    ).map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by }));
  }

  private toVersioned(row: Row): Versioned<z.output<S>> {
    const parsed = this.schema.safeParse(JSON.parse(row.definition));
    if (!parsed.success) {
      throw new Error(
        `${this.kind} "${row.name}" version ${row.version} in ${this.table} is not valid: ` +
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    return {
      name: row.name,
      version: row.version,
      definition: parsed.data,
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
  }
}
