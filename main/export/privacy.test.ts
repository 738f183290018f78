import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportFormat, ExportStatus } from '../../shared/api/exports';
import type { AuditInput } from '../audit/chain';
import { openScratchStore, silentLogger } from '../ingest/hl7/test-support';
import { ProfileStore } from '../deid/profile-store';
import { ProductCatalog } from '../products/catalog';
import { tempDir } from '../testing/temp-dir';
import { DatasetExporter, datasetDir } from './exporter';
import {
  fhirNeedles,
  fhirPatients,
  hl7Needles,
  loadFhirPatients,
  loadHl7Corpus,
  meaningful,
} from './privacy-fixtures';

/**
 * The privacy test the issue asks for: real patients' demographics (the shared FHIR examples and
 * Synthea export) and real HL7 v2 messages in a real encrypted store, exported through
 * safe-harbor to every format, and every byte of every file written scanned for every name,
 * identifier, address, phone, email, date of birth and device serial of those patients.
 */
let store: ReturnType<typeof openScratchStore>;
let data: ReturnType<typeof tempDir>;
let exporter: DatasetExporter;
const audits: AuditInput[] = [];
let needles: string[] = [];
const who = {
  userId: 7,
  username: 'researcher.one',
  role: 'researcher',
  host: 'console',
  remoteAddress: null,
};

beforeAll(async () => {
  store = openScratchStore();
  data = tempDir('vitalmesh-export-');
  loadFhirPatients(store.db, Date.UTC(2026, 0, 5, 6, 30));
  const hl7 = await loadHl7Corpus(store.db);
  needles = meaningful([
    ...fhirPatients().flatMap((p) => fhirNeedles(p.resource)),
    ...[...hl7.raw.values()].flatMap(hl7Needles),
  ]);
  exporter = new DatasetExporter({
    db: store.db,
    dataDir: data.dir,
    catalog: new ProductCatalog(store.db),
    profiles: new ProfileStore(store.db),
    audit: (e) => audits.push(e),
    logger: silentLogger(),
    pageSize: 400,
  });
});
afterAll(() => {
  store.close();
  data.cleanup();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

/** Where a needle occurs: a substring anywhere; digits-only needles as a whole run of digits. */
function findLeaks(text: string, where: string): string[] {
  const leaks: string[] = [];
  const lower = text.toLowerCase();
  for (const n of needles) {
    if (/^[\d\s().+-]+$/.test(n)) {
      const digits = n.replace(/\D/g, '');
      if (digits.length < 4) continue;
      // A phone or an MRN leaks as its digits, in any punctuation; hex pseudonyms and ids may
      // contain any digit run by chance, so the run must stand on its own.
      const bare = new RegExp(`(?<![0-9a-f])${n.replace(/[().+\s-]/g, '[^0-9a-z]?')}(?![0-9a-f])`, 'i');
      if (bare.test(text)) leaks.push(`${where}: ${n}`);
    } else if (lower.includes(n.toLowerCase())) leaks.push(`${where}: ${n}`);
  }
  return leaks;
}

async function exportAs(format: ExportFormat, profile = 'safe-harbor'): Promise<ExportStatus> {
  const { done } = exporter.start({ product: 'vitals-raw', profile, format }, who);
  return done;
}

describe('exports through safe-harbor leak nothing that identifies the source patients', () => {
  it('has something to find: the needles come from the sources, and the sources are in the store', () => {
    expect(needles.length).toBeGreaterThan(150);
    for (const n of ['Chalmers', 'Medhurst46', "O'Keefe54", '1927-05-21', 'HO2009001', 'ALBERT'])
      expect(
        needles.some((x) => x.toLowerCase() === n.toLowerCase()),
        n,
      ).toBe(true);
    const n = store.db.prepare("SELECT count(*) AS n FROM patients WHERE family_name = 'Chalmers'").get() as {
      n: number;
    };
    expect(n.n).toBe(1);
    // The scan itself finds what it looks for: run on the sources, it lights up.
    const example = fhirPatients().find((p) => p.file === 'Patient-example.json')!.text;
    expect(findLeaks(example, 'source')).toEqual(
      expect.arrayContaining(['source: Chalmers', 'source: 1974-12-25']),
    );
    expect(findLeaks('call (03) 5555 6473 now', 'x')).toEqual(['x: (03) 5555 6473']);
  });

  for (const format of ['csv', 'fhir-ndjson', 'parquet'] as const) {
    it(`${format}: every byte of every file scanned, decoded too`, async () => {
      const status = await exportAs(format);
      expect(status.state, status.error).toBe('done');
      expect(status.written).toBeGreaterThan(2000);
      const report = status.report!;
      expect(report.gate.kAchieved).toBeGreaterThanOrEqual(5);
      const leaks: string[] = [];
      const written = filesUnder(datasetDir(data.dir)).filter((f) => f.includes(status.exportId));
      expect(written.map((f) => f.split('/').pop()).sort()).toEqual(
        [
          'manifest.json',
          'release-report.json',
          `vitals-raw-v1-safe-harbor.${format === 'csv' ? 'csv' : format === 'parquet' ? 'parquet' : 'ndjson'}`,
        ].sort(),
      );
      for (const file of written) {
        const bytes = readFileSync(file);
        leaks.push(...findLeaks(bytes.toString('latin1'), relative(data.dir, file)));
        leaks.push(...findLeaks(bytes.toString('utf8'), relative(data.dir, file)));
        if (file.endsWith('.parquet')) {
          // Parquet pages are compressed: read every value back and scan that as well.
          const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
          const rows = await parquetReadObjects({ file: ab });
          expect(rows.length).toBe(status.written);
          const text = rows
            .map((r) =>
              Object.values(r)
                .map((v) => (v instanceof Date ? v.toISOString() : String(v)))
                .join(','),
            )
            .join('\n');
          leaks.push(...findLeaks(text, `${relative(data.dir, file)} (decoded)`));
        }
      }
      expect(leaks).toEqual([]);
      // The files on disk are exactly what the manifest lists, with the hashes it states.
      const manifest = JSON.parse(
        readFileSync(
          written.find((f) => f.endsWith('manifest.json'))!,
          'utf8',
        ),
      ) as {
        files: { name: string; sha256: string; bytes: number }[];
      };
      for (const f of manifest.files) {
        const onDisk = readFileSync(written.find((w) => w.endsWith(`/${f.name}`))!);
        expect(onDisk.length).toBe(f.bytes);
        const { createHash } = await import('node:crypto');
        expect(createHash('sha256').update(onDisk).digest('hex')).toBe(f.sha256);
      }
      // One audit entry for the export, carrying the manifest's hash.
      const entry = audits.find(
        (a) => a.target === `export:${status.exportId}` && a.action === 'exports.completed',
      );
      expect(entry?.details?.manifestSha256).toBe(status.manifestSha256);
    });
  }

  it('the strict year-only profile leaks nothing either and shows only 1 January', async () => {
    const status = await exportAs('csv', 'safe-harbor-year');
    expect(status.state).toBe('done');
    const csv = readFileSync(status.files!.find((f) => f.kind === 'data')!.path, 'utf8');
    expect(findLeaks(csv, 'csv')).toEqual([]);
    const times = csv
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.split(',')[5]);
    expect(times.every((t) => /^\d{4}-01-01T00:00:00.000Z$/.test(t!))).toBe(true);
  });

  it('cancel leaves no file behind', async () => {
    const { status, done } = exporter.start(
      { product: 'vitals-raw', profile: 'safe-harbor', format: 'parquet' },
      who,
    );
    const final = await exporter.cancel(status.exportId);
    expect(final?.state).toBe('cancelled');
    expect((await done).state).toBe('cancelled');
    expect(
      filesUnder(datasetDir(data.dir)).filter((f) => f.includes(status.exportId) || f.includes('.partial')),
    ).toEqual([]);
    expect(
      audits.some((a) => a.action === 'exports.cancelled' && a.target === `export:${status.exportId}`),
    ).toBe(true);
  });

  it('a failure mid-write leaves no file behind and is audited', async () => {
    const small = new DatasetExporter({
      db: store.db,
      dataDir: data.dir,
      catalog: new ProductCatalog(store.db),
      profiles: new ProfileStore(store.db),
      audit: (e) => audits.push(e),
      logger: silentLogger(),
      pageSize: 200,
      maxFileBytes: 20_000,
    });
    const { status, done } = small.start(
      { product: 'vitals-raw', profile: 'safe-harbor', format: 'csv' },
      who,
    );
    const final = await done;
    expect(final.state).toBe('failed');
    expect(final.error).toMatch(/limit of 20000 bytes/);
    expect(
      filesUnder(datasetDir(data.dir)).filter((f) => f.includes(status.exportId) || f.includes('.partial')),
    ).toEqual([]);
    expect(
      audits.some((a) => a.action === 'exports.failed' && a.target === `export:${status.exportId}`),
    ).toBe(true);
  });
});
