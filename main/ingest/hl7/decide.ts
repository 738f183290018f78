import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { AppAckCode } from './ack';
import type { Hl7Message } from './message';
import { mapOru, type Hl7Issue, type PatientResult } from './oru';
import { Hl7FrameError, parseHl7 } from './parse';

/** HL7 versions this listener reads; PCD-01 is 2.6, gateways still send 2.3–2.5. */
export const SUPPORTED_VERSIONS = /^2\.(3|3\.1|4|5|5\.1|6|7|7\.1|8|8\.1|8\.2|9)$/;

/** What to do with a received frame, decided before the store is touched. */
export type Decision =
  | { kind: 'store'; message: Hl7Message; results: readonly PatientResult[]; observationCount: number }
  | { kind: 'keep'; message: Hl7Message }
  | {
      kind: 'reject';
      message: Hl7Message | undefined;
      code: Exclude<AppAckCode, 'AA'>;
      issues: Hl7Issue[];
      reason: string;
    };

export interface DecideOptions {
  readonly catalog: VitalCatalog;
  /** Message types (MSH-9.1) other than ORU that are acknowledged AA and kept, e.g. ADT. */
  readonly keepTypes: readonly string[];
}

const reject = (
  message: Hl7Message | undefined,
  code: 'AE' | 'AR',
  issues: Hl7Issue[],
): Extract<Decision, { kind: 'reject' }> => ({
  kind: 'reject',
  message,
  code,
  issues,
  reason: issues
    .map((i) => {
      const at = `${i.segment}${i.field !== undefined ? `-${i.field}` : ''}`;
      // Most messages already begin by naming their field ("OBX-5 …"): don't say it twice.
      return i.message.startsWith(at) ? i.message : `${at}: ${i.message}`;
    })
    .join('; '),
});

/**
 * Parses and maps one frame. AR: the message can't be processed here (not HL7, a batch, an
 * unsupported type, version or character set). AE: it was read but its content is invalid.
 * @see HL7 v2.5.1 2.9.2 "Original acknowledgment rules", table 0008
 */
export function decide(frame: Buffer, options: DecideOptions, receivedAt: number): Decision {
  let message: Hl7Message;
  try {
    message = parseHl7(frame);
  } catch (error) {
    if (!(error instanceof Hl7FrameError)) throw error;
    const loc = error.location ?? { segment: 'MSH', sequence: 1 };
    const issue: Hl7Issue = { ...loc, code: error.code, message: error.message };
    const content = error.failure === 'structure' || (error.failure === 'charset' && error.code === 102);
    return reject(headerOnly(frame), content ? 'AE' : 'AR', [issue]);
  }
  const at = (field: number, code: number, text: string): Hl7Issue => ({
    segment: 'MSH',
    sequence: 1,
    field,
    code,
    message: text,
  });
  const version = message.version;
  if (!SUPPORTED_VERSIONS.test(version)) {
    const text =
      version === ''
        ? 'MSH-12 (version id) is empty'
        : `HL7 version "${version}" is not supported; 2.3 to 2.9 are`;
    return reject(message, 'AR', [at(12, 203, text)]);
  }
  if (message.controlId === '')
    return reject(message, 'AE', [at(10, 101, 'MSH-10 (message control id) is empty')]);
  const type = message.type;
  if (type === 'ORU') {
    // An ORU without MSH-9.2 (seen from older lab systems) is read as R01, the only ORU event.
    if (message.trigger !== 'R01' && message.trigger !== '') {
      return reject(message, 'AR', [at(9, 201, `ORU^${message.trigger} is not supported; send ORU^R01`)]);
    }
    const mapped = mapOru(message, options.catalog, receivedAt);
    if (mapped.issues.length > 0) return reject(message, 'AE', [...mapped.issues]);
    const observationCount = mapped.results.reduce((n, r) => n + r.observations.length, 0);
    return { kind: 'store', message, results: mapped.results, observationCount };
  }
  if (type !== 'ACK' && options.keepTypes.includes(type)) return { kind: 'keep', message };
  return reject(message, 'AR', [
    at(
      9,
      200,
      type === 'ACK'
        ? 'ACK messages are not accepted on this listener'
        : `message type ${type || '(empty)'} is not accepted by this listener`,
    ),
  ]);
}

/**
 * The MSH line alone, when the whole frame can't be parsed: enough to answer with the sender's
 * delimiters and control id.
 */
export function headerOnly(frame: Buffer): Hl7Message | undefined {
  const text = frame.toString('latin1');
  if (!text.startsWith('MSH')) return undefined;
  const line = text.split(/\r|\n/, 1)[0] ?? '';
  try {
    return parseHl7(Buffer.from(line, 'latin1'));
  } catch {
    return undefined;
  }
}
