import type { Decision } from './decide';
import { Hl7Message, type Delimiters } from './message';
import type { MappedObservation, MappedPatient, PatientIdentifier, PatientResult } from './oru';

/**
 * A batch of Decisions as it crosses between threads (decide-pool.ts).
 *
 * Two things shape it. An Hl7Message is a class instance and doesn't survive structured cloning;
 * all the node does with a decided message is read its MSH, so only the MSH's fields travel and
 * the other side rebuilds a header-only message. And cloning one object per observation made
 * the receiving thread, the one that commits, spend ~40 µs a message rebuilding ~90 strings and
 * 10 objects (bench/ingest.ts, perf). So every string goes once per batch into `strings`, and
 * patients and observations are rows of numbers (string indices, values, times) in one
 * transferable Float64Array.
 */
export interface WireBatch {
  readonly strings: readonly string[];
  readonly numbers: Float64Array;
  readonly decisions: readonly (WireDecision | WireError)[];
}

/** decide() threw: the node answers AR (resend later). */
export interface WireError {
  readonly kind: 'error';
  readonly message: string;
}

/** The MSH and how it was read; strings as indices into the batch's `strings`. */
interface WireHeader {
  readonly fields: readonly number[];
  /** field, component, repetition, escape, subcomponent (−1: MSH-2 named none). */
  readonly delimiters: readonly number[];
  readonly charset: number;
  readonly warnings: readonly string[];
}

type WireDecision =
  | {
      readonly kind: 'store';
      readonly header: WireHeader;
      /** Where each patient's row starts in `numbers` (PATIENT_COLUMNS, its identifiers, its observations). */
      readonly results: readonly number[];
      readonly observationCount: number;
    }
  | { readonly kind: 'keep'; readonly header: WireHeader }
  | {
      readonly kind: 'reject';
      readonly header: WireHeader | undefined;
      readonly code: Extract<Decision, { kind: 'reject' }>['code'];
      readonly issues: Extract<Decision, { kind: 'reject' }>['issues'];
      readonly reason: string;
    };

/** A patient row: 8 strings, then the counts of identifiers (3 strings each) and observations. */
const PATIENT_STRINGS = ['family', 'given', 'birthDate', 'sex', 'zip', 'unit', 'room', 'bed'] as const;
/** An observation row, in this order; valueNum and observedAt are numbers, the rest strings. */
const OBSERVATION_COLUMNS = 15;
/** A string column's "undefined". */
const NONE = -1;
/** The device-kind column of an observation without a device (a device without a kind is NONE). */
const NO_DEVICE = -2;

export class WireBatchWriter {
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly numbers: number[] = [];
  private readonly decisions: (WireDecision | WireError)[] = [];

  add(d: Decision): void {
    this.decisions.push(this.decision(d));
  }

  addError(message: string): void {
    this.decisions.push({ kind: 'error', message });
  }

  /** The batch, and the buffer to transfer with it. */
  finish(): { batch: WireBatch; transfer: ArrayBuffer[] } {
    const numbers = Float64Array.from(this.numbers);
    return {
      batch: { strings: this.strings, numbers, decisions: this.decisions },
      transfer: [numbers.buffer],
    };
  }

  private str(s: string | undefined): number {
    if (s === undefined) return NONE;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  private header(m: Hl7Message): WireHeader {
    const d = m.delimiters;
    return {
      fields: m.msh.fields.map((f) => this.str(f)),
      delimiters: [d.field, d.component, d.repetition, d.escape, d.subcomponent].map((c) => this.str(c)),
      charset: this.str(m.charset),
      warnings: m.warnings,
    };
  }

  private result(r: PatientResult): number {
    const n = this.numbers;
    const start = n.length;
    const p = r.patient;
    for (const key of PATIENT_STRINGS) n.push(this.str(p[key]));
    n.push(p.identifiers.length, r.observations.length);
    for (const id of p.identifiers) n.push(this.str(id.system), this.str(id.value), this.str(id.type));
    for (const o of r.observations) {
      n.push(
        this.str(o.vitalId),
        this.str(o.code),
        this.str(o.codeSystem),
        this.str(o.sourceCode),
        this.str(o.valueType),
        // NM values are finite numbers (oru.ts's NUMBER), so NaN is free to mean "none".
        o.valueNum ?? Number.NaN,
        this.str(o.valueText),
        this.str(o.unit),
        o.observedAt,
        this.str(o.subId),
        this.str(o.group),
        this.str(o.device?.identifier),
        o.device ? this.str(o.device.kind) : NO_DEVICE,
        this.str(o.abnormalFlags),
        this.str(o.status),
      );
    }
    return start;
  }

  private decision(d: Decision): WireDecision {
    switch (d.kind) {
      case 'store':
        return {
          kind: 'store',
          header: this.header(d.message),
          results: d.results.map((r) => this.result(r)),
          observationCount: d.observationCount,
        };
      case 'keep':
        return { kind: 'keep', header: this.header(d.message) };
      case 'reject':
        return {
          kind: 'reject',
          header: d.message ? this.header(d.message) : undefined,
          code: d.code,
          issues: d.issues,
          reason: d.reason,
        };
    }
  }
}

/** Reads a WireBatch back into Decisions (or the errors decide() threw), in order. */
export function readWireBatch(batch: WireBatch): (Decision | Error)[] {
  const { strings, numbers: n } = batch;
  const str = (i: number): string | undefined => (i === NONE ? undefined : strings[i]);
  const must = (i: number): string => strings[i] as string;
  const message = (h: WireHeader): Hl7Message => {
    const [field, component, repetition, escape, subcomponent] = h.delimiters.map(str);
    const delimiters: Delimiters = {
      field: field as string,
      component: component as string,
      repetition: repetition as string,
      escape,
      subcomponent,
    };
    const fields = h.fields.map(must);
    return new Hl7Message([{ id: 'MSH', index: 1, fields }], delimiters, must(h.charset), h.warnings);
  };
  const result = (start: number): PatientResult => {
    let at = start;
    const patient: { -readonly [K in keyof MappedPatient]: MappedPatient[K] } = { identifiers: [] };
    for (const key of PATIENT_STRINGS) patient[key] = str(n[at++] as number);
    const identifierCount = n[at++] as number;
    const observationCount = n[at++] as number;
    const identifiers: PatientIdentifier[] = [];
    for (let i = 0; i < identifierCount; i++, at += 3) {
      identifiers.push({ system: must(n[at]!), value: must(n[at + 1]!), type: must(n[at + 2]!) });
    }
    patient.identifiers = identifiers;
    const observations: MappedObservation[] = [];
    for (let i = 0; i < observationCount; i++, at += OBSERVATION_COLUMNS) {
      const valueNum = n[at + 5] as number;
      const deviceKind = n[at + 12] as number;
      observations.push({
        vitalId: str(n[at]!),
        code: must(n[at + 1]!),
        codeSystem: must(n[at + 2]!),
        sourceCode: must(n[at + 3]!),
        valueType: must(n[at + 4]!),
        valueNum: Number.isNaN(valueNum) ? undefined : valueNum,
        valueText: str(n[at + 6]!),
        unit: str(n[at + 7]!),
        observedAt: n[at + 8] as number,
        subId: str(n[at + 9]!),
        group: str(n[at + 10]!),
        device:
          deviceKind === NO_DEVICE ? undefined : { identifier: must(n[at + 11]!), kind: str(deviceKind) },
        abnormalFlags: str(n[at + 13]!),
        status: str(n[at + 14]!),
      });
    }
    return { patient, observations };
  };
  return batch.decisions.map((w): Decision | Error => {
    switch (w.kind) {
      case 'error':
        return new Error(w.message);
      case 'store':
        return {
          kind: 'store',
          message: message(w.header),
          results: w.results.map(result),
          observationCount: w.observationCount,
        };
      case 'keep':
        return { kind: 'keep', message: message(w.header) };
      case 'reject':
        return {
          kind: 'reject',
          message: w.header ? message(w.header) : undefined,
          code: w.code,
          issues: w.issues,
          reason: w.reason,
        };
    }
  });
}
