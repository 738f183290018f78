/**
 * A listener in its own process for the crash test: opens the encrypted store at argv[2] with the
 * hex key in VITALMESH_TEST_KEY, listens on argv[3], prints "READY <port>". Killed with SIGKILL.
 * Frames are read on a decide worker, as the node reads them: a kill also finds messages there.
 */
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import { createLogger } from '../../log/logger';
import { openEncrypted } from '../../store/database';
import { migrate } from '../../store/migrate';
import { startDecidePool } from './decide-pool';
import { startListener } from './listener';
import { createIngest } from './pipeline';

const [file = '', port = '0'] = process.argv.slice(2);
const db = openEncrypted(file, { bytes: Buffer.from(process.env.VITALMESH_TEST_KEY ?? '', 'hex') });
migrate(db, file);
const logger = createLogger({ level: 'silent' });
const listener = await startListener({
  ingest: createIngest({
    db,
    catalog: DEFAULT_CATALOG,
    logger,
    decider: startDecidePool({ threads: 1, localCodes: [], keepTypes: ['ADT'], logger }),
  }),
  logger,
  port: Number(port),
});
process.stdout.write(`READY ${listener.port}\n`);
