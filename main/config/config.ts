import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { keySourceKind } from '../../shared/api/node';
import { localCodeSchema } from '../../shared/catalog/vital-signs';
import { defaultDecideThreads } from '../ingest/hl7/decide-pool';
import { operationsConfig, operationsFileSchema, type OperationsConfig } from './operations';

/** Where the mesh CA's private key may be kept (main/mesh/ca-key.ts). */
export const MESH_CA_KEY_LOCATIONS = ['store', 'keychain'] as const;

/** The same bounds as a unit's own setting (alarms.setUnitSettings in shared/api/vitals.ts). */
const signalLostSeconds = () => z.number().int().min(5).max(3600);
export const signalLostSecondsSchema = signalLostSeconds();

/** Settings a person may put in <data dir>/config.json. Unknown keys are refused, so typos show. */
export const fileConfigSchema = z
  .object({
    facilityName: z.string().min(1).max(200).optional(),
    keySource: keySourceKind.optional(),
    keyFile: z.string().min(1).optional(),
    auditKeyFile: z.string().min(1).optional(),
    consoleHost: z.string().min(1).optional(),
    consolePort: z.number().int().min(0).max(65535).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    demo: z.boolean().optional(),
    /** Session idle timeout and absolute lifetime (see main/auth/sessions.ts for the defaults). */
    sessionIdleMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    sessionMaxHours: z
      .number()
      .int()
      .min(1)
      .max(7 * 24)
      .optional(),
    /** Forward the audit chain to a SIEM: syslog RFC 5424 over TLS (RFC 5425). Paths are PEM files. */
    auditSyslog: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(6514),
        caFile: z.string().min(1),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** The HL7 v2 (MLLP) listener for bedside monitors and device gateways. */
    mllpEnabled: z.boolean().optional(),
    mllpHost: z.string().min(1).optional(),
    mllpPort: z.number().int().min(0).max(65535).optional(),
    /** A frame larger than this is answered AR and never buffered whole. */
    mllpMaxFrameBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .optional(),
    /** TLS on the MLLP port (IHE ATNA); with caFile + requireClientCert, mutual TLS. Paths are PEM files. */
    mllpTls: z
      .object({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        caFile: z.string().min(1).optional(),
        requireClientCert: z.boolean().default(false),
      })
      .strict()
      .refine((t) => !t.requireClientCert || t.caFile !== undefined, {
        message: "requireClientCert needs caFile (the CA that signs the devices' certificates)",
      })
      .optional(),
    /** Threads that read HL7 frames beside the one that stores them; 0 = read on the node's own thread. */
    mllpDecideThreads: z.number().int().min(0).max(16).optional(),
    /** Message types other than ORU acknowledged AA and kept (default ADT). */
    hl7KeepTypes: z.array(z.string().regex(/^[A-Z0-9]{3}$/, 'a message type such as ADT')).optional(),
    /** Local OBX codes mapped onto the vital-sign catalog (see shared/catalog/vital-signs.ts). */
    localCodes: z.array(localCodeSchema).optional(),
    /** Live vitals: a parameter silent this long is "signal lost" unless its unit sets its own (IT). */
    signalLostSeconds: signalLostSecondsSchema.optional(),
    /** The mesh's mutual-TLS gRPC listener (issue 8); no port = no listener (pulling still works). */
    meshHost: z.string().min(1).optional(),
    meshPort: z.number().int().min(0).max(65535).optional(),
    /** How often each subscribed peer product is pulled; 0 = only on demand. */
    meshPullIntervalSeconds: z.number().int().min(0).max(86_400).optional(),
    /** Where the facility CA's private key is kept: the encrypted store or the OS keychain. */
    meshCaKey: z.enum(MESH_CA_KEY_LOCATIONS).optional(),
    /** Retention schedule, scheduled backups, alert thresholds, /metrics (main/config/operations.ts). */
    operations: operationsFileSchema.optional(),
  })
  .strict();
export type FileConfig = z.infer<typeof fileConfigSchema>;

export const DEFAULTS = {
  facilityName: 'VitalMesh facility',
  consoleHost: '127.0.0.1',
  consolePort: 8470,
  logLevel: 'info',
  demo: false,
  mllpEnabled: true,
  mllpHost: '127.0.0.1',
  /** The port IANA registered for HL7 v2 over MLLP. */
  mllpPort: 2575,
  mllpMaxFrameBytes: 1024 * 1024,
  /** Long enough for a monitor's 1–5 s send interval with a missed message or two. */
  signalLostSeconds: 15,
} as const;

/** The node's settings after flags, environment, config file and defaults are merged. */
export interface NodeConfig {
  readonly dataDir: string;
  readonly facilityName: string;
  readonly keySource: z.infer<typeof keySourceKind> | undefined;
  readonly keyFile: string | undefined;
  readonly auditKeyFile: string | undefined;
  /** Only ever from the environment or a prompt, never a flag or the config file. */
  readonly passphrase: string | undefined;
  readonly consoleHost: string;
  readonly consolePort: number;
  readonly logLevel: string;
  readonly demo: boolean;
  readonly sessionIdleMinutes?: number | undefined;
  readonly sessionMaxHours?: number | undefined;
  readonly auditSyslog?: FileConfig['auditSyslog'];
  readonly mllpEnabled: boolean;
  readonly mllpHost: string;
  /** 0 = any free port (tests); the bound port is in the log and in ingest.status. */
  readonly mllpPort: number;
  readonly mllpMaxFrameBytes: number;
  readonly mllpTls?: FileConfig['mllpTls'];
  /** Default: one where the machine has a core to spare (main/ingest/hl7/decide-pool.ts). */
  readonly mllpDecideThreads: number;
  readonly hl7KeepTypes?: readonly string[] | undefined;
  readonly localCodes?: FileConfig['localCodes'];
  /** The node-wide signal-lost time; a unit's setting (alarms.setUnitSettings) wins over it. */
  readonly signalLostSeconds: number;
  /** Mesh listener address (default 127.0.0.1); port undefined = off, 0 = any free port. */
  readonly meshHost?: string | undefined;
  readonly meshPort?: number | undefined;
  readonly meshPullIntervalSeconds?: number | undefined;
  /** 'keychain' keeps the CA key in the OS keychain (key source keychain only; else the store). */
  readonly meshCaKey?: (typeof MESH_CA_KEY_LOCATIONS)[number] | undefined;
  /** Product rows per mesh batch (default 5,000); tests and the benchmark set it, no flag does. */
  readonly meshPageSize?: number | undefined;
  /** Retention, backups, alerts, metrics (issue 9); optional so a hand-made config gets the defaults. */
  readonly operations?: OperationsConfig;
}

/** The same settings as flags give them (undefined = not given). */
export type ConfigOverrides = Partial<Omit<NodeConfig, 'passphrase'>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const defaultDataDir = (): string => join(homedir(), '.vitalmesh');

/** Environment variables, each the twin of a flag. */
export function fromEnvironment(env: NodeJS.ProcessEnv): ConfigOverrides & { passphrase?: string } {
  const out: ConfigOverrides & { passphrase?: string } = {};
  const set = <K extends keyof typeof out>(key: K, value: (typeof out)[K] | undefined) => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('dataDir', env.VITALMESH_DATA_DIR);
  set('facilityName', env.VITALMESH_FACILITY_NAME);
  if (env.VITALMESH_KEY_SOURCE)
    set('keySource', parseEnv('VITALMESH_KEY_SOURCE', keySourceKind, env.VITALMESH_KEY_SOURCE));
  set('keyFile', env.VITALMESH_KEY_FILE);
  set('auditKeyFile', env.VITALMESH_AUDIT_KEY_FILE);
  set('passphrase', env.VITALMESH_PASSPHRASE);
  set('consoleHost', env.VITALMESH_CONSOLE_HOST);
  if (env.VITALMESH_CONSOLE_PORT)
    set('consolePort', parseEnv('VITALMESH_CONSOLE_PORT', portSchema, env.VITALMESH_CONSOLE_PORT));
  set('logLevel', env.VITALMESH_LOG_LEVEL);
  if (env.VITALMESH_DEMO) set('demo', parseEnv('VITALMESH_DEMO', boolSchema, env.VITALMESH_DEMO));
  if (env.VITALMESH_MLLP_ENABLED)
    set('mllpEnabled', parseEnv('VITALMESH_MLLP_ENABLED', boolSchema, env.VITALMESH_MLLP_ENABLED));
  set('mllpHost', env.VITALMESH_MLLP_HOST);
  if (env.VITALMESH_MLLP_PORT)
    set('mllpPort', parseEnv('VITALMESH_MLLP_PORT', portSchema, env.VITALMESH_MLLP_PORT));
  if (env.VITALMESH_MLLP_MAX_FRAME_BYTES)
    set(
      'mllpMaxFrameBytes',
      parseEnv('VITALMESH_MLLP_MAX_FRAME_BYTES', frameBytesSchema, env.VITALMESH_MLLP_MAX_FRAME_BYTES),
    );
  if (env.VITALMESH_SIGNAL_LOST_SECONDS)
    set(
      'signalLostSeconds',
      parseEnv(
        'VITALMESH_SIGNAL_LOST_SECONDS',
        z.coerce.number().pipe(signalLostSeconds()),
        env.VITALMESH_SIGNAL_LOST_SECONDS,
      ),
    );
  set('meshHost', env.VITALMESH_MESH_HOST);
  if (env.VITALMESH_MESH_PORT)
    set('meshPort', parseEnv('VITALMESH_MESH_PORT', portSchema, env.VITALMESH_MESH_PORT));
  if (env.VITALMESH_MESH_CA_KEY)
    set(
      'meshCaKey',
      parseEnv('VITALMESH_MESH_CA_KEY', z.enum(MESH_CA_KEY_LOCATIONS), env.VITALMESH_MESH_CA_KEY),
    );
  return out;
}

export const portSchema = z.coerce.number().int().min(0).max(65535);
export const frameBytesSchema = z.coerce
  .number()
  .int()
  .min(1024)
  .max(64 * 1024 * 1024);
const boolSchema = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

function parseEnv<T>(name: string, schema: z.ZodType<T>, value: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      `${name}=${JSON.stringify(value)} is not valid: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

export function readConfigFile(dataDir: string): FileConfig {
  const file = join(dataDir, 'config.json');
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = fileConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Env and file values are parsed by their schemas already; a flag arrives as any whole number. */
function checkedSignalLost(seconds: number): number {
  if (!signalLostSecondsSchema.safeParse(seconds).success) {
    throw new ConfigError(
      `signalLostSeconds ${seconds} is out of range: a whole number of seconds from 5 to 3600 (--signal-lost-seconds, VITALMESH_SIGNAL_LOST_SECONDS or signalLostSeconds in config.json)`,
    );
  }
  return seconds;
}

/** Flags win over the environment, the environment over the config file, that over defaults. */
export function loadConfig(flags: ConfigOverrides, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const fromEnv = fromEnvironment(env);
  const dataDir = resolve(flags.dataDir ?? fromEnv.dataDir ?? defaultDataDir());
  const file = readConfigFile(dataDir);
  const pick = <K extends keyof FileConfig & keyof ConfigOverrides>(key: K) =>
    flags[key] ?? fromEnv[key] ?? file[key];
  // A path given on the command line or in the environment is relative to where the command
  // runs; one in config.json is relative to the data dir it lives in.
  const path = (key: 'keyFile' | 'auditKeyFile') => {
    const given = flags[key] ?? fromEnv[key];
    if (given !== undefined) return resolve(given);
    return file[key] === undefined ? undefined : resolve(dataDir, file[key]);
  };
  return {
    dataDir,
    facilityName: pick('facilityName') ?? DEFAULTS.facilityName,
    keySource: pick('keySource'),
    keyFile: path('keyFile'),
    auditKeyFile: path('auditKeyFile'),
    passphrase: fromEnv.passphrase,
    consoleHost: pick('consoleHost') ?? DEFAULTS.consoleHost,
    consolePort: pick('consolePort') ?? DEFAULTS.consolePort,
    logLevel: pick('logLevel') ?? DEFAULTS.logLevel,
    demo: pick('demo') ?? DEFAULTS.demo,
    sessionIdleMinutes: file.sessionIdleMinutes,
    sessionMaxHours: file.sessionMaxHours,
    auditSyslog: file.auditSyslog && {
      ...file.auditSyslog,
      caFile: resolve(dataDir, file.auditSyslog.caFile),
      certFile: file.auditSyslog.certFile && resolve(dataDir, file.auditSyslog.certFile),
      keyFile: file.auditSyslog.keyFile && resolve(dataDir, file.auditSyslog.keyFile),
    },
    mllpEnabled: pick('mllpEnabled') ?? DEFAULTS.mllpEnabled,
    mllpHost: pick('mllpHost') ?? DEFAULTS.mllpHost,
    mllpPort: pick('mllpPort') ?? DEFAULTS.mllpPort,
    mllpMaxFrameBytes: pick('mllpMaxFrameBytes') ?? DEFAULTS.mllpMaxFrameBytes,
    mllpTls: file.mllpTls && {
      ...file.mllpTls,
      certFile: resolve(dataDir, file.mllpTls.certFile),
      keyFile: resolve(dataDir, file.mllpTls.keyFile),
      caFile: file.mllpTls.caFile && resolve(dataDir, file.mllpTls.caFile),
    },
    mllpDecideThreads: file.mllpDecideThreads ?? defaultDecideThreads(),
    hl7KeepTypes: file.hl7KeepTypes,
    localCodes: file.localCodes,
    signalLostSeconds: checkedSignalLost(pick('signalLostSeconds') ?? DEFAULTS.signalLostSeconds),
    meshHost: pick('meshHost') ?? '127.0.0.1',
    meshPort: pick('meshPort'),
    meshPullIntervalSeconds: file.meshPullIntervalSeconds,
    meshCaKey: pick('meshCaKey'),
    operations: operationsConfig(file.operations, env, dataDir),
  };
}
