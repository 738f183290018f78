import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cipherLayoutOf, keyingPragmas } from '../store/database';
import { readKeyFile } from '../store/key-file';
import { databasePath, openStore, type Store } from '../store/store';
import { keyFileNode } from '../testing/key-file-node';
import { AuditChain, type AuditInput } from './chain';

let cleanup: () => void;
let dataDir: string;
let keyFile: string;
let store: Store;
let chain: AuditChain;

const entry = (i: number): AuditInput => ({
  actor: `user${i % 3}`,
  actorId: i % 3,
  role: 'clinician',
  host: 'console',
  remoteAddress: '127.0.0.1',
  action: i % 2 ? 'patients.get' : 'vitals.history',
  patientId: 100 + (i % 5),
  outcome: 'ok',
  details: { i },
});

beforeEach(async () => {
  const node = await keyFileNode();
  ({ cleanup, dataDir, keyFile } = node);
  const keys = node.keys;
  store = await openStore(dataDir, keys);
  chain = new AuditChain(store.db, await keys.load('audit', { create: true }));
  for (let i = 1; i <= 10; i++) chain.append(entry(i));
});
afterEach(() => {
  store.close();
  cleanup();
});

/**
 * What someone holding only the database key can do: open the encrypted file with their own
 * connection and run any SQL. They don't have the audit key.
 */
function tamper(sql: string): void {
  const raw = new Database(databasePath(dataDir));
  for (const pragma of keyingPragmas(cipherLayoutOf(store.db), readKeyFile(keyFile))) raw.pragma(pragma);
  raw.exec(sql);
  raw.close();
}

describe('audit chain', () => {
  it('verifies an untouched chain, and keeps seq and time in order', () => {
    expect(chain.verify()).toEqual({ ok: true, checked: 10, lastSeq: 10 });
    const rows = store.db.prepare('SELECT seq, at FROM audit_log ORDER BY seq').all() as {
      seq: number;
      at: number;
    }[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.at).toBeGreaterThanOrEqual(rows[i - 1]!.at);
  });

  it('detects an edited entry', () => {
    tamper(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4`);
    expect(chain.verify().firstBroken).toEqual({ seq: 4, problem: 'altered' });
  });

  it('detects edited details, even a changed outcome', () => {
    tamper(`UPDATE audit_log SET outcome = 'forbidden' WHERE seq = 7`);
    expect(chain.verify().firstBroken).toEqual({ seq: 7, problem: 'altered' });
  });

  it('detects a deleted entry in the middle', () => {
    tamper('DELETE FROM audit_log WHERE seq = 5');
    expect(chain.verify()).toMatchObject({ ok: false, firstBroken: { seq: 5, problem: 'missing' } });
  });

  it('detects entries cut off the end', () => {
    tamper('DELETE FROM audit_log WHERE seq >= 9');
    expect(chain.verify()).toMatchObject({
      ok: false,
      checked: 8,
      firstBroken: { seq: 9, problem: 'missing' },
    });
  });

  it('detects reordered entries (two rows swapping places)', () => {
    tamper(`
      UPDATE audit_log SET seq = -1 WHERE seq = 3;
      UPDATE audit_log SET seq = 3 WHERE seq = 6;
      UPDATE audit_log SET seq = 6 WHERE seq = -1;
    `);
    expect(chain.verify().firstBroken).toEqual({ seq: 3, problem: 'altered' });
  });

  it('detects a renumbered chain after a deletion (gap closed by hand)', () => {
    tamper('DELETE FROM audit_log WHERE seq = 2; UPDATE audit_log SET seq = seq - 1 WHERE seq > 2');
    expect(chain.verify().firstBroken).toEqual({ seq: 2, problem: 'altered' });
  });

  it('detects a forged entry whose MAC was computed without the audit key', () => {
    tamper(`
      INSERT INTO audit_log (seq, at, actor, host, action, outcome, mac)
      VALUES (11, 9999999999999, 'intruder', 'console', 'users.add', 'ok', randomblob(32));
    `);
    expect(chain.verify().firstBroken).toEqual({ seq: 11, problem: 'altered' });
  });

  it('detects a forged head', () => {
    tamper('UPDATE audit_head SET seq = 8');
    expect(chain.verify().firstBroken).toEqual({ seq: 8, problem: 'head_altered' });
  });

  it('keeps appending and verifying after many entries in one transaction', () => {
    chain.appendMany(Array.from({ length: 500 }, (_, i) => entry(i)));
    expect(chain.verify()).toEqual({ ok: true, checked: 510, lastSeq: 510 });
  });

  it('refuses to verify with another key', async () => {
    const other = new AuditChain(store.db, Buffer.alloc(32, 7));
    expect(other.verify().firstBroken).toEqual({ seq: 1, problem: 'altered' });
  });
});
