import type { Migration } from '../migrate';
import { m0010 } from './0010-initial';
import { m0020 } from './0020-observations';
import { m0030 } from './0030-hl7-messages';
import { m0100 } from './0100-auth';
import { m0110 } from './0110-audit';
import { m0200 } from './0200-fhir-sources';
import { m0300 } from './0300-products';
import { m0500 } from './0500-alarms';
import { m0510 } from './0510-observations-covering-index';
import { m0520 } from './0520-mesh';
import { m0530 } from './0530-retention';
import { m0550 } from './0550-unit-types';
import { m0560 } from './0560-hl7-replay';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  m0010,
  m0020,
  m0030,
  m0100,
  m0110,
  m0200,
  m0300,
  m0500,
  m0510,
  m0520,
  m0530,
  m0550,
  m0560,
];
