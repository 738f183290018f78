import type { z } from 'zod';
import type { MethodSpec, StreamSpec } from './define';
import { nodeMethods, nodeStreams } from './node';
import { authMethods, userMethods } from './auth';
import { auditMethods } from './audit';
import { alarmMethods, trendMethods, unitMethods, vitalsStreams } from './vitals';
import { fhirMethods, fhirStreams } from './fhir';
import { ingestMethods } from './ingest';
import { observationMethods, patientMethods } from './patients';
import { productMethods } from './products';
import { exportMethods, exportStreams } from './exports';
import { agreementMethods, meshMethods, peerMethods, receivedMethods } from './mesh';
import { retentionMethods } from './retention';
import { backupMethods } from './backups';

/**
 * The whole renderer ↔ node API, written once. Each domain adds its methods in its own file and
 * one spread line here; hosts and clients iterate these objects.
 */
export const methods = {
  ...nodeMethods,
  ...authMethods,
  ...userMethods,
  ...auditMethods,
  ...trendMethods,
  ...unitMethods,
  ...alarmMethods,
  ...fhirMethods,
  ...ingestMethods,
  ...patientMethods,
  ...observationMethods,
  ...productMethods,
  ...exportMethods,
  ...meshMethods,
  ...peerMethods,
  ...agreementMethods,
  ...receivedMethods,
  ...retentionMethods,
  ...backupMethods,
} as const satisfies Record<string, MethodSpec>;

export const streams = {
  ...nodeStreams,
  ...vitalsStreams,
  ...fhirStreams,
  ...exportStreams,
} as const satisfies Record<string, StreamSpec>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives: the input after the schema applied its defaults. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export type Streams = typeof streams;
export type StreamName = keyof Streams;
export type StreamParams<S extends StreamName> = z.input<Streams[S]['params']>;
export type StreamParsedParams<S extends StreamName> = z.output<Streams[S]['params']>;
export type StreamEvent<S extends StreamName> = z.output<Streams[S]['event']>;

export const methodNames = Object.keys(methods) as MethodName[];
export const streamNames = Object.keys(streams) as StreamName[];

export const isMethodName = (name: string): name is MethodName =>
  Object.prototype.hasOwnProperty.call(methods, name);
export const isStreamName = (name: string): name is StreamName =>
  Object.prototype.hasOwnProperty.call(streams, name);
