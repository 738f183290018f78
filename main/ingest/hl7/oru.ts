import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { ObservationValue } from '../store-sql';
import { parseBirthDate, parseDtm } from './dtm';
import type { Hl7Message, Segment } from './message';

/** One ERR entry: where and why (HL7 table 0357 code). */
export interface Hl7Issue {
  readonly segment: string;
  readonly sequence: number;
  readonly field?: number;
  readonly component?: number;
  readonly code: number;
  readonly message: string;
}

export interface PatientIdentifier {
  /** The assigning authority (CX-4): universal id when given, else its namespace. */
  readonly system: string;
  readonly value: string;
  readonly type: string;
}

export interface MappedPatient {
  readonly identifiers: readonly PatientIdentifier[];
  readonly family?: string;
  readonly given?: string;
  readonly birthDate?: string;
  readonly sex?: string;
  /** PID-11.5 of the first address; only its ZIP3 ever leaves the node (Safe Harbor (B)). */
  readonly zip?: string;
  readonly unit?: string;
  readonly room?: string;
  readonly bed?: string;
}

export interface MappedObservation extends ObservationValue {
  /** Catalog id when the code is known; the stored code is then this id in system 'vitalmesh'. */
  readonly vitalId: string | undefined;
  readonly subId: string | undefined;
  /** Ties blood-pressure sys/dia/mean of one measurement together, within the message. */
  readonly group: string | undefined;
  readonly device: { identifier: string; kind: string | undefined } | undefined;
}

export interface PatientResult {
  readonly patient: MappedPatient;
  readonly observations: readonly MappedObservation[];
}

export interface OruMapping {
  readonly results: readonly PatientResult[];
  readonly issues: readonly Hl7Issue[];
}

/** OBX-2 value types ingest understands; NM becomes a number, the rest is kept as text. */
const VALUE_TYPES = new Set([
  'NM',
  'ST',
  'TX',
  'FT',
  'CWE',
  'CE',
  'CNE',
  'CF',
  'SN',
  'DTM',
  'TS',
  'DT',
  'TM',
  'ED',
  'RP',
  'NA',
  'ID',
  'IS',
]);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * ORU^R01 → patients and observations. Content problems become issues (answered with AE and
 * ERR segments); nothing is thrown for content.
 * @see IHE PCD TF-2 3.1 (PCD-01 Communicate PCD Data), HL7 v2.6 7.4.1 ORU^R01
 */
export function mapOru(msg: Hl7Message, catalog: VitalCatalog, receivedAt: number): OruMapping {
  const issues: Hl7Issue[] = [];
  const results: { patient: MappedPatient; observations: MappedObservation[] }[] = [];
  const issue = (seg: Segment, field: number | undefined, code: number, message: string) =>
    issues.push({ segment: seg.id, sequence: seg.index, field, code, message });

  const mshTime = parseDtm(msg.get(msg.msh, 7));
  if (msg.get(msg.msh, 7) !== '' && mshTime === undefined)
    issue(msg.msh, 7, 102, 'MSH-7 is not a valid date/time');
  const sendingApp = msg.components(msg.repetitions(msg.raw(msg.msh, 3))[0] ?? '').map((c) => msg.text(c));

  let current: { patient: MappedPatient; observations: MappedObservation[] } | undefined;
  let obrTime: number | undefined;
  let obrIndex = 0;
  /** PCD-01 containers (MDS/VMD/CHAN, OBX-2 empty) by their OBX-4 path, for device inheritance. */
  let containers = new Map<string, { identifier: string | undefined; kind: string }>();

  for (const seg of msg.segments) {
    switch (seg.id) {
      case 'PID': {
        current = { patient: mapPid(msg, seg, issue), observations: [] };
        const pv1 = nextSegment(msg, seg, 'PV1');
        if (pv1) Object.assign(current.patient, mapPv1(msg, pv1));
        results.push(current);
        break;
      }
      case 'OBR': {
        obrIndex++;
        const raw = msg.get(seg, 7);
        obrTime = parseDtm(raw);
        if (raw !== '' && obrTime === undefined) issue(seg, 7, 102, 'OBR-7 is not a valid date/time');
        containers = new Map();
        break;
      }
      case 'OBX': {
        if (!current) {
          issue(seg, undefined, 100, 'OBX before any PID: an ORU^R01 needs the patient first');
          break;
        }
        const mapped = mapObx(msg, seg, catalog, { issue, containers, obrIndex, sendingApp });
        if (!mapped) break;
        const timeRaw = msg.get(seg, 14);
        let observedAt = parseDtm(timeRaw);
        if (timeRaw !== '' && observedAt === undefined) {
          issue(seg, 14, 102, 'OBX-14 is not a valid date/time');
          break;
        }
        observedAt ??= obrTime ?? mshTime ?? receivedAt;
        // The mapped values are fresh objects: set the time on them rather than copy each.
        for (const value of mapped) {
          value.observedAt = observedAt;
          current.observations.push(value);
        }
        break;
      }
      default:
        break;
    }
  }
  if (results.length === 0)
    issue(msg.msh, undefined, 100, 'no PID segment: an ORU^R01 must name its patient');
  return { results, issues };
}

type IssueFn = (seg: Segment, field: number | undefined, code: number, message: string) => void;

function nextSegment(msg: Hl7Message, after: Segment, id: string): Segment | undefined {
  for (let i = after.index; i < msg.segments.length; i++) {
    const s = msg.segments[i] as Segment;
    if (s.id === id) return s;
    if (s.id === 'PID' || s.id === 'OBR' || s.id === 'OBX') return undefined;
  }
  return undefined;
}

function mapPid(msg: Hl7Message, seg: Segment, issue: IssueFn): MappedPatient {
  const identifiers: PatientIdentifier[] = [];
  for (const rep of msg.repetitions(msg.raw(seg, 3))) {
    const comps = msg.components(rep);
    const value = msg.text(msg.subcomponents(comps[0] ?? '')[0] ?? '').trim();
    if (!value) continue;
    // CX-4 is an HD: namespace & universal id & universal id type.
    const hd = msg.subcomponents(comps[3] ?? '').map((s) => msg.text(s).trim());
    const system = hd[1] || hd[0] || '';
    const type = msg.text(comps[4] ?? '').trim();
    if (!system) {
      issue(
        seg,
        3,
        101,
        `PID-3 identifier without an assigning authority (CX-4); it can't be matched safely`,
      );
      continue;
    }
    identifiers.push({ system, value, type });
  }
  if (identifiers.length === 0 && msg.raw(seg, 3).trim() === '') {
    issue(seg, 3, 101, 'PID-3 (patient identifier list) is empty');
  }
  const birthRaw = msg.get(seg, 7);
  const birthDate = birthRaw ? parseBirthDate(birthRaw) : undefined;
  if (birthRaw && !birthDate) issue(seg, 7, 102, 'PID-7 (date of birth) is not a valid date');
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  return {
    identifiers,
    family: opt(msg.get(seg, 5, 1)),
    given: opt(msg.get(seg, 5, 2)),
    birthDate,
    sex: opt(msg.get(seg, 8).toUpperCase()),
    zip: opt(msg.get(seg, 11, 5)),
  };
}

/** PV1-3 (PL): point of care ^ room ^ bed; the first repetition. */
function mapPv1(msg: Hl7Message, seg: Segment): Partial<MappedPatient> {
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  return { unit: opt(msg.get(seg, 3, 1)), room: opt(msg.get(seg, 3, 2)), bed: opt(msg.get(seg, 3, 3)) };
}

/** A mapped observation while its message is read: mapOru sets its time. */
type Observation = { -readonly [K in keyof MappedObservation]: MappedObservation[K] };
type ObxFields = Omit<MappedObservation, 'valueNum' | 'valueText' | 'observedAt'>;

/**
 * Every observation is one literal of one shape, its time filled in by mapOru: spreading a shared
 * base (and assigning the time after) made V8 miss its inline caches on each OBX. A module
 * function, not a closure per OBX: closures created in hot loops cost (tsx wraps each in __name).
 */
function observation(f: ObxFields, valueNum: number | undefined, valueText: string | undefined): Observation {
  return {
    vitalId: f.vitalId,
    code: f.code,
    codeSystem: f.codeSystem,
    sourceCode: f.sourceCode,
    valueType: f.valueType,
    valueNum,
    valueText,
    unit: f.unit,
    observedAt: 0,
    subId: f.subId,
    group: f.group,
    device: f.device,
    abnormalFlags: f.abnormalFlags,
    status: f.status,
  };
}

interface ObxContext {
  readonly issue: IssueFn;
  readonly containers: Map<string, { identifier: string | undefined; kind: string }>;
  readonly obrIndex: number;
  readonly sendingApp: string[];
}

/** OBX-4 "1.1.1.0" → "1.1.1": trailing zero levels only say "this container". */
const containerPath = (subId: string) =>
  subId
    .split('.')
    .join('.')
    .replace(/(\.0)+$/, '');

function mapObx(
  msg: Hl7Message,
  seg: Segment,
  catalog: VitalCatalog,
  ctx: ObxContext,
): Observation[] | undefined {
  const valueType = msg.get(seg, 2).toUpperCase();
  const code = msg.get(seg, 3, 1).trim();
  const text = msg.get(seg, 3, 2).trim();
  const system = msg.get(seg, 3, 3).trim();
  const subId = msg.get(seg, 4).trim() || undefined;
  const valueRaw = msg.raw(seg, 5);
  const device = equipment(msg, seg);

  if (valueType === '' && valueRaw === '') {
    // A PCD-01 containment OBX (MDS, VMD or channel): it names the device, carries no value.
    if (subId) ctx.containers.set(containerPath(subId), { identifier: device, kind: text || code });
    return undefined;
  }
  if (!code && !text) {
    ctx.issue(seg, 3, 101, 'OBX-3 (observation identifier) is empty');
    return undefined;
  }
  const type = valueType || 'ST';
  if (!VALUE_TYPES.has(type)) {
    ctx.issue(seg, 2, 102, `OBX-2 value type "${valueType}" is not a known HL7 data type`);
    return undefined;
  }
  const match = catalog.lookup(code, system, text);
  const unitCode = msg.get(seg, 6, 1).trim();
  const unitText = msg.get(seg, 6, 2).trim();
  const unitSystem = msg.get(seg, 6, 3).trim();
  const unit =
    unitCode || unitText
      ? (catalog.unitToUcum(unitCode || unitText, unitSystem, unitText) ?? (unitCode || unitText))
      : undefined;
  const status = msg.get(seg, 11).trim() || undefined;
  const flags: string[] = [];
  for (const r of msg.repetitions(msg.raw(seg, 8))) {
    const flag = msg.text(msg.components(r)[0] ?? '').trim();
    if (flag !== '') flags.push(flag);
  }

  // Device: OBX-18, else the nearest enclosing container's, else the sending application.
  let dev: { identifier: string; kind: string | undefined } | undefined;
  if (device) dev = { identifier: device, kind: undefined };
  if (subId) {
    const parts = subId.split('.');
    for (let n = parts.length - 1; n >= 1; n--) {
      const c = ctx.containers.get(parts.slice(0, n).join('.'));
      if (!c) continue;
      if (!dev && c.identifier) dev = { identifier: c.identifier, kind: c.kind };
      else if (dev && !dev.kind && c.identifier === dev.identifier) dev = { ...dev, kind: c.kind };
    }
  }
  if (!dev && ctx.sendingApp.some((c) => c !== ''))
    dev = { identifier: ctx.sendingApp.filter((c) => c).join('^'), kind: undefined };

  const bp = match?.vital.bp;
  const group = bp
    ? `${ctx.obrIndex}:${subId ? subId.split('.').slice(0, -1).join('.') : ''}:${bp.group}`
    : undefined;
  const vitalId = match?.vital.id;
  const storedCode = match ? match.vital.id : code || text;
  const codeSystem = match ? 'vitalmesh' : system || 'local';
  const sourceCode = `${code}^${text}^${system}`;
  const storedUnit = match && unit === undefined ? match.vital.ucum : unit;
  const abnormalFlags = flags.length ? flags.join(',') : undefined;
  const fields: ObxFields = {
    vitalId,
    code: storedCode,
    codeSystem,
    sourceCode,
    valueType: type,
    unit: storedUnit,
    subId,
    group,
    device: dev,
    abnormalFlags,
    status,
  };
  if (status === 'X' || status === 'D' || valueRaw === '') {
    // "Results cannot be obtained" / deleted / no value: kept as a reading without value, so a
    // dropout is visible rather than silently missing.
    return [observation(fields, undefined, undefined)];
  }
  const reps = msg.repetitions(valueRaw);
  const out: Observation[] = [];
  for (const rep of reps) {
    if (type === 'NM') {
      const v = msg.text(rep).trim();
      if (!NUMBER.test(v)) {
        ctx.issue(seg, 5, 102, `OBX-5 "${v.slice(0, 20)}" is not a number although OBX-2 is NM`);
        return undefined;
      }
      out.push(observation(fields, Number(v), undefined));
    } else if (type === 'SN') {
      // SN: comparator ^ num1 ^ separator/suffix ^ num2 → "<5", "1:128", "2-4".
      const [cmp = '', n1 = '', sep = '', n2 = ''] = msg.components(rep).map((c) => msg.text(c).trim());
      out.push(observation(fields, undefined, `${cmp}${n1}${sep}${n2}`));
    } else {
      // Coded and structured values keep their components, readable and re-parseable.
      const textValue = msg
        .components(rep)
        .map((c) => msg.text(c))
        .join('^')
        .replace(/\^+$/, '');
      out.push(observation(fields, undefined, textValue));
    }
  }
  return out;
}

/** OBX-18 (EI, first repetition): entity id ^ namespace ^ universal id ^ type, joined. */
function equipment(msg: Hl7Message, seg: Segment): string | undefined {
  const first = msg.repetitions(msg.raw(seg, 18))[0];
  if (!first) return undefined;
  const parts = msg.components(first).map((c) => msg.text(c).trim());
  const id = parts.filter((p) => p !== '').join('^');
  return id === '' ? undefined : id;
}
