import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import type { ExportFormat } from '../../shared/api/exports';
import { VITAL_SIGNS } from '../../shared/catalog/vital-signs';
import type { Column } from '../deid/columns';
import type { OutValue } from '../deid/pipeline';
import type { HashingSink } from './sink';

/**
 * Dataset writers: de-identified batches in, one file out. Each holds at most one batch (CSV,
 * NDJSON) or one row group (Parquet) in memory.
 */
export interface DatasetWriter {
  writeBatch(rows: readonly OutValue[][]): Promise<void>;
  finish(): Promise<void>;
}

export const EXTENSIONS: Record<ExportFormat, string> = {
  csv: 'csv',
  'fhir-ndjson': 'ndjson',
  parquet: 'parquet',
};

export function createWriter(
  format: ExportFormat,
  sink: HashingSink,
  columns: readonly Column[],
  meta: Record<string, string>,
): DatasetWriter {
  switch (format) {
    case 'csv':
      return new CsvWriter(sink, columns);
    case 'fhir-ndjson':
      return new FhirNdjsonWriter(sink, columns, meta);
    case 'parquet':
      return new ParquetDatasetWriter(sink, columns, meta);
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `toISOString()` for many instants: the date part is formatted once per day and kept (an export
 * spans few distinct days, even with every patient shifted by their own offset), the time of day
 * by table lookups. A CSV export spends more time formatting timestamps than anything else otherwise.
 */
export function isoFormatter(): (ms: number) => string {
  const days = new Map<number, string>();
  return (ms) => {
    const d = Math.floor(ms / DAY_MS);
    let prefix = days.get(d);
    if (prefix === undefined) {
      const text = iso(d * DAY_MS); // throws RangeError for an invalid time, as toISOString does
      prefix = text.slice(0, text.indexOf('T') + 1);
      if (days.size >= 8192) days.clear();
      days.set(d, prefix);
    }
    let rest = ms - d * DAY_MS;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[Math.floor(rest - s * 1000)]}Z`;
  };
}

/**
 * RFC 4180 quoting, and a leading apostrophe for a text cell a spreadsheet would run as a formula
 * (OWASP "CSV injection"). Numbers are written as numbers (a negative value stays a number).
 */
function textCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * textCell with a memo: text columns here have few distinct values (pseudonyms, bands, codes,
 * units), so each is quoted once. Bounded, so a column of many values can't grow it without end.
 */
function memoTextCell(): (v: OutValue) => string {
  const memo = new Map<string, string>();
  return (v) => {
    if (v === null) return '';
    const text = String(v);
    let cell = memo.get(text);
    if (cell === undefined) {
      if (memo.size >= 4096) memo.clear();
      memo.set(text, (cell = textCell(text)));
    }
    return cell;
  };
}

class CsvWriter implements DatasetWriter {
  private header = false;
  private readonly format: ((v: OutValue) => string)[];

  constructor(
    private readonly sink: HashingSink,
    private readonly columns: readonly Column[],
  ) {
    this.format = columns.map((c): ((v: OutValue) => string) => {
      if (c.type === 'string') return memoTextCell();
      if (c.type !== 'timestamp') return (v) => (v === null ? '' : String(v));
      const time = isoFormatter();
      return (v) => (v === null ? '' : time(v as number));
    });
  }

  async writeBatch(rows: readonly OutValue[][]): Promise<void> {
    let chunk = '';
    if (!this.header) {
      chunk = this.columns.map((c) => c.name).join(',') + '\r\n';
      this.header = true;
    }
    const f = this.format;
    const n = f.length;
    for (const r of rows) {
      chunk += f[0]!(r[0]!);
      for (let i = 1; i < n; i++) chunk += ',' + f[i]!(r[i]!);
      chunk += '\r\n';
    }
    await this.sink.write(chunk);
  }

  async finish(): Promise<void> {
    if (!this.header) await this.writeBatch([]);
  }
}

const VITAL = new Map(VITAL_SIGNS.map((v) => [v.id, v]));
const EXT = 'https://vitalmesh.org/fhir/StructureDefinition';

/**
 * FHIR R4 Observations (vital-signs profile shape), one per line: LOINC and MDC codes, UCUM
 * quantity, the subject as a reference to the pseudonym (no Patient resource exists for it), the
 * quasi-identifiers as extensions. Aggregates carry the mean as the value, the interval as the
 * effective period, and min/max/count as extensions.
 * @see http://hl7.org/fhir/R4/observation-vitalsigns.html, FHIR bulk data NDJSON
 */
class FhirNdjsonWriter implements DatasetWriter {
  private readonly at: Record<string, number> = {};
  private seq = 0;

  constructor(
    private readonly sink: HashingSink,
    columns: readonly Column[],
    private readonly meta: Record<string, string>,
  ) {
    columns.forEach((c, i) => (this.at[c.name] = i));
  }

  private get(r: readonly OutValue[], name: string): OutValue | undefined {
    const i = this.at[name];
    return i === undefined ? undefined : r[i];
  }

  async writeBatch(rows: readonly OutValue[][]): Promise<void> {
    let chunk = '';
    for (const r of rows) chunk += JSON.stringify(this.observation(r)) + '\n';
    await this.sink.write(chunk);
  }

  private observation(r: readonly OutValue[]): Record<string, unknown> {
    const code = this.get(r, 'code');
    const vital = typeof code === 'string' ? VITAL.get(code) : undefined;
    const coding: Record<string, unknown>[] = [];
    if (vital?.loinc[0])
      coding.push({ system: 'http://loinc.org', code: vital.loinc[0], display: vital.display });
    for (const m of vital?.mdc ?? [])
      coding.push({ system: 'urn:iso:std:iso:11073:10101', code: String(m.code), display: m.refId });
    const unit = this.get(r, 'unit');
    const quantity = (value: OutValue | undefined) =>
      value === null || value === undefined
        ? undefined
        : {
            value,
            ...(typeof unit === 'string' ? { unit, system: 'http://unitsofmeasure.org', code: unit } : {}),
          };
    const extension: Record<string, unknown>[] = [];
    for (const qi of ['age_band', 'sex', 'zip3', 'unit_type']) {
      const v = this.get(r, qi);
      if (typeof v === 'string') extension.push({ url: `${EXT}/${qi.replace('_', '-')}`, valueString: v });
    }
    const device = this.get(r, 'device_type');
    const time = this.get(r, 'time');
    const aggregated = this.at.value_mean !== undefined;
    if (aggregated) {
      for (const [name, key] of [
        ['minimum', 'value_min'],
        ['maximum', 'value_max'],
      ] as const) {
        const q = quantity(this.get(r, key));
        if (q) extension.push({ url: `${EXT}/interval-${name}`, valueQuantity: q });
      }
      const count = this.get(r, 'value_count');
      if (typeof count === 'number') extension.push({ url: `${EXT}/interval-count`, valueInteger: count });
    }
    const patient = this.get(r, 'patient');
    const value = quantity(this.get(r, aggregated ? 'value_mean' : 'value'));
    const grainMs = Number(this.meta.grainMs ?? 0);
    return {
      resourceType: 'Observation',
      // Hex like the export id: a row number, nothing about the row.
      id: `${this.meta.exportId}-${(++this.seq).toString(16).padStart(8, '0')}`,
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: coding.length ? { coding } : { text: typeof code === 'string' ? code : 'vital sign' },
      ...(typeof patient === 'string' ? { subject: { reference: `Patient/${patient}` } } : {}),
      ...(typeof time === 'number'
        ? aggregated && grainMs > 0
          ? { effectivePeriod: { start: iso(time), end: iso(time + grainMs) } }
          : { effectiveDateTime: iso(time) }
        : {}),
      ...(value ? { valueQuantity: value } : {}),
      ...(typeof device === 'string' ? { device: { display: device } } : {}),
      ...(extension.length ? { extension } : {}),
    };
  }

  async finish(): Promise<void> {}
}

/**
 * Rows per Parquet row group. 10,000 keeps a group's encoding garbage (column copies, dictionary,
 * pages) small enough to die in V8's young generation: with 25,000 it was promoted, and peak RSS
 * over 2M rows was 280 MB instead of 210 MB (bench/deid.ts), for no gain in file size worth it.
 */
const ROW_GROUP = 10_000;

/** hyparquet-writer's byte buffer, emptied into the sink after every row group. */
class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: HashingSink) {
    super(1 << 20);
  }
  flush(): Promise<void> {
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.sink.write(chunk);
  }
}

/** Parquet with an explicit schema (types don't depend on the first rows), row groups of ROW_GROUP. */
class ParquetDatasetWriter implements DatasetWriter {
  private readonly writer: ParquetWriter;
  private readonly bytes: SinkByteWriter;
  /**
   * The open row group, held by column: the batch's row arrays die young, and only one
   * reference per cell stays until the group is written (rows kept whole would all survive into
   * the old generation, and collecting that costs more than encoding them).
   */
  private readonly group: OutValue[][];
  private count = 0;

  constructor(
    sink: HashingSink,
    private readonly columns: readonly Column[],
    meta: Record<string, string>,
  ) {
    const schema: SchemaElement[] = [
      { name: 'root', num_children: columns.length },
      ...columns.map((c): SchemaElement => {
        switch (c.type) {
          case 'string':
            return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
          case 'timestamp':
            return {
              name: c.name,
              type: 'INT64',
              converted_type: 'TIMESTAMP_MILLIS',
              repetition_type: 'OPTIONAL',
            };
          case 'double':
            return { name: c.name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
          case 'int':
            return { name: c.name, type: 'INT32', repetition_type: 'OPTIONAL' };
          default: {
            const never: never = c.type;
            throw new Error(`unknown column type ${String(never)}`);
          }
        }
      }),
    ];
    this.group = columns.map(() => new Array<OutValue>(ROW_GROUP).fill(null));
    this.bytes = new SinkByteWriter(sink);
    this.writer = new ParquetWriter({
      writer: this.bytes,
      schema,
      kvMetadata: Object.entries(meta).map(([key, value]) => ({ key, value })),
      createdBy: 'VitalMesh',
    });
  }

  async writeBatch(rows: readonly OutValue[][]): Promise<void> {
    const { group } = this;
    const width = group.length;
    for (const r of rows) {
      const at = this.count++;
      for (let i = 0; i < width; i++) group[i]![at] = r[i] ?? null;
      if (this.count === ROW_GROUP) await this.flushGroup();
    }
  }

  private async flushGroup(): Promise<void> {
    const n = this.count;
    if (n === 0) return;
    // Min/max statistics only for numbers and times, where a reader can prune by them; for text
    // they cost a string comparison per value (a third of the Parquet writer's time) and say little.
    const columnData = this.columns.map((c, i) => ({
      name: c.name,
      data: n === ROW_GROUP ? this.group[i]! : this.group[i]!.slice(0, n),
      statistics: c.type !== 'string',
    }));
    await this.writer.write({ columnData, rowGroupSize: n });
    // Written: the arrays are reused for the next group (the writer copied what it keeps).
    this.count = 0;
  }

  async finish(): Promise<void> {
    await this.flushGroup();
    await this.writer.finish();
    // The footer is still in the buffer: hyparquet-writer's finish() doesn't flush.
    await this.bytes.flush();
  }
}
