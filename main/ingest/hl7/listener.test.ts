import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { opensslIssued, opensslSelfSigned } from '../../testing/openssl';
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import { startListener, type Listener, type TlsOptions } from './listener';
import { frame, MllpFramer } from './mllp';
import { createIngest, type Ingest } from './pipeline';
import { FIND_PATIENT_BY_IDENTIFIER_SQL } from '../store-sql';
import { FIND_ACCEPTED_SQL } from './repository';
import { openScratchStore, silentLogger } from './test-support';

const oru = (
  id: string,
  opts: {
    mrn?: string;
    family?: string;
    dob?: string;
    address?: string;
    hr?: string;
    msh15?: string;
    msh16?: string;
  } = {},
) =>
  [
    `MSH|^~\\&|MON^0001^EUI-64|ICU|VM|FAC|20240301120000+0000||ORU^R01^ORU_R01|${id}|P|2.6|||${opts.msh15 ?? ''}|${opts.msh16 ?? ''}`,
    `PID|||${opts.mrn ?? 'MRN1'}^^^HOSP^MR||${opts.family ?? 'Doe'}^Jane||${opts.dob ?? '19700101'}|F|||${opts.address ?? ''}`,
    'PV1||I|ICU^12^A',
    'OBR|1|||182777000^monitoring of patient^SCT|||20240301120000+0000',
    `OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${opts.hr ?? '72'}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20240301120000+0000`,
    'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||F',
  ].join('\r');

let store: ReturnType<typeof openScratchStore> | undefined;
let listener: Listener | undefined;
let ingest: Ingest;

async function start(options: { maxFrameBytes?: number; tls?: TlsOptions } = {}) {
  store = openScratchStore();
  const logger = silentLogger();
  ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger });
  listener = await startListener({ ingest, logger, port: 0, ...options });
  return { db: store.db, port: listener.port };
}

afterEach(async () => {
  await listener?.close();
  store?.close();
  listener = undefined;
  store = undefined;
});

/** A raw MLLP peer: write whatever bytes, read ACK frames. */
function peer(socket: Socket) {
  const acks: string[] = [];
  const waiters: (() => void)[] = [];
  const framer = new MllpFramer(1 << 20, {
    onFrame: (p) => {
      acks.push(p.toString('utf8'));
      waiters.splice(0).forEach((w) => w());
    },
    onOversized: () => undefined,
    onJunk: () => undefined,
  });
  socket.on('data', (d: Buffer) => framer.push(d));
  return {
    acks,
    async waitFor(n: number, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (acks.length < n) {
        if (Date.now() > until) throw new Error(`got ${acks.length} of ${n} ACKs`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return acks.map((a) => a.split('\r').find((s) => s.startsWith('MSA')) ?? '');
    },
  };
}

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });

describe('MLLP listener over raw sockets', () => {
  it('handles frames split across writes, two frames in one write, and junk between frames', async () => {
    const { port, db } = await start();
    const socket = await open(port);
    const p = peer(socket);
    const a = frame(oru('A1'));
    socket.write(a.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(a.subarray(10, a.length - 1)); // FS now, CR in the next write
    await new Promise((r) => setTimeout(r, 20));
    socket.write(
      Buffer.concat([a.subarray(a.length - 1), Buffer.from('\r\n junk'), frame(oru('A2')), frame(oru('A3'))]),
    );
    const msas = await p.waitFor(3);
    expect(msas).toEqual([
      'MSA|AA|A1|stored 2 observations',
      'MSA|AA|A2|stored 2 observations',
      'MSA|AA|A3|stored 2 observations',
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM observations').get()).toEqual({ n: 6 });
    expect(ingest.counters.junkBytes).toBe(7);
    socket.destroy();
  });

  it('refuses an oversized frame with AR naming its control id, and keeps serving the connection', async () => {
    const { port } = await start({ maxFrameBytes: 4096 });
    const socket = await open(port);
    const p = peer(socket);
    const huge = oru('BIG') + '\rNTE|1||' + 'x'.repeat(2_000_000);
    socket.write(frame(huge));
    socket.write(frame(oru('SMALL')));
    const msas = await p.waitFor(2);
    expect(msas[0]).toMatch(/^MSA\|AR\|BIG\|message of \d+ bytes exceeds the 4096-byte limit/);
    expect(msas[1]).toMatch(/^MSA\|AA\|SMALL/);
    socket.destroy();
  });

  it('acknowledges a resend AA without storing it twice, also within one group commit', async () => {
    const { port, db } = await start();
    const socket = await open(port);
    const p = peer(socket);
    socket.write(Buffer.concat([frame(oru('D1')), frame(oru('D1'))]));
    await p.waitFor(2);
    socket.write(frame(oru('D1')));
    const msas = await p.waitFor(3);
    expect(msas.every((m) => m.startsWith('MSA|AA|D1'))).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM observations').get()).toEqual({ n: 2 });
    expect(
      db.prepare('SELECT outcome, count(*) AS n FROM hl7_messages GROUP BY outcome ORDER BY outcome').all(),
    ).toEqual([
      { outcome: 'accepted', n: 1 },
      { outcome: 'duplicate', n: 2 },
    ]);
    socket.destroy();
  });

  it('answers enhanced mode per MSH-15/16: CA then AA, or only the one asked for', async () => {
    const { port } = await start();
    const socket = await open(port);
    const p = peer(socket);
    socket.write(frame(oru('E1', { msh15: 'AL', msh16: 'AL' })));
    await p.waitFor(2);
    socket.write(frame(oru('E2', { msh15: 'NE', msh16: 'ER' }))); // success: no ACK at all
    socket.write(frame(oru('E3', { msh15: 'ER', msh16: 'ER', hr: 'abc' }))); // error: CE then AE
    const msas = await p.waitFor(4);
    expect(msas.map((m) => m.split('|').slice(1, 3).join(' '))).toEqual(['CA E1', 'AA E1', 'CE E3', 'AE E3']);
    expect(p.acks[3]).toContain('ERR||OBX^5^5|102^Data type error^HL70357|E||||OBX-5');
    socket.destroy();
  });

  it('matches patients by identifier + authority and flags conflicting demographics', async () => {
    const { port, db } = await start();
    const socket = await open(port);
    const p = peer(socket);
    socket.write(frame(oru('P1')));
    socket.write(
      frame(oru('P2', { family: 'Smith', dob: '19800101', address: '1 Main St^^Boston^MA^02134' })),
    );
    socket.write(frame(oru('P3', { mrn: 'MRN2', address: '9 Elm St^^Concord^MA^01742' })));
    socket.write(frame(oru('P4', { address: '5 Oak Rd^^Salem^MA^01970' })));
    await p.waitFor(4);
    // PID-11.5 fills a missing ZIP and never overwrites a known one.
    expect(db.prepare('SELECT patient_id, zip FROM patient_zip ORDER BY patient_id').all()).toEqual([
      { patient_id: 1, zip: '02134' },
      { patient_id: 2, zip: '01742' },
    ]);
    const patients = db
      .prepare('SELECT id, family_name, birth_date, demographics_conflict FROM patients ORDER BY id')
      .all();
    expect(patients).toEqual([
      { id: 1, family_name: 'Doe', birth_date: '1970-01-01', demographics_conflict: 1 },
      { id: 2, family_name: 'Doe', birth_date: '1970-01-01', demographics_conflict: 0 },
    ]);
    expect(db.prepare('SELECT field, stored, received FROM patient_conflicts ORDER BY id').all()).toEqual([
      { field: 'family_name', stored: 'Doe', received: 'Smith' },
      { field: 'birth_date', stored: '1970-01-01', received: '1980-01-01' },
    ]);
    // Each message row names its patient, and each conflict the message that brought it.
    expect(
      db
        .prepare("SELECT control_id, patient_id FROM hl7_messages WHERE outcome = 'accepted' ORDER BY id")
        .all(),
    ).toEqual([
      { control_id: 'P1', patient_id: 1 },
      { control_id: 'P2', patient_id: 1 },
      { control_id: 'P3', patient_id: 2 },
      { control_id: 'P4', patient_id: 1 },
    ]);
    expect(
      db
        .prepare(
          'SELECT DISTINCT m.control_id FROM patient_conflicts c JOIN hl7_messages m ON m.id = c.message_id',
        )
        .all(),
    ).toEqual([{ control_id: 'P2' }]);
    socket.destroy();
  });

  it('serves many connections at once', async () => {
    const { port, db } = await start();
    const sockets = await Promise.all(Array.from({ length: 50 }, () => open(port)));
    const peers = sockets.map((s) => peer(s));
    sockets.forEach((s, i) => s.write(frame(oru(`C${i}`, { mrn: `M${i % 5}` }))));
    await Promise.all(peers.map((p) => p.waitFor(1)));
    expect(listener?.connections()).toHaveLength(50);
    expect(db.prepare('SELECT count(*) AS n FROM hl7_messages').get()).toEqual({ n: 50 });
    sockets.forEach((s) => s.destroy());
  });

  it('commits everything that arrived in one turn of the event loop in one transaction, then ACKs each', async () => {
    const { db } = await start();
    const before = ingest.counters.commits;
    const conn = { id: 0, remote: 'test' };
    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) => ingest.receive(Buffer.from(oru(`G${i}`)), conn)),
    );
    expect(ingest.counters.commits - before).toBe(1);
    expect(acks.every((a) => a.length === 1 && a[0]?.includes('MSA|AA|G'))).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM observations').get()).toEqual({ n: 400 });
  });

  it('keeps the hot queries on their indexes', async () => {
    const { db } = await start();
    const plan = (sql: string, ...args: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    expect(plan(FIND_ACCEPTED_SQL, 'a', 'b')).toMatch(/USING (COVERING )?INDEX hl7_messages_dedupe/);
    expect(plan(FIND_PATIENT_BY_IDENTIFIER_SQL, 'a', 'b')).toMatch(
      /USING (PRIMARY KEY|INDEX sqlite_autoindex_patient_identifiers)/,
    );
  });
});

/** A CA, a server certificate for localhost and a client one (CN monitor-1), made with openssl. */
function tlsFiles(): (file: string) => Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'vm-mllp-tls-'));
  opensslSelfSigned(dir, 'ca', 'Test CA');
  opensslIssued(dir, 'server', 'localhost', { ca: 'ca' });
  opensslIssued(dir, 'client', 'monitor-1', { ca: 'ca' });
  return (f: string) => readFileSync(join(dir, f));
}

describe('MLLP over mutual TLS', () => {
  it('accepts a client with a certificate from the configured CA and refuses one without', async () => {
    const read = tlsFiles();
    const { port } = await start({
      tls: { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requireClientCert: true },
    });
    const good = tlsConnect({
      port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: read('ca.crt'),
      key: read('client.key'),
      cert: read('client.crt'),
    });
    await new Promise((r) => good.once('secureConnect', r));
    const p = peer(good);
    good.write(frame(oru('T1')));
    expect((await p.waitFor(1))[0]).toMatch(/^MSA\|AA\|T1/);
    expect(listener?.connections()[0]?.peer).toBe('monitor-1');
    good.destroy();

    const bad = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ca: read('ca.crt') });
    const outcome = await new Promise<string>((resolve) => {
      bad.on('error', () => resolve('refused'));
      bad.on('close', () => resolve('refused'));
      bad.on('data', () => resolve('answered'));
      bad.on('secureConnect', () => bad.write(frame(oru('T2'))));
    });
    expect(outcome).toBe('refused');
  });

  it('closes within a bound while a client stalls its TLS handshake', async () => {
    const read = tlsFiles();
    const { port } = await start({ tls: { key: read('server.key'), cert: read('server.crt') } });
    // Connected, never says hello: not a connection the listener knows yet, but one the server holds.
    const stalled = connect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    await new Promise((r) => stalled.once('connect', r));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await listener!.close();
    listener = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
    stalled.destroy();
  });
});
