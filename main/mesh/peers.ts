import { z } from 'zod';
import { ApiError } from '../../shared/api/errors';
import type { Db } from '../store/database';
import { describeCaCertificate } from './pki';

export const ENROLMENT_FORMAT = 'vitalmesh-enrolment/1';

/** What IT hands to a peer facility (and imports from it): public material only. */
export const enrolmentBundleSchema = z
  .object({
    format: z.literal(ENROLMENT_FORMAT),
    facilityId: z.string().min(1).max(128),
    displayName: z.string().min(1).max(200),
    /** host:port of the facility's mesh listener. */
    endpoint: z.string().min(3).max(300),
    caCertificate: z.string().min(100).max(20_000),
  })
  .strict();
export type EnrolmentBundle = z.infer<typeof enrolmentBundleSchema>;

export type PeerStatus = 'pending' | 'active' | 'suspended';

export interface Peer {
  readonly facilityId: string;
  readonly displayName: string;
  readonly endpoint: string;
  readonly caPem: string;
  readonly caFingerprint: string;
  readonly status: PeerStatus;
  readonly importedBy: string;
  readonly importedAt: number;
  readonly confirmedBy: string | null;
  readonly confirmedAt: number | null;
  readonly lastContactAt: number | null;
  readonly lastContact: string | null;
}

type PeerRow = {
  facility_id: string;
  display_name: string;
  endpoint: string;
  ca_pem: string;
  ca_fingerprint: string;
  status: PeerStatus;
  imported_by: string;
  imported_at: number;
  confirmed_by: string | null;
  confirmed_at: number | null;
  last_contact_at: number | null;
  last_contact: string | null;
};

const toPeer = (r: PeerRow): Peer => ({
  facilityId: r.facility_id,
  displayName: r.display_name,
  endpoint: r.endpoint,
  caPem: r.ca_pem,
  caFingerprint: r.ca_fingerprint,
  status: r.status,
  importedBy: r.imported_by,
  importedAt: r.imported_at,
  confirmedBy: r.confirmed_by,
  confirmedAt: r.confirmed_at,
  lastContactAt: r.last_contact_at,
  lastContact: r.last_contact,
});

/** Fingerprints compare without case, colons or spaces: people read them aloud or paste them. */
export const normaliseFingerprint = (f: string): string => f.replace(/[^0-9a-f]/gi, '').toUpperCase();

/**
 * Enrolled peer facilities. A peer is trusted only while active; every change tells the
 * listeners (the gRPC server's trust, open connections) at once.
 */
export class PeerStore {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Peer[] {
    return (this.db.prepare('SELECT * FROM mesh_peers ORDER BY display_name').all() as PeerRow[]).map(toPeer);
  }

  get(facilityId: string): Peer | undefined {
    const row = this.db.prepare('SELECT * FROM mesh_peers WHERE facility_id = ?').get(facilityId) as
      PeerRow | undefined;
    return row && toPeer(row);
  }

  require(facilityId: string): Peer {
    const peer = this.get(facilityId);
    if (!peer) throw new ApiError('not_found', `no enrolled peer ${facilityId}`);
    return peer;
  }

  active(): Peer[] {
    return this.list().filter((p) => p.status === 'active');
  }

  /** Parses a bundle, checks its CA, and records the peer as pending until IT confirms. */
  import(text: string, ownFacilityId: string, by: string): Peer {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError('bad_request', 'the enrolment bundle is not JSON');
    }
    const parsed = enrolmentBundleSchema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(
        'bad_request',
        `not a VitalMesh enrolment bundle: ${parsed.error.issues[0]?.message}`,
      );
    }
    const bundle = parsed.data;
    if (bundle.facilityId === ownFacilityId) {
      throw new ApiError('conflict', 'that is this facility’s own enrolment bundle');
    }
    let ca: ReturnType<typeof describeCaCertificate>;
    try {
      ca = describeCaCertificate(bundle.caCertificate);
    } catch (error) {
      throw new ApiError(
        'bad_request',
        `the bundle's CA certificate is unusable: ${(error as Error).message}`,
      );
    }
    if (!ca.facilityIds.includes(bundle.facilityId)) {
      throw new ApiError('bad_request', 'the CA certificate does not name the facility id of the bundle');
    }
    if (this.get(bundle.facilityId)) {
      throw new ApiError(
        'conflict',
        `peer ${bundle.facilityId} is already enrolled; remove it first to re-enrol`,
      );
    }
    this.db
      .prepare(
        `INSERT INTO mesh_peers (facility_id, display_name, endpoint, ca_pem, ca_fingerprint, status,
           imported_by, imported_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        bundle.facilityId,
        bundle.displayName,
        bundle.endpoint,
        bundle.caCertificate,
        ca.fingerprint,
        by,
        this.now(),
      );
    return this.require(bundle.facilityId);
  }

  /** Activates a pending peer once IT has compared the fingerprint with the peer's, out of band. */
  confirm(facilityId: string, fingerprint: string, by: string): Peer {
    const peer = this.require(facilityId);
    if (peer.status !== 'pending') throw new ApiError('conflict', `peer is ${peer.status}, not pending`);
    if (normaliseFingerprint(fingerprint) !== normaliseFingerprint(peer.caFingerprint)) {
      throw new ApiError('conflict', 'the fingerprint does not match the imported CA certificate');
    }
    this.db
      .prepare(
        `UPDATE mesh_peers SET status = 'active', confirmed_by = ?, confirmed_at = ? WHERE facility_id = ?`,
      )
      .run(by, this.now(), facilityId);
    this.changed();
    return this.require(facilityId);
  }

  setSuspended(facilityId: string, suspended: boolean): Peer {
    const peer = this.require(facilityId);
    const from: PeerStatus = suspended ? 'active' : 'suspended';
    if (peer.status !== from) throw new ApiError('conflict', `peer is ${peer.status}, not ${from}`);
    this.db
      .prepare('UPDATE mesh_peers SET status = ? WHERE facility_id = ?')
      .run(suspended ? 'suspended' : 'active', facilityId);
    this.changed();
    return this.require(facilityId);
  }

  remove(facilityId: string): void {
    this.require(facilityId);
    this.db.prepare('DELETE FROM mesh_peers WHERE facility_id = ?').run(facilityId);
    this.changed();
  }

  noteContact(facilityId: string, what: string): void {
    this.db
      .prepare('UPDATE mesh_peers SET last_contact_at = ?, last_contact = ? WHERE facility_id = ?')
      .run(this.now(), what.slice(0, 200), facilityId);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
