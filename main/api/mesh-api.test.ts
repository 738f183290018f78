import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { seedWard, startMeshNode, type MeshTestNode } from '../mesh/test-mesh';

/**
 * The mesh API through the dispatcher on two real nodes: enrolment with the fingerprint check,
 * two-person approval (a compliance officer who didn't draft it), preview, pull, revocation;
 * every change in the audit with its target.
 */
let north: MeshTestNode;
let south: MeshTestNode;
const tokens: Record<string, string> = {};

const call = (t: MeshTestNode, who: string, method: string, input: unknown) =>
  t.node.api.call({ host: 'console', token: tokens[`${t.node.config.facilityName}/${who}`] }, method, input);
const value = async <T = Record<string, unknown>>(p: ReturnType<typeof call>): Promise<T> => {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
};
const lastAudit = (t: MeshTestNode, action: string) =>
  t.node.store.db
    .prepare(
      'SELECT actor, target, outcome, details FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1',
    )
    .get(action) as { actor: string; target: string | null; outcome: string; details: string };

beforeAll(async () => {
  [north, south] = await Promise.all([
    startMeshNode('North General', { mllpEnabled: false }),
    startMeshNode('South Clinic', { mllpEnabled: false }),
  ]);
  seedWard(north.node, 20, 30);
  const passwordHash = await hashPassword('mesh-api-test-password');
  for (const t of [north, south]) {
    for (const [username, role] of [
      ['it', 'it_admin'],
      ['it2', 'it_admin'],
      ['co', 'compliance_officer'],
      ['res', 'researcher'],
    ] as const) {
      const user = t.node.access.users.add({ username, displayName: username, role, passwordHash });
      tokens[`${t.node.config.facilityName}/${username}`] = t.node.access.sessions.create(
        user.id,
        'console',
      ).token;
    }
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([south?.cleanup(), north?.cleanup()]);
});

describe('mesh API', () => {
  let northId: string;
  let southId: string;
  let agreementId: string;

  it('enrols both ways: import shows the fingerprint, a wrong one is refused, the right one activates', async () => {
    const nId = await value<{ bundle: string; caFingerprint: string; facilityId: string }>(
      call(north, 'it', 'mesh.identity', {}),
    );
    const sId = await value<{ bundle: string; caFingerprint: string; facilityId: string }>(
      call(south, 'it', 'mesh.identity', {}),
    );
    northId = nId.facilityId;
    southId = sId.facilityId;
    expect(nId.bundle).toContain('BEGIN CERTIFICATE');
    expect(nId.bundle).not.toContain('PRIVATE KEY');

    const imported = await value<{ status: string; caFingerprint: string }>(
      call(south, 'it', 'peers.import', { bundle: nId.bundle }),
    );
    expect(imported).toMatchObject({ status: 'pending', caFingerprint: nId.caFingerprint });
    const wrong = await call(south, 'it', 'peers.confirm', {
      facilityId: northId,
      fingerprint: sId.caFingerprint,
    });
    expect(wrong.ok || wrong.error.code).toBe('conflict');
    expect(wrong.ok || wrong.error.message).toMatch(/does not match/);
    // Read aloud: lower case, no colons, still the same fingerprint.
    const spoken = nId.caFingerprint.replace(/:/g, ' ').toLowerCase();
    expect(
      await value(call(south, 'it', 'peers.confirm', { facilityId: northId, fingerprint: spoken })),
    ).toMatchObject({
      status: 'active',
      confirmedBy: 'it',
    });
    expect(lastAudit(south, 'peers.confirm')).toMatchObject({
      actor: 'it',
      target: `facility:${northId}`,
      outcome: 'ok',
    });

    await value(call(north, 'it', 'peers.import', { bundle: sId.bundle }));
    await value(call(north, 'it', 'peers.confirm', { facilityId: southId, fingerprint: sId.caFingerprint }));
    const bad = await call(north, 'it', 'peers.import', { bundle: '{"format":"nope"}' });
    expect(bad.ok || bad.error.code).toBe('bad_request');
  });

  it('IT drafts; neither IT nor the drafter may approve; a compliance officer approves; preview first', async () => {
    const now = Date.now();
    const draft = await value<{ id: string; version: number; effectiveState: string }>(
      call(north, 'it', 'agreements.draft', {
        peerFacilityId: southId,
        products: [{ productId: 'vitals-raw', versionPolicy: 'latest' }],
        purpose: 'regional sepsis study',
        deidProfile: 'safe-harbor',
        k: 2,
        startsAt: now - 1000,
        expiresAt: now + 86_400_000,
      }),
    );
    agreementId = draft.id;
    expect(draft.effectiveState).toBe('draft');
    const unknownProfile = await call(north, 'it', 'agreements.draft', {
      peerFacilityId: southId,
      products: [{ productId: 'vitals-raw', versionPolicy: 'latest' }],
      purpose: 'x study',
      deidProfile: 'no-such-profile',
      k: 2,
      startsAt: now,
      expiresAt: now + 1000,
    });
    expect(unknownProfile.ok || unknownProfile.error.code).toBe('not_found');

    const preview = await value<{
      products: { columns: string[]; sample: unknown[][]; gate: { k: number } }[];
    }>(call(north, 'co', 'agreements.preview', { id: agreementId, sampleRows: 5 }));
    expect(preview.products[0]!.sample).toHaveLength(5);
    expect(preview.products[0]!.columns).toContain('patient');
    expect(preview.products[0]!.gate.k).toBe(5); // the profile's k is stricter than the agreement's 2
    expect(JSON.stringify(preview)).not.toMatch(/MRN1|Family/);

    const byIt = await call(north, 'it', 'agreements.approve', { id: agreementId, version: 1 });
    expect(byIt.ok || byIt.error.code).toBe('forbidden');
    // Pulling before approval: refused.
    expect(
      (
        await value<{ ok: boolean; error: string }>(
          call(south, 'it', 'received.pull', { facilityId: northId, productId: 'vitals-raw' }),
        )
      ).error,
    ).toMatch(/draft/);

    const approved = await value(call(north, 'co', 'agreements.approve', { id: agreementId, version: 1 }));
    expect(approved).toMatchObject({ effectiveState: 'active', approvedBy: 'co', createdBy: 'it' });
    expect(lastAudit(north, 'agreements.approve')).toMatchObject({
      actor: 'co',
      target: `agreement:${agreementId}`,
    });
  });

  it('a change is a new version needing approval again; the approved one stays in force meanwhile', async () => {
    const v2 = await value(call(north, 'it2', 'agreements.revise', { id: agreementId, changes: { k: 10 } }));
    expect(v2).toMatchObject({ version: 2, effectiveState: 'draft', k: 10 });
    const history = await value<{ versions: { version: number; effectiveState: string }[] }>(
      call(north, 'co', 'agreements.history', { id: agreementId }),
    );
    expect(history.versions.map((v) => [v.version, v.effectiveState])).toEqual([
      [2, 'draft'],
      [1, 'active'],
    ]);
  });

  it('the receiver subscribes, pulls and lists what arrived; a researcher reads the rows', async () => {
    const cat = await value<{ products: { productId: string }[] }>(
      call(south, 'it', 'received.catalog', { facilityId: northId }),
    );
    expect(cat.products.map((p) => p.productId)).toEqual(['vitals-raw']);
    await value(call(south, 'it', 'received.subscribe', { facilityId: northId, productId: 'vitals-raw' }));
    const pulled = await value<{ ok: boolean; rows: number }>(
      call(south, 'it', 'received.pull', { facilityId: northId, productId: 'vitals-raw' }),
    );
    expect(pulled.ok).toBe(true);
    expect(pulled.rows).toBeGreaterThan(0);
    const list = await value<{ subscriptions: { peerName: string; rowsReceived: number }[] }>(
      call(south, 'co', 'received.list', {}),
    );
    expect(list.subscriptions).toEqual([
      expect.objectContaining({ peerName: 'North General', rowsReceived: pulled.rows }),
    ]);
    const rows = await value<{ columns: string[]; rows: unknown[][] }>(
      call(south, 'res', 'received.rows', { facilityId: northId, productId: 'vitals-raw', limit: 3 }),
    );
    expect(rows.rows).toHaveLength(3);
    expect(rows.columns).toContain('patient');
    const clinician = await call(south, 'res', 'received.pull', {
      facilityId: northId,
      productId: 'vitals-raw',
    });
    expect(clinician.ok || clinician.error.code).toBe('forbidden');
  });

  it('a compliance officer revokes with a reason; the next pull is refused with it', async () => {
    const revoked = await value(
      call(north, 'co', 'agreements.revoke', { id: agreementId, reason: 'study closed' }),
    );
    expect(revoked).toMatchObject({
      effectiveState: 'revoked',
      revokedBy: 'co',
      revokeReason: 'study closed',
    });
    expect(JSON.parse(lastAudit(north, 'agreements.revoke').details)).toMatchObject({
      reason: 'study closed',
    });
    const after = await value<{ ok: boolean; error: string }>(
      call(south, 'it', 'received.pull', { facilityId: northId, productId: 'vitals-raw' }),
    );
    expect(after.ok).toBe(false);
    expect(after.error).toMatch(/PERMISSION_DENIED: agreement .* is revoked/);
  });

  it('suspending and removing a peer drops its trust at once', async () => {
    await value(call(north, 'co', 'peers.suspend', { facilityId: southId }));
    const refused = await call(south, 'it', 'received.catalog', { facilityId: northId });
    expect(refused.ok || refused.error.code).toBe('unavailable');
    await value(call(north, 'it', 'peers.remove', { facilityId: southId }));
    expect((await value<{ peers: unknown[] }>(call(north, 'it', 'peers.list', {}))).peers).toEqual([]);
    expect(lastAudit(north, 'peers.remove')).toMatchObject({ actor: 'it', target: `facility:${southId}` });
  });
});
