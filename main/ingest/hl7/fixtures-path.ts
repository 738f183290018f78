import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The shared HL7 v2 test corpus (third-party messages; see its README for sources and licences).
 * CI checks out ../shared beside the project, as on the development machines.
 */
export const FIXTURES =
  [resolve(here, '../../../../shared/data/hl7v2'), join(here, 'fixtures')].find((p) => existsSync(p)) ?? '';
