import type { Logger } from '../log/logger';
import type { ProfileStore } from '../deid/profile-store';
import type { ProductCatalog } from '../products/catalog';
import type { Db } from '../store/database';
import { ApiError } from '../../shared/api/errors';
import type { KeySourceKind } from '../../shared/api/node';
import { AgreementStore } from './agreements';
import { STORE_PLACEMENT, placeCaKey, type CaKeyLocation, type CaKeyPlacement } from './ca-key';
import { MeshIdentity, type AuditAppend } from './identity';
import { ENROLMENT_FORMAT, PeerStore, type EnrolmentBundle } from './peers';
import { MeshPuller } from './puller';
import { MeshScheduler } from './scheduler';
import { MeshSender } from './sender';
import { MeshServer } from './server';

const RENEW_CHECK_MS = 24 * 3600_000;

export interface MeshOptions {
  readonly db: Db;
  readonly facilityName: string;
  /** The listener's address; port undefined = the listener is off (pulling still works). */
  readonly host: string;
  readonly port: number | undefined;
  /** Host names (besides localhost/127.0.0.1) the node certificate names. */
  readonly hostNames?: readonly string[];
  readonly catalog: ProductCatalog;
  readonly profiles: ProfileStore;
  readonly audit: AuditAppend;
  readonly logger: Logger;
  readonly version: string;
  readonly pageSize?: number | undefined;
  /** Scheduled pull interval; 0 = only on demand. */
  readonly pullIntervalMs?: number;
  /**
   * The clock of agreement terms (start, expiry) and of closed aggregate buckets; tests hand in
   * one they move, so expiry mid-stream and bucket closing don't depend on a loaded machine's timing.
   */
  readonly now?: (() => number) | undefined;
  /** Where the CA key is wanted (meshCaKey) and what the node's keys come from (ca-key.ts). */
  readonly caKey?: {
    readonly wanted: CaKeyLocation | undefined;
    readonly keySource: KeySourceKind | undefined;
    readonly dataDir: string;
  };
}

/**
 * The mesh on one node: identity and PKI, peers, agreements (sender side), the mTLS listener and
 * the puller with its scheduler (receiver side).
 */
export class MeshService {
  readonly identity: MeshIdentity;
  readonly peers: PeerStore;
  readonly agreements: AgreementStore;
  readonly sender: MeshSender;
  readonly puller: MeshPuller;
  readonly scheduler: MeshScheduler;
  private server: MeshServer | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: MeshOptions,
    caKey: CaKeyPlacement,
  ) {
    this.identity = new MeshIdentity({
      db: options.db,
      facilityName: options.facilityName,
      hostNames: options.hostNames ?? [options.host],
      audit: options.audit,
      caKey,
    });
    this.peers = new PeerStore(options.db);
    this.agreements = new AgreementStore(options.db, options.now);
    this.sender = new MeshSender({
      db: options.db,
      catalog: options.catalog,
      profiles: options.profiles,
      agreements: this.agreements,
      pageSize: options.pageSize ?? 5000,
      now: options.now,
    });
    this.puller = new MeshPuller({
      db: options.db,
      identity: this.identity,
      peers: this.peers,
      audit: options.audit,
      logger: options.logger,
    });
    this.scheduler = new MeshScheduler(this.puller, options.logger, options.pullIntervalMs ?? 60_000);
  }

  /** Loads (or at first start creates) the identity and starts the listener when a port is set. */
  static async start(options: MeshOptions): Promise<MeshService> {
    const caKey = options.caKey ? await placeCaKey(options.caKey) : STORE_PLACEMENT;
    const mesh = new MeshService(options, caKey);
    await mesh.identity.ensure();
    const where = mesh.identity.caKeyStatus();
    if (where.note) options.logger.warn({ caKey: where.location }, where.note);
    else options.logger.info({ caKey: where.location }, `mesh CA key kept in the ${where.location}`);
    if (options.port !== undefined) {
      const server = new MeshServer({
        identity: mesh.identity,
        peers: mesh.peers,
        sender: mesh.sender,
        audit: options.audit,
        logger: options.logger,
        version: options.version,
        onAck: (peer, productId, cursor) =>
          options.db
            .prepare(
              `INSERT INTO mesh_sent_state (peer_facility_id, product_id, acked_cursor, acked_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (peer_facility_id, product_id) DO UPDATE SET acked_cursor = excluded.acked_cursor,
               acked_at = excluded.acked_at`,
            )
            .run(peer.facilityId, productId, cursor, Date.now()),
      });
      mesh.agreements.onRevoke((id) => server.agreementRevoked(id));
      await server.listen(options.host, options.port);
      mesh.server = server;
      options.logger.info({ host: options.host, port: server.port }, 'mesh listener up (mutual TLS)');
    }
    mesh.scheduler.start();
    // Daily: the node certificate is renewed 30 days before it expires (audited by the identity);
    // the listener and new channels pick the new one up at once.
    mesh.renewTimer = setInterval(() => {
      mesh
        .renew()
        .catch((error: unknown) => options.logger.error({ err: error }, 'mesh certificate renewal failed'));
    }, RENEW_CHECK_MS);
    mesh.renewTimer.unref();
    return mesh;
  }

  get displayName(): string {
    return this.options.facilityName;
  }

  /** The bound listener port, or undefined when the listener is off. */
  get port(): number | undefined {
    return this.server?.port;
  }

  get endpoint(): string | undefined {
    return this.server ? `${this.options.host}:${this.server.port}` : undefined;
  }

  /** What IT hands to a peer: facility id, name, endpoint and CA certificate — public material only. */
  bundle(): EnrolmentBundle & { fingerprint: string } {
    const endpoint = this.endpoint;
    if (!endpoint) {
      throw new ApiError(
        'conflict',
        'the mesh listener is off: start the node with --mesh-port (or VITALMESH_MESH_PORT)',
      );
    }
    const id = this.identity.current();
    return {
      format: ENROLMENT_FORMAT,
      facilityId: id.facilityId,
      displayName: this.options.facilityName,
      endpoint,
      caCertificate: id.ca.certPem,
      fingerprint: id.ca.fingerprint,
    };
  }

  /** Renews the node certificate when due (called daily by the node). */
  async renew(): Promise<void> {
    await this.identity.ensure();
    const problem = this.identity.caKeyStatus().note;
    if (problem) this.options.logger.warn({ caKey: this.identity.caKeyStatus().location }, problem);
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    this.scheduler.stop();
    await this.puller.close();
    await this.scheduler.idle();
    await this.server?.close();
  }
}
