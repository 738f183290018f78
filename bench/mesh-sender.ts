/**
 * The sending facility of bench/mesh.ts, in its own process (as a peer facility is): a real node
 * with seeded vitals, and a bare grpc-js server streaming the same batches pre-serialised.
 * Driven over IPC by the parent.
 */
import * as grpc from '@grpc/grpc-js';
import { storePatient, storeSeries, syntheticWard } from '../main/deid/test-fixtures';
import { COLUMNAR } from '../main/mesh/columnar';
import { rawPageSql } from '../main/products/source';
import { KEEPALIVE_OPTIONS, MeshClientCtor } from '../main/mesh/proto';
import { agree, startMeshNode } from '../main/mesh/test-mesh';

export type SenderRequest =
  | { op: 'start'; patients: number; perPatient: number; page: number }
  | { op: 'enrol'; bundle: string; fingerprint: string; page: number }
  | { op: 'stop' };

const send = (m: unknown) => process.send!(m);
let north: Awaited<ReturnType<typeof startMeshNode>> | undefined;
let bare: grpc.Server | undefined;

process.on('message', (m: SenderRequest) => {
  void (async () => {
    try {
      if (m.op === 'start') {
        north = await startMeshNode('Bench North', { mllpEnabled: false, meshPageSize: m.page });
        const db = north.node.store.db;
        const t0 = Date.parse('2024-01-01T00:00:00Z');
        for (const [i, p] of syntheticWard(m.patients).entries()) {
          storeSeries(
            db,
            storePatient(db, p),
            'hr',
            t0 + i * 1000,
            m.perPatient,
            5000,
            (j) => 60 + ((i + j) % 50),
          );
        }
        const { fingerprint, ...bundle } = north.node.mesh.bundle();
        send({ ok: true, bundle: JSON.stringify(bundle), fingerprint });
      } else if (m.op === 'enrol') {
        const node = north!.node;
        const peer = node.mesh.peers.import(m.bundle, node.mesh.identity.facilityId(), 'it1');
        node.mesh.peers.confirm(peer.facilityId, m.fingerprint, 'it1');
        const agreement = agree(
          node,
          { mesh: { identity: { facilityId: () => peer.facilityId } } } as never,
          {
            k: 2,
          },
        );
        // The bare server: same certificates, the same batches serialised before anyone pulls.
        const sender = node.mesh.sender;
        const plan = await sender.plan(agreement, 'vitals-raw', undefined);
        const serialize = MeshClientCtor.service.Pull!.responseSerialize;
        const bytes: Buffer[] = [];
        let from = '';
        const t = performance.now();
        for (const b of sender.batches(plan)) {
          // The encoding the node's puller asks for, so both runs carry the same bytes.
          bytes.push(serialize(sender.toWire(agreement, plan, from, b, COLUMNAR)));
          from = b.cursor;
        }
        const senderOnlyMs = performance.now() - t;
        // The floor under any send-time pipeline: the same pages of source rows read out of the
        // encrypted store with the pipeline's own statement, and nothing done with them.
        const q = plan.query;
        const page = node.store.db.prepare(rawPageSql(q.codes.length)).raw();
        const r0 = performance.now();
        let storeRows = 0;
        for (let after = 0; ;) {
          const rows = page.all(after, q.upTo, ...q.codes, q.from, q.to, m.page) as [number][];
          if (rows.length === 0) break;
          storeRows += rows.length;
          after = rows[rows.length - 1]![0];
        }
        const storeReadMs = performance.now() - r0;
        bare = new grpc.Server({ ...KEEPALIVE_OPTIONS });
        bare.addService(
          { Pull: { ...MeshClientCtor.service.Pull!, responseSerialize: (b: Buffer) => b } },
          {
            Pull: (call: grpc.ServerWritableStream<unknown, Buffer>) => {
              void (async () => {
                for (const b of bytes) if (!call.write(b)) await new Promise((r) => call.once('drain', r));
                call.end();
              })();
            },
          },
        );
        const id = node.mesh.identity.current();
        const port = await new Promise<number>((res, rej) =>
          bare!.bindAsync(
            '127.0.0.1:0',
            grpc.ServerCredentials.createSsl(
              Buffer.from(peer.caPem),
              [{ private_key: Buffer.from(id.node.keyPem), cert_chain: Buffer.from(id.node.certPem) }],
              true,
            ),
            (e, p) => (e ? rej(e) : res(p)),
          ),
        );
        send({
          ok: true,
          barePort: port,
          senderOnlyMs,
          storeReadMs,
          storeRows,
          batches: bytes.length,
          bytesPerBatch: Math.round(bytes.reduce((n, b) => n + b.length, 0) / bytes.length),
        });
      } else {
        bare?.forceShutdown();
        await north?.cleanup();
        send({ ok: true });
        process.exit(0);
      }
    } catch (error) {
      send({ ok: false, error: (error as Error).stack });
    }
  })();
});
