import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line, whatever a caller passes: secrets and the patient
 * fields that could appear in an object logged by mistake. Logs carry ids, never names or MRNs.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'passphrase',
  '*.passphrase',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'key',
  '*.key',
  'patient.name',
  '*.patient.name',
  'patient.identifiers',
  '*.patient.identifiers',
  'raw',
  '*.raw',
];

export interface LoggerOptions {
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/** The node's one logger: JSON lines; modules take named children (`logger.child({ module })`). */
export function createLogger({ level = 'info', destination }: LoggerOptions = {}): Logger {
  const options = {
    level,
    base: { app: 'vitalmesh' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
