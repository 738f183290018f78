import { DEFAULT_DELIMITERS, escapeHl7, type Delimiters, type Hl7Message } from './message';
import type { Hl7Issue } from './oru';

export type AppAckCode = 'AA' | 'AE' | 'AR';
export type CommitAckCode = 'CA' | 'CE' | 'CR';

/** HL7 table 0155 accept/application acknowledgment conditions. */
type Condition = 'AL' | 'NE' | 'ER' | 'SU';

export interface AckInput {
  /** The message being answered, when it could be parsed at all. */
  readonly message: Hl7Message | undefined;
  /** Control id to echo in MSA-2 when the message itself couldn't be parsed. */
  readonly fallbackControlId?: string;
  readonly code: AppAckCode;
  readonly text: string;
  readonly issues: readonly Hl7Issue[];
  /** Our identity in MSH-3/4 of the ACK. */
  readonly receiver: { application: string; facility: string };
  readonly now: Date;
  /** MSH-10 of the ACK. */
  readonly ackControlId: string;
}

/** One ACK as it goes on the wire (without MLLP framing) and as it is kept beside the raw message. */
export interface AckOut {
  readonly code: AppAckCode | CommitAckCode;
  readonly text: string;
}

function hl7Now(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}` +
    `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`
  );
}

const condition = (value: string): Condition | undefined => {
  const v = value.trim().toUpperCase();
  return v === 'AL' || v === 'NE' || v === 'ER' || v === 'SU' ? v : undefined;
};

const wanted = (cond: Condition, success: boolean) =>
  cond === 'AL' || (cond === 'ER' && !success) || (cond === 'SU' && success);

/**
 * The acknowledgments to send, in order. Original mode (MSH-15 and MSH-16 empty): one ACK with
 * AA/AE/AR. Enhanced mode: an accept ACK (CA/CR) per MSH-15 and an application ACK per MSH-16,
 * each only if its condition asks for it. Both are sent after the commit, so CA means stored.
 * @see HL7 v2.5.1 2.9.2 (original) and 2.9.3 (enhanced acknowledgment mode), table 0155
 */
export function buildAcks(input: AckInput): AckOut[] {
  const msg = input.message;
  const accept = msg ? condition(msg.get(msg.msh, 15)) : undefined;
  const app = msg ? condition(msg.get(msg.msh, 16)) : undefined;
  if (!accept && !app) return [{ code: input.code, text: buildAck(input, input.code) }];
  const out: AckOut[] = [];
  // Every message is committed (rejected ones to the quarantine), so the accept level mirrors
  // the application level: CE tells a sender that asked for no application ACK about bad content.
  const commit: CommitAckCode = input.code === 'AR' ? 'CR' : input.code === 'AE' ? 'CE' : 'CA';
  if (wanted(accept ?? 'AL', commit === 'CA')) out.push({ code: commit, text: buildAck(input, commit) });
  if (wanted(app ?? 'AL', input.code === 'AA'))
    out.push({ code: input.code, text: buildAck(input, input.code) });
  return out;
}

function buildAck(input: AckInput, code: AppAckCode | CommitAckCode): string {
  const msg = input.message;
  const d: Delimiters = msg?.delimiters ?? DEFAULT_DELIMITERS;
  const f = d.field;
  const e = (s: string) => escapeHl7(s, d);
  const raw = (n: number) => (msg ? msg.raw(msg.msh, n) : '');
  const version = msg?.version || '2.5.1';
  const trigger = msg?.trigger ?? '';
  const encoding = [d.component, d.repetition, d.escape ?? '', d.subcomponent ?? ''].join('');
  const msh = [
    'MSH',
    encoding,
    e(input.receiver.application),
    e(input.receiver.facility),
    raw(3),
    raw(4),
    hl7Now(input.now),
    '',
    ['ACK', trigger, 'ACK'].join(d.component),
    e(input.ackControlId),
    raw(11) || 'P',
    raw(12) || version,
  ];
  // Commit ACKs and application ACKs are never themselves acknowledged.
  msh.push('', '', 'NE', 'NE');
  const controlId = msg ? raw(10) : e(input.fallbackControlId ?? '');
  const segments = [msh.join(f), ['MSA', code, controlId, e(input.text.slice(0, 80))].join(f)];
  const modern = versionAtLeast(version, 2, 5);
  for (const is of input.issues) {
    const c = d.component;
    const codeCwe = [String(is.code), e(ERROR_NAMES[is.code] ?? 'Error'), 'HL70357'].join(c);
    if (modern) {
      // ERR-2 location (ERL), ERR-3 code, ERR-4 severity, ERR-8 user message.
      const loc = [
        is.segment,
        String(is.sequence),
        is.field !== undefined ? String(is.field) : '',
        '',
        is.component ? String(is.component) : '',
      ]
        .join(c)
        .replace(new RegExp(`\\${c}+$`), '');
      segments.push(['ERR', '', loc, codeCwe, 'E', '', '', '', e(is.message)].join(f));
    } else {
      // v2.3/2.4: ERR-1 ELD = segment ^ sequence ^ field ^ code&text&table.
      const sub = d.subcomponent ?? '&';
      const eld = [
        is.segment,
        String(is.sequence),
        is.field !== undefined ? String(is.field) : '',
        [String(is.code), e(is.message), 'HL70357'].join(sub),
      ].join(c);
      segments.push(['ERR', eld].join(f));
    }
  }
  return segments.join('\r') + '\r';
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number(n) || 0);
  return a > major || (a === major && b >= minor);
}

/** HL7 table 0357 message error condition codes. */
export const ERROR_NAMES: Record<number, string> = {
  0: 'Message accepted',
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  205: 'Duplicate key identifier',
  206: 'Application record locked',
  207: 'Application internal error',
};
