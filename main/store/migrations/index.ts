import type { Migration } from '../migrate';
import { m0010 } from './0010-initial';
import { m0020 } from './0020-observations';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [m0010, m0020];
