import { Command, InvalidArgumentError, Option } from 'commander';
import { KEY_SOURCE_KINDS } from '../shared/api/node';
import type { ConfigOverrides } from './config/config';
import { backup, restore, verifyBackupFile } from './cli/backup';
import { enableIncrementalVacuumCommand } from './cli/store';
import { initKeyFile, rotateKey } from './cli/keys';
import { startHeadless } from './cli/start';
import { runSimulator, type SimulateOptions } from './cli/simulate';
import { verifyAudit } from './cli/audit';
import { readPassword } from './cli/password-input';
import { addUser } from './cli/users';
import { runExport, type ExportCliOptions } from './cli/export';
import { EXPORT_FORMATS } from '../shared/api/exports';
import { addFhirCommands } from './cli/fhir';
import { VERSION } from './version';

/**
 * The `vitalmesh` command. Every setting has a flag and an environment variable; flags win over
 * the environment, which wins over <data dir>/config.json, which wins over defaults.
 */
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0–65535');
  return n;
};

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number above 0');
  return n;
};
const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number above 0');
  return n;
};

/** The options every command that opens the data dir takes. */
function withNodeOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'data directory').env('VITALMESH_DATA_DIR'))
    .addOption(
      new Option('--key-source <kind>', 'where the database key lives')
        .choices(KEY_SOURCE_KINDS)
        .env('VITALMESH_KEY_SOURCE'),
    )
    .addOption(new Option('--key-file <file>', 'key file (key source "file")').env('VITALMESH_KEY_FILE'))
    .addOption(
      new Option('--audit-key-file <file>', 'audit key file (default: <key file>.audit)').env(
        'VITALMESH_AUDIT_KEY_FILE',
      ),
    );
}

/** Only what was given on the command line; loadConfig reads env and the config file itself. */
function overrides(options: Record<string, unknown>): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out;
}

export function buildCli(): Command {
  const program = new Command('vitalmesh')
    .description("VitalMesh: a facility's node in a healthcare data mesh")
    .version(VERSION)
    .showHelpAfterError();

  withNodeOptions(program.command('start').description('run the headless node and its web console'))
    .addOption(new Option('--console-host <host>', 'console bind address').env('VITALMESH_CONSOLE_HOST'))
    .addOption(
      new Option('--console-port <port>', 'console port').argParser(port).env('VITALMESH_CONSOLE_PORT'),
    )
    .addOption(new Option('--facility-name <name>', 'facility display name').env('VITALMESH_FACILITY_NAME'))
    .addOption(new Option('--log-level <level>', 'log level').env('VITALMESH_LOG_LEVEL'))
    .addOption(new Option('--mllp-host <host>', 'HL7 v2 (MLLP) bind address').env('VITALMESH_MLLP_HOST'))
    .addOption(
      new Option('--mllp-port <port>', 'HL7 v2 (MLLP) port, 0 = any free port (default 2575)')
        .argParser(port)
        .env('VITALMESH_MLLP_PORT'),
    )
    .addOption(
      new Option('--mllp-max-frame-bytes <bytes>', 'largest HL7 message accepted (default 1 MiB)')
        .argParser(positiveInt)
        .env('VITALMESH_MLLP_MAX_FRAME_BYTES'),
    )
    .addOption(
      new Option('--mesh-host <host>', 'mesh (mutual-TLS gRPC) bind address').env('VITALMESH_MESH_HOST'),
    )
    .addOption(
      new Option('--mesh-port <port>', 'mesh listener port, 0 = any free port (default: no listener)')
        .argParser(port)
        .env('VITALMESH_MESH_PORT'),
    )
    .addOption(
      new Option(
        '--mesh-ca-key <where>',
        "where the facility CA's private key is kept: store (default) or keychain (needs --key-source keychain)",
      )
        .choices(['store', 'keychain'])
        .env('VITALMESH_MESH_CA_KEY'),
    )
    .addOption(
      new Option(
        '--signal-lost-seconds <s>',
        'seconds without a value before "signal lost", unless a unit sets its own (5–3600, default 15)',
      )
        .argParser(positiveInt)
        .env('VITALMESH_SIGNAL_LOST_SECONDS'),
    )
    .option('--demo', 'start with simulated bedside monitors and demo users')
    .option('--no-demo', 'no simulated monitors (also VITALMESH_DEMO=0)')
    .action(async (options: Record<string, unknown>) => {
      await startHeadless(overrides(options));
    });

  program
    .command('simulate')
    .description('simulated bedside monitors sending IHE PCD-01 ORU^R01 over MLLP to a node')
    .option('--beds <n>', 'number of beds, each its own connection', positiveInt, 8)
    .option('--rate <r>', 'messages per second per bed', positiveNumber, 1)
    .option('--host <host>', "the node's MLLP address", '127.0.0.1')
    .addOption(
      new Option('--port <port>', "the node's MLLP port")
        .argParser(port)
        .default(2575)
        .env('VITALMESH_MLLP_PORT'),
    )
    .option('--units <list>', 'comma-separated units the beds are spread over', 'ICU,Ward 3')
    .option('--messages <n>', 'stop after this many messages per bed (default: until Ctrl-C)', positiveInt)
    .option('--seed <n>', 'seed for the simulated patients and their vitals', positiveInt, 1)
    .option('--first-bed <n>', 'number of the first bed (beside a demo node: 8)', positiveInt)
    .action(async (options: SimulateOptions) => {
      await runSimulator(options);
    });

  const keys = program.command('keys').description('the database key');
  keys
    .command('init')
    .description('create a new random 256-bit key file (mode 600)')
    .requiredOption('--key-file <file>', 'where to write it')
    .action((options: { keyFile: string }) => {
      console.log(initKeyFile(options.keyFile));
    });
  withNodeOptions(keys.command('rotate').description('re-key the database in place (node stopped)')).action(
    async (options: Record<string, unknown>) => {
      console.log(await rotateKey(overrides(options)));
    },
  );

  withNodeOptions(
    program
      .command('backup')
      .description(
        'write a verified, encrypted backup (online); `backup verify <file>` is the restore drill for one',
      ),
  )
    .argument('<file>', 'the backup file to create, or "verify"')
    .argument('[backup]', 'with verify: the backup file to check')
    .action(async (file: string, checked: string | undefined, options: Record<string, unknown>) => {
      // `backup verify <file>`; a backup to be written to a file called verify is `./verify`.
      if (file === 'verify') {
        console.log(await verifyBackupFile(overrides(options), checked));
        return;
      }
      console.log(await backup(overrides(options), file));
    });

  withNodeOptions(
    program.command('restore').description('replace the database with a verified backup (node stopped)'),
  )
    .argument('<file>', 'the backup file')
    .action(async (file: string, options: Record<string, unknown>) => {
      console.log(await restore(overrides(options), file));
    });

  const store = program.command('store').description('the encrypted database file');
  withNodeOptions(
    store
      .command('enable-incremental-vacuum')
      .description('let retention give freed space back to the disk (older databases; node stopped)'),
  ).action(async (options: Record<string, unknown>) => {
    console.log(await enableIncrementalVacuumCommand(overrides(options)));
  });

  const users = program.command('users').description('local user accounts');
  withNodeOptions(
    users
      .command('add')
      .description(
        'add an account; the password is read from a prompt, or from stdin when piped (never argv)',
      ),
  )
    .requiredOption('--username <name>', 'login name')
    .requiredOption('--role <role>', 'clinician, it_admin, compliance_officer or researcher')
    .option('--display-name <name>', 'name shown in the console')
    .action(
      async (options: Record<string, unknown> & { username: string; role: string; displayName?: string }) => {
        const { username, role, displayName, ...rest } = options;
        const password = await readPassword(`password for ${username} (at least 12 characters): `);
        console.log(await addUser(overrides(rest), { username, role, displayName }, password));
      },
    );

  addFhirCommands(program, withNodeOptions, overrides);

  program
    .command('export')
    .description(
      "export a de-identified dataset as a researcher, through the running node's API (password from a prompt or stdin)",
    )
    .requiredOption('--user <name>', 'your researcher account')
    .requiredOption('--product <name>', 'data product, e.g. vitals-raw or vitals-1min')
    .option('--profile <name>', 'de-identification profile', 'safe-harbor')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('csv'))
    .option('--from <time>', 'first observation time (ISO 8601 with offset), inclusive')
    .option('--to <time>', 'last observation time (ISO 8601 with offset), exclusive')
    .addOption(
      new Option('--url <url>', "the node's console address")
        .default('http://127.0.0.1:8470')
        .env('VITALMESH_URL'),
    )
    .action(async (options: ExportCliOptions) => {
      const password = await readPassword(`password for ${options.user}: `);
      // Ctrl-C cancels the export on the node (its partial file is removed) before exiting.
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const status = await runExport(options, password, {
        progress: (line) => process.stderr.write(`\r${line}`),
        signal: abort.signal,
      });
      process.stderr.write('\n');
      console.log(
        JSON.stringify(
          {
            exportId: status.exportId,
            state: status.state,
            rows: status.written,
            manifestSha256: status.manifestSha256,
            files: status.files?.map((f) => f.path),
            error: status.error,
          },
          null,
          2,
        ),
      );
      if (status.state !== 'done') process.exitCode = 1;
    });

  const audit = program.command('audit').description('the audit chain');
  withNodeOptions(
    audit.command('verify').description('walk the chain; exit 1 if an entry was altered or removed'),
  ).action(async (options: Record<string, unknown>) => {
    const { ok, text } = await verifyAudit(overrides(options));
    (ok ? console.log : console.error)(text);
    if (!ok) process.exitCode = 1;
  });

  return program;
}

/** Errors a person can act on are printed as one line; anything else is a bug and shows its stack. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    const known =
      error instanceof Error &&
      /Error$/.test(error.name) &&
      error.name !== 'Error' &&
      error.name !== 'TypeError';
    console.error(`vitalmesh: ${known ? error.message : String((error as Error).stack ?? error)}`);
    process.exitCode = 1;
  }
}
