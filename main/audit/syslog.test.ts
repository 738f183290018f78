import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { opensslIssued, opensslSelfSigned } from '../testing/openssl';
import { createLogger } from '../log/logger';
import { openStore, type Store } from '../store/store';
import { keyFileNode } from '../testing/key-file-node';
import { AuditChain } from './chain';
import { SYSLOG_STOP_FLUSH_MS, SyslogForwarder } from './syslog';

/** A CA and a server certificate for 127.0.0.1, made with the openssl command line. */
function makeCertificates(dir: string): { ca: Buffer; key: Buffer; cert: Buffer; otherCa: Buffer } {
  opensslSelfSigned(dir, 'ca', 'ca');
  opensslSelfSigned(dir, 'other-ca', 'other-ca');
  opensslIssued(dir, 'siem', 'siem', { ca: 'ca', subjectAltName: 'IP:127.0.0.1' });
  const read = (f: string) => readFileSync(join(dir, f));
  return { ca: read('ca.crt'), key: read('siem.key'), cert: read('siem.crt'), otherCa: read('other-ca.crt') };
}

/** A TLS syslog receiver that parses RFC 5425 octet-counted frames. */
class Receiver {
  readonly messages: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<TLSSocket>();
  constructor(private readonly tls: { key: Buffer; cert: Buffer }) {}

  /** `read: false` is a SIEM that accepts and then stops reading (hung, or its disk full). */
  async listen(port = 0, { read = true } = {}): Promise<number> {
    this.server = createServer(this.tls, (socket) => {
      this.sockets.add(socket);
      if (!read) socket.pause();
      socket.on('close', () => this.sockets.delete(socket));
      let buffer = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        buffer = Buffer.concat([buffer, data]);
        for (;;) {
          const space = buffer.indexOf(0x20);
          if (space < 0) return;
          const length = Number(buffer.subarray(0, space).toString('ascii'));
          if (!Number.isInteger(length) || length <= 0) throw new Error('bad frame');
          if (buffer.length < space + 1 + length) return;
          this.messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
          buffer = buffer.subarray(space + 1 + length);
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The SIEM goes away: the listener closes and open connections are cut. */
  async kill(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  seqs(): number[] {
    return [...new Set(this.messages.map((m) => Number(/ seq="(\d+)"/.exec(m)?.[1])))].sort((a, b) => a - b);
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let cleanup: () => void;
let dir: string;
let store: Store;
let chain: AuditChain;
const logger = createLogger({ level: 'silent' });
const append = (n: number) => {
  for (let i = 0; i < n; i++) {
    chain.append({
      actor: 'bob',
      role: 'clinician',
      host: 'console',
      action: 'patients.get',
      patientId: 5,
      outcome: 'ok',
    });
  }
};

beforeEach(async () => {
  const node = await keyFileNode();
  ({ dir, cleanup } = node);
  const keys = node.keys;
  store = await openStore(node.dataDir, keys);
  chain = new AuditChain(store.db, await keys.load('audit', { create: true }));
});
afterEach(() => {
  store.close();
  cleanup();
});

describe('syslog forwarding over TLS (RFC 5424 / RFC 5425)', () => {
  it('delivers every entry, including those made while the SIEM was down and the node stopped', async () => {
    const certs = makeCertificates(dir);
    const receiver = new Receiver(certs);
    const port = await receiver.listen();
    const target = { host: '127.0.0.1', port, ca: certs.ca };
    const options = { facility: 'Test Facility', logger, retryMs: 100, settleMs: 150 };

    append(3);
    let forwarder = new SyslogForwarder(store.db, target, options);
    forwarder.start();
    await until(() => receiver.seqs().length === 3);
    await until(() => forwarder.delivered() === 3);

    // RFC 5424 header, structured data with seq and MAC, BOM, then a FHIR AuditEvent.
    const message = receiver.messages[0]!;
    expect(message).toMatch(
      /^<109>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ vitalmesh \d+ AuditEvent \[vitalmesh@32473 seq="1" outcome="ok" mac="[0-9a-f]{64}"\] \ufeff\{/,
    );
    expect(JSON.parse(message.slice(message.indexOf('\ufeff') + 1))).toMatchObject({
      resourceType: 'AuditEvent',
    });

    // The SIEM goes down; entries keep coming; then the node stops too.
    await receiver.kill();
    append(4);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await forwarder.stop();
    expect(forwarder.delivered()).toBe(3);

    // Both come back: a new forwarder (a restarted node) resumes from the stored cursor.
    const again = new Receiver(certs);
    await again.listen(port);
    forwarder = new SyslogForwarder(store.db, target, options);
    forwarder.start();
    await until(() => again.seqs().join() === '4,5,6,7');
    await until(() => forwarder.delivered() === 7);
    append(2);
    await until(() => again.seqs().length === 6);
    await forwarder.stop();
    await again.kill();
    expect([...new Set([...receiver.seqs(), ...again.seqs()])]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('sends nothing to a receiver whose certificate does not chain to the configured CA', async () => {
    const certs = makeCertificates(dir);
    const receiver = new Receiver(certs);
    const port = await receiver.listen();
    append(2);
    const forwarder = new SyslogForwarder(
      store.db,
      { host: '127.0.0.1', port, ca: certs.otherCa },
      { facility: 'Test', logger, retryMs: 100, settleMs: 100 },
    );
    forwarder.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await forwarder.stop();
    await receiver.kill();
    expect(receiver.messages).toEqual([]);
    expect(forwarder.delivered()).toBe(0);
  });

  it('stops within a bound when the SIEM has stopped reading', async () => {
    const certs = makeCertificates(dir);
    const receiver = new Receiver(certs);
    const port = await receiver.listen(0, { read: false });
    // Far more than loopback and TLS buffers hold: the forwarder's writes back up.
    store.db.transaction(() => append(20_000))();
    const forwarder = new SyslogForwarder(
      store.db,
      { host: '127.0.0.1', port, ca: certs.ca },
      { facility: 'Test', logger, retryMs: 100, settleMs: 100 },
    );
    forwarder.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = Date.now();
    await forwarder.stop();
    // A node stopping must not wait on its SIEM; what it didn't take is sent after the restart.
    expect(Date.now() - started).toBeLessThan(SYSLOG_STOP_FLUSH_MS + 2000);
    expect(forwarder.delivered()).toBeLessThan(20_000);
    await receiver.kill();
  });
});
