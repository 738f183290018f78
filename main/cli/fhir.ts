import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { fhirSourceAddInput, type FhirSyncProgress, type FhirSyncResult } from '../../shared/api/fhir';
import { ApiError } from '../../shared/api/errors';
import { createVitalCatalog } from '../../shared/catalog/vital-signs';
import { loadConfig, type ConfigOverrides } from '../config/config';
import { FhirService, syncAuditEntry } from '../ingest/fhir/service';
import { createLogger } from '../log/logger';
import { createKeySource } from '../store/key-source';
import { acquireNodeLock } from '../store/node-lock';
import { ensureDataDir } from '../store/store';
import type { AuditInput } from '../audit/chain';
import { cliActor, withAuditChain } from './audit-entry';
import { readPassword } from './password-input';

export class FhirCommandError extends Error {
  override name = 'FhirCommandError';
}

/** Runs with the data dir locked: a running node syncs its own sources (Sources screen). */
async function withFhir<T>(
  flags: ConfigOverrides,
  purpose: string,
  run: (service: FhirService, audit: (entry: AuditInput) => void) => Promise<T>,
): Promise<T> {
  const config = loadConfig(flags);
  ensureDataDir(config.dataDir);
  const release = acquireNodeLock(config.dataDir, purpose);
  try {
    const keys = await createKeySource(config);
    return await withAuditChain(config, keys, async (store, chain) => {
      const service = new FhirService({
        db: store.db,
        catalog: createVitalCatalog(config.localCodes ?? []),
        logger: createLogger({ level: 'silent' }),
        audit: (entry) => chain.append(entry),
      });
      try {
        return await run(service, (entry) => chain.append(entry));
      } finally {
        await service.close();
      }
    });
  } finally {
    release();
  }
}

function resolveSource(service: FhirService, ref: string): number {
  const all = service.sources.all();
  const hit = /^\d+$/.test(ref) ? all.find((s) => s.id === Number(ref)) : all.find((s) => s.name === ref);
  if (!hit)
    throw new FhirCommandError(
      `there is no FHIR source "${ref}"; sources: ${all.map((s) => `${s.id} ${s.name}`).join(', ') || 'none yet (vitalmesh fhir add)'}`,
    );
  return hit.id;
}

/** One progress line: what is being read, counts, and a bar over the searches. */
export function progressLine(p: FhirSyncProgress): string {
  const c = p.counts;
  const width = 20;
  const done = p.streamsTotal ? Math.round((p.streamsDone / p.streamsTotal) * width) : 0;
  const bar = `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
  const what =
    p.phase === 'finished'
      ? `finished (${p.outcome ?? '?'})`
      : p.resourceType
        ? `${p.resourceType}${p.total !== null ? ` (${p.total} on the server)` : ''}`
        : 'starting';
  return (
    `${bar} ${p.streamsDone}/${p.streamsTotal} ${what}: ${c.fetched} fetched, ${c.stored} stored, ` +
    `${c.unchanged} unchanged, ${c.quarantined} quarantined, ${c.pages} pages${p.message ? ` — ${p.message}` : ''}`
  );
}

export function summary(name: string, r: FhirSyncResult): string {
  const c = r.counts;
  const head =
    r.outcome === 'ok'
      ? `synced ${name}`
      : r.outcome === 'stopped'
        ? `${name} is stopped`
        : `sync of ${name} failed`;
  const lines = [
    `${head} in ${(r.durationMs / 1000).toFixed(1)} s: ${c.fetched} fetched, ${c.stored} stored, ${c.unchanged} unchanged, ` +
      `${c.skipped} skipped, ${c.quarantined} quarantined, ${c.retracted} retracted, ${c.observations} observations, ${c.pages} pages`,
  ];
  if (r.message) lines.push(r.message);
  for (const i of r.issues) lines.push(`  server: ${i.severity} ${i.code}: ${i.text}`);
  return lines.join('\n');
}

/** `vitalmesh fhir sync <source>`: progress on stderr, the counts on stdout; exit 1 unless ok. */
export async function fhirSync(
  flags: ConfigOverrides,
  ref: string,
  progress: (line: string) => void,
): Promise<{ ok: boolean; text: string }> {
  return withFhir(
    flags,
    'a FHIR sync from the command line (or use the Sources screen)',
    async (service, append) => {
      const id = resolveSource(service, ref);
      const name = service.sources.require(id).name;
      const stop = service.onProgress((p) => progress(progressLine(p)));
      const result = await service.sync(id);
      stop();
      append({ ...syncAuditEntry(result, cliActor()), host: 'cli' });
      return { ok: result.outcome === 'ok', text: summary(name, result) };
    },
  );
}

export interface FhirAddFlags {
  name: string;
  baseUrl: string;
  auth: string;
  username?: string;
  clientId?: string;
  tokenUrl?: string;
  algorithm?: string;
  keyId?: string;
  scope?: string;
  privateKeyFile?: string;
  resources?: string;
  interval?: string;
  pageSize?: string;
}

const FHIR_ADD_FLAGS: ReadonlySet<string> = new Set<keyof FhirAddFlags>([
  'name',
  'baseUrl',
  'auth',
  'username',
  'clientId',
  'tokenUrl',
  'algorithm',
  'keyId',
  'scope',
  'privateKeyFile',
  'resources',
  'interval',
  'pageSize',
]);

/**
 * `vitalmesh fhir add`: the password or bearer token is read from a prompt or stdin (never argv);
 * a SMART private key from a PEM file.
 */
export async function fhirAdd(
  flags: ConfigOverrides,
  input: FhirAddFlags,
  readSecret: (prompt: string) => Promise<string>,
): Promise<string> {
  const auth: Record<string, unknown> = { kind: input.auth };
  if (input.auth === 'basic') {
    auth.username = input.username;
    auth.password = await readSecret(`password for ${input.username ?? '?'} at ${input.baseUrl}: `);
  } else if (input.auth === 'bearer') auth.token = await readSecret('bearer token: ');
  else if (input.auth === 'smart') {
    if (!input.privateKeyFile) throw new FhirCommandError('--auth smart needs --private-key-file <pem>');
    Object.assign(auth, {
      clientId: input.clientId,
      tokenUrl: input.tokenUrl,
      algorithm: input.algorithm ?? 'RS384',
      keyId: input.keyId,
      scope: input.scope,
      privateKey: readFileSync(input.privateKeyFile, 'utf8'),
    });
  }
  const parsed = fhirSourceAddInput.safeParse({
    name: input.name,
    baseUrl: input.baseUrl,
    auth: JSON.parse(JSON.stringify(auth)) as unknown,
    ...(input.resources ? { resources: input.resources.split(',').map((r) => r.trim()) } : {}),
    ...(input.interval ? { intervalSeconds: input.interval === 'off' ? null : Number(input.interval) } : {}),
    ...(input.pageSize ? { pageSize: Number(input.pageSize) } : {}),
  });
  if (!parsed.success)
    throw new FhirCommandError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return withFhir(flags, 'adding a FHIR source', async (service, append) => {
    const entry = { actor: cliActor(), host: 'cli', action: 'fhir.sources.add' };
    try {
      const id = service.sources.add(parsed.data);
      const { auth: a, ...settings } = parsed.data;
      append({
        ...entry,
        target: `fhir-source:${id}`,
        outcome: 'ok',
        details: { ...settings, authKind: a.kind },
      });
      const view = service.sources.view(id);
      return `added FHIR source ${id} "${view.name}" (${view.baseUrl}, auth ${view.auth.kind}${view.auth.secret ? `: ${view.auth.secret}` : ''}); run it with: vitalmesh fhir sync ${id}`;
    } catch (error) {
      if (error instanceof ApiError) {
        append({ ...entry, outcome: error.code, details: { name: parsed.data.name } });
        throw new FhirCommandError(error.message);
      }
      throw error;
    }
  });
}

/** `vitalmesh fhir list`: sources, state and last run; secrets masked. */
export async function fhirList(flags: ConfigOverrides): Promise<string> {
  return withFhir(flags, 'listing FHIR sources', (service) => {
    const views = service.sources.views();
    if (views.length === 0) return Promise.resolve('no FHIR sources yet (vitalmesh fhir add)');
    return Promise.resolve(
      views
        .map(
          (v) =>
            `${v.id}\t${v.name}\t${v.baseUrl}\t${v.auth.kind}\t${v.state}\tlast run ${v.lastRunAt ?? 'never'}` +
            (v.lastError ? `\t${v.lastError}` : ''),
        )
        .join('\n'),
    );
  });
}

/** The `vitalmesh fhir` commands, registered on the program by main/cli.ts. */
export function addFhirCommands(
  program: Command,
  withNodeOptions: (command: Command) => Command,
  overrides: (options: Record<string, unknown>) => ConfigOverrides,
): void {
  const fhir = program
    .command('fhir')
    .description('FHIR R4 sources (node stopped; a running node has the Sources screen)');
  withNodeOptions(
    fhir.command('sync').description('sync one source now; progress on stderr, counts on stdout'),
  )
    .argument('<source>', 'source id or name')
    .action(async (ref: string, options: Record<string, unknown>) => {
      const tty = process.stderr.isTTY;
      const { ok, text } = await fhirSync(overrides(options), ref, (line) =>
        process.stderr.write(
          tty ? `\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}` : `${line}\n`,
        ),
      );
      if (tty) process.stderr.write('\n');
      (ok ? console.log : console.error)(text);
      if (!ok) process.exitCode = 1;
    });
  withNodeOptions(
    fhir
      .command('add')
      .description('add a source; a password or bearer token is read from a prompt or stdin (never argv)'),
  )
    .requiredOption('--name <name>', 'a name IT recognises')
    .requiredOption('--base-url <url>', 'the FHIR R4 base URL, e.g. https://ehr.example.org/fhir/R4')
    .addOption(
      new Option('--auth <kind>', 'how to authenticate')
        .choices(['none', 'basic', 'bearer', 'smart'])
        .default('none'),
    )
    .option('--username <name>', 'HTTP basic user name')
    .option('--client-id <id>', 'SMART client id')
    .option('--token-url <url>', 'SMART token endpoint (default: from .well-known/smart-configuration)')
    .addOption(new Option('--algorithm <alg>', 'SMART assertion algorithm').choices(['RS384', 'ES384']))
    .option('--key-id <kid>', 'SMART key id (kid)')
    .option('--scope <scope>', 'SMART scope (default system/*.read)')
    .option('--private-key-file <pem>', 'SMART private key, PKCS#8 PEM')
    .option('--resources <list>', 'comma-separated: Location,Patient,Device,Encounter,Observation')
    .option('--interval <seconds|off>', 'seconds between scheduled syncs (default 900), or off')
    .option('--page-size <n>', '_count per page (default 100)')
    .action(async (options: Record<string, unknown>) => {
      // The source's own flags go to fhirAdd (set ones only); the rest are the node options.
      const input: Record<string, unknown> = {};
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(options)) {
        if (!FHIR_ADD_FLAGS.has(key)) rest[key] = value;
        else if (value !== undefined) input[key] = value;
      }
      console.log(await fhirAdd(overrides(rest), input as unknown as FhirAddFlags, readPassword));
    });
  withNodeOptions(
    fhir.command('list').description('the sources, their state and last run; secrets masked'),
  ).action(async (options: Record<string, unknown>) => {
    console.log(await fhirList(overrides(options)));
  });
}
