import { createHash } from 'node:crypto';

/** The fields a batch hash covers: which product, under which agreement, which range, which rows. */
export interface HashedFields {
  readonly productId: string;
  readonly productVersion: number;
  readonly agreementId: string;
  readonly agreementVersion: number;
  readonly cursorFrom: string;
  readonly cursorTo: string;
  readonly rowCount: number;
  readonly columns: readonly string[];
  readonly rows: Buffer;
  /** '' or 'json', or 'columnar-v1' (main/mesh/columnar.ts). */
  readonly encoding: string;
}

/**
 * SHA-256 over a batch's identity and its rows. TLS already protects the bytes in flight; the
 * hash is what both audits record, so the sent and the received batch can be matched later, and
 * it catches a batch changed on the way between the pipeline and the store (a faulty or hostile
 * relay, a bug).
 */
export function batchHash(b: HashedFields): Buffer {
  const h = createHash('sha256');
  // JSON batches hash as they always did; another encoding is named in the hashed head.
  const encoding = b.encoding === 'json' ? '' : b.encoding;
  const head = [
    encoding ? `vitalmesh-batch/2 ${encoding}` : 'vitalmesh-batch/1',
    b.productId,
    String(b.productVersion),
    b.agreementId,
    String(b.agreementVersion),
    b.cursorFrom,
    b.cursorTo,
    String(b.rowCount),
    b.columns.join(','),
  ].join('\n');
  h.update(head).update('\n').update(b.rows);
  return h.digest();
}
