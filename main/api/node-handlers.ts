import type { OperationsHealth } from '../../shared/api/health';
import type { NodeHealth } from '../../shared/api/node';
import type { Store } from '../store/store';
import { VERSION } from '../version';
import type { Handlers, StreamHandlers } from './dispatcher';
import type { HostKind } from './context';

export interface NodeHandlerDeps {
  readonly store: Store;
  readonly facilityName: string;
  readonly demo: boolean;
  readonly host: HostKind;
  readonly startedAt: number;
  /** Disk, backups, probes and firing alerts (issue 9); absent where no monitor runs. */
  readonly operations?: () => OperationsHealth;
}

export function nodeHealthOf(deps: NodeHandlerDeps): NodeHealth {
  const operations = deps.operations?.();
  return {
    status: operations && operations.alerts.length > 0 ? 'degraded' : 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
    schemaVersion: deps.store.schemaVersion(),
    keySource: deps.store.keySource,
    ...deps.store.sizes(),
    checkedAt: new Date().toISOString(),
    ...(operations ? { operations } : {}),
  };
}

export function nodeHandlers(deps: NodeHandlerDeps): Pick<Handlers, 'node.health' | 'node.info'> {
  return {
    'node.health': () => nodeHealthOf(deps),
    'node.info': () => ({
      name: 'VitalMesh',
      version: VERSION,
      facilityName: deps.facilityName,
      host: deps.host,
      demo: deps.demo,
    }),
  };
}

export function nodeStreamHandlers(deps: NodeHandlerDeps): Pick<StreamHandlers, 'node.heartbeat'> {
  return {
    'node.heartbeat': ({ intervalMs }, _ctx, emit) => {
      emit(nodeHealthOf(deps));
      const timer = setInterval(() => emit(nodeHealthOf(deps)), intervalMs);
      return () => clearInterval(timer);
    },
  };
}
