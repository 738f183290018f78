import * as grpc from '@grpc/grpc-js';
import type { IdentitySnapshot } from './identity';
import type { Peer } from './peers';
import { facilityIdsFromSan } from './pki';
import { KEEPALIVE_OPTIONS, MeshClientCtor } from './proto';

export const UNARY_DEADLINE_MS = 10_000;

/**
 * HTTP/2 flow-control window the puller grants (connection and stream), instead of 64 KiB. While
 * the puller commits a batch it reads nothing, so with 64 KiB the sender can't get the next batch
 * across until the commit is done; with room for a few batches it can. In bench/mesh.ts (where the
 * sender's pipeline, not the puller, is the bottleneck) A/B runs showed no difference beyond the
 * noise of a loaded machine; it matters when the puller is the slower side. The sender still
 * checks the agreement before each batch it writes.
 */
export const RECEIVE_WINDOW_BYTES = 8 * 1024 * 1024;
const RECEIVE_WINDOW_OPTIONS = { 'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES } as const;
/** A pull may run long; it ends with a status well before the next scheduled one. */
export const PULL_DEADLINE_MS = 10 * 60_000;

/**
 * A client for one peer: our node certificate as the client identity, the peer's CA as the only
 * trust root, and the server certificate's facility SAN checked against the peer we meant to
 * reach — a certificate from the right CA for another facility id is refused too.
 */
export function meshClient(peer: Peer, identity: IdentitySnapshot): grpc.Client {
  const creds = grpc.credentials.createSsl(
    Buffer.from(peer.caPem),
    Buffer.from(identity.node.keyPem),
    Buffer.from(identity.node.certPem),
    {
      checkServerIdentity: (_host, cert) => {
        const ids = facilityIdsFromSan(cert.subjectaltname);
        if (ids.length !== 1 || ids[0] !== peer.facilityId) {
          return new Error(
            `the server at ${peer.endpoint} is not facility ${peer.facilityId} (its certificate names ${ids.join(', ') || 'none'})`,
          );
        }
        return undefined;
      },
    },
  );
  return new MeshClientCtor(peer.endpoint, creds, { ...KEEPALIVE_OPTIONS, ...RECEIVE_WINDOW_OPTIONS });
}

export const deadline = (ms: number): Date => new Date(Date.now() + ms);

type UnaryFn = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

export function unary(
  client: grpc.Client,
  rpc: 'Health' | 'GetCatalog' | 'Ack',
  req: unknown,
): Promise<unknown> {
  const fn = (client as unknown as Record<string, UnaryFn>)[rpc]!.bind(client);
  return new Promise((resolve, reject) => {
    fn(req, new grpc.Metadata(), { deadline: deadline(UNARY_DEADLINE_MS) }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

export function pullStream(
  client: grpc.Client,
  req: { productId: string; cursor: string; maxBatches: number; accept?: readonly string[] },
): grpc.ClientReadableStream<unknown> {
  const fn = (
    client as unknown as Record<
      string,
      (r: unknown, o: grpc.CallOptions) => grpc.ClientReadableStream<unknown>
    >
  ).Pull!.bind(client);
  return fn(req, { deadline: deadline(PULL_DEADLINE_MS) });
}

/** A gRPC error as people read it: the status name and the server's reason. */
export function describeGrpcError(error: unknown): string {
  const e = error as Partial<grpc.ServiceError>;
  if (typeof e.code === 'number') return `${grpc.status[e.code]}: ${e.details || e.message}`;
  return (error as Error).message;
}
