import { loadConfig, type ConfigOverrides } from '../config/config';
import { startConsole } from '../console/server';
import { createLogger } from '../log/logger';
import { createNode } from '../node';
import { createMetrics } from '../metrics/metrics';
import { VERSION } from '../version';
import { demoLoginBlock } from '../auth/demo-users';

/**
 * `vitalmesh start`: the headless node and its console. Logs one "node ready" line with the URL
 * once it serves, and stops cleanly on SIGINT/SIGTERM.
 */
const SHUTDOWN_DEADLINE_MS = 20_000;

export async function startHeadless(flags: ConfigOverrides): Promise<void> {
  const config = loadConfig(flags);
  const logger = createLogger({ level: config.logLevel });
  const node = await createNode(config, { host: 'console', logger });
  let consoleServer;
  try {
    consoleServer = await startConsole({
      api: node.api,
      logger,
      host: config.consoleHost,
      port: config.consolePort,
      liveness: () => ({ status: 'ok', version: VERSION }),
      metrics: config.operations?.metrics
        ? createMetrics({
            store: node.store,
            db: node.store.db,
            hl7: node.hl7,
            health: () => node.operations.health.health(),
          })
        : undefined,
    });
  } catch (error) {
    await node.close();
    throw error;
  }
  const hl7 = node.hl7?.listener;
  logger.info(
    {
      url: consoleServer.url,
      dataDir: config.dataDir,
      // The bound port (config may say 0 = any free port): where monitors and gateways send HL7 v2.
      mllp: hl7 ? { host: hl7.host, port: hl7.port, tls: hl7.tls } : null,
      demoBeds: node.demoBeds?.beds.length ?? 0,
    },
    'node ready',
  );
  // stdout carries the JSON log; the human-readable demo logins go to stderr.
  const demo = demoLoginBlock(node.access.demoLogins, consoleServer.url);
  if (demo) process.stderr.write(demo + '\n');
  if (node.demoBeds && hl7) {
    const units = [...new Set(node.demoBeds.beds.map((b) => b.unit))].join(', ');
    process.stderr.write(
      `Simulated monitors: ${node.demoBeds.beds.length} beds (${units}) send HL7 v2 over MLLP to ${hl7.host}:${hl7.port} — ` +
        'watch them in Live vitals (clinician) and Sources → Bedside devices (IT).\n\n',
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // A part that never finishes closing must not keep a stopped node alive: after the deadline
    // the node says so and exits; the last 'closing' line names the part that hung.
    setTimeout(() => {
      logger.error({ signal, afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    logger.info({ part: 'console' }, 'closing');
    await consoleServer.close();
    await node.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
