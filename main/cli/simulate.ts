import { createLogger } from '../log/logger';
import { startSimulator } from '../simulator/simulator';

export interface SimulateOptions {
  readonly beds: number;
  readonly rate: number;
  readonly host: string;
  readonly port: number;
  readonly units: string;
  readonly messages?: number;
  readonly seed: number;
  readonly firstBed?: number;
}

/**
 * `vitalmesh simulate`: bedside monitors against a running node's MLLP port. Prints a progress
 * line every 5 s (stderr) and a summary at the end; Ctrl-C stops it after in-flight messages.
 */
export async function runSimulator(options: SimulateOptions): Promise<void> {
  const logger = createLogger({ level: process.env.VITALMESH_LOG_LEVEL ?? 'warn' });
  const units = options.units
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  const sim = startSimulator({
    host: options.host,
    port: options.port,
    beds: options.beds,
    ratePerBed: options.rate,
    units,
    seed: options.seed,
    firstBed: options.firstBed,
    messagesPerBed: options.messages,
    logger,
  });
  const target = `${options.host}:${options.port}`;
  console.error(
    `simulating ${options.beds} beds (${units.join(', ')}) at ${options.rate}/s each → MLLP ${target}; Ctrl-C stops`,
  );
  const started = Date.now();
  let lastAcked = 0;
  const progress = setInterval(() => {
    const s = sim.stats();
    const perSecond = (s.acked - lastAcked) / 5;
    lastAcked = s.acked;
    console.error(
      `sent ${s.sent}, AA ${s.acked}, not accepted ${s.rejected}, resends ${s.resends}, ${perSecond.toFixed(1)} AA/s` +
        (s.sent > 0 && s.acked === 0 ? ` — no ACK yet: is a node listening on ${target}?` : ''),
    );
  }, 5000);
  const stop = () => void sim.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await sim.done;
    // Every bed sent its messages: close their connections so the command can exit.
    await sim.stop();
  } finally {
    clearInterval(progress);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const s = sim.stats();
  console.log(JSON.stringify({ ...s, seconds: Math.round((Date.now() - started) / 100) / 10 }));
  if (s.rejected > 0) process.exitCode = 1;
}
