import { DEMO_UNITS } from '../auth/demo-users';
import type { Logger } from '../log/logger';
import { startSimulator, type Simulator } from './simulator';

/** Beds a demo node streams from: enough to fill a grid, few enough for a loaded laptop. */
export const DEMO_BEDS = 8;

/**
 * The demo's bedside monitors: `DEMO_BEDS` simulated beds across the demo units (where the demo
 * clinician is assigned), one ORU^R01 a second each, over real MLLP into the node's own listener,
 * so a newcomer sees live data the moment the console opens.
 */
export function startDemoBeds(options: { host: string; port: number; logger: Logger }): Simulator {
  return startSimulator({
    host: options.host,
    port: options.port,
    beds: DEMO_BEDS,
    ratePerBed: 1,
    units: DEMO_UNITS,
    seed: 2026,
    logger: options.logger,
  });
}
