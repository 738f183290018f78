import type { Decision } from './decide';
import { Hl7Message, type Delimiters } from './message';

/**
 * A Decision as it crosses between threads (decide-pool.ts). An Hl7Message is a class instance
 * and doesn't survive structured cloning; all the node does with a decided message is read its
 * MSH (sender, control id, type, ACK modes, delimiters), so only the MSH travels, and the other
 * side rebuilds a header-only message from it.
 */
export interface WireHeader {
  readonly fields: readonly string[];
  readonly delimiters: Delimiters;
  readonly charset: string;
  readonly warnings: readonly string[];
}

export type WireDecision =
  | {
      kind: 'store';
      header: WireHeader;
      results: Extract<Decision, { kind: 'store' }>['results'];
      observationCount: number;
    }
  | { kind: 'keep'; header: WireHeader }
  | {
      kind: 'reject';
      header: WireHeader | undefined;
      code: Extract<Decision, { kind: 'reject' }>['code'];
      issues: Extract<Decision, { kind: 'reject' }>['issues'];
      reason: string;
    };

const header = (m: Hl7Message): WireHeader => ({
  fields: m.msh.fields,
  delimiters: m.delimiters,
  charset: m.charset,
  warnings: m.warnings,
});

const message = (h: WireHeader): Hl7Message =>
  new Hl7Message([{ id: 'MSH', index: 1, fields: h.fields }], h.delimiters, h.charset, h.warnings);

export function toWire(d: Decision): WireDecision {
  switch (d.kind) {
    case 'store':
      return {
        kind: 'store',
        header: header(d.message),
        results: d.results,
        observationCount: d.observationCount,
      };
    case 'keep':
      return { kind: 'keep', header: header(d.message) };
    case 'reject':
      return {
        kind: 'reject',
        header: d.message ? header(d.message) : undefined,
        code: d.code,
        issues: d.issues,
        reason: d.reason,
      };
  }
}

export function fromWire(w: WireDecision): Decision {
  switch (w.kind) {
    case 'store':
      return {
        kind: 'store',
        message: message(w.header),
        results: w.results,
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
}
