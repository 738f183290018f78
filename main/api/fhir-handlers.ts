import type { FhirSourceUpdateInput } from '../../shared/api/fhir';
import { ApiError } from '../../shared/api/errors';
import type { FhirService } from '../ingest/fhir/service';
import { syncAuditDetails } from '../ingest/fhir/service';
import type { Handlers, StreamHandlers } from './dispatcher';

type FhirMethod =
  | 'fhir.sources.add'
  | 'fhir.sources.list'
  | 'fhir.sources.update'
  | 'fhir.sources.remove'
  | 'fhir.sync'
  | 'fhir.quarantine';

/** What a configuration change's audit line says: which fields, never a secret's value. */
function changedFields(input: Omit<FhirSourceUpdateInput, 'id'>): Record<string, unknown> {
  const { auth, ...rest } = input;
  return {
    fields: Object.keys(input).sort(),
    ...rest,
    ...(auth
      ? {
          authKind: auth.kind,
          secretChanged:
            (auth.kind === 'basic' && auth.password !== undefined) ||
            (auth.kind === 'bearer' && auth.token !== undefined) ||
            (auth.kind === 'smart' && auth.privateKey !== undefined),
        }
      : {}),
  };
}

/** The FHIR sources API (issue 6): IT's configuration and sync runs; the dispatcher audits each call. */
export function fhirHandlers(service: FhirService): Pick<Handlers, FhirMethod> {
  const { sources } = service;
  return {
    'fhir.sources.add': (input, ctx) => {
      const id = sources.add(input);
      ctx.audit.target = `fhir-source:${id}`;
      const { auth, ...settings } = input;
      ctx.audit.details = { ...settings, authKind: auth.kind };
      return { id };
    },
    'fhir.sources.list': () => ({ sources: sources.views() }),
    'fhir.sources.update': (input, ctx) => {
      const { id, ...change } = input;
      ctx.audit.target = `fhir-source:${id}`;
      ctx.audit.details = changedFields(change);
      if (service.isRunning(id))
        throw new ApiError('conflict', `source ${id} is syncing now; change it when the run has finished`);
      sources.update(id, change);
      return sources.view(id);
    },
    'fhir.sources.remove': ({ id }, ctx) => {
      ctx.audit.target = `fhir-source:${id}`;
      if (service.isRunning(id))
        throw new ApiError('conflict', `source ${id} is syncing now; remove it when the run has finished`);
      const name = sources.get(id)?.name;
      const removed = sources.remove(id);
      ctx.audit.details = { removed, ...(name ? { name } : {}) };
      return { removed };
    },
    'fhir.sync': async ({ sourceId }, ctx) => {
      ctx.audit.target = `fhir-source:${sourceId}`;
      const result = await service.sync(sourceId);
      ctx.audit.details = syncAuditDetails(result);
      return result;
    },
    'fhir.quarantine': ({ sourceId, limit }, ctx) => {
      ctx.audit.target = `fhir-source:${sourceId}`;
      sources.require(sourceId);
      return { entries: sources.quarantine(sourceId, limit) };
    },
  };
}

export function fhirStreamHandlers(service: FhirService): Pick<StreamHandlers, 'fhir.syncProgress'> {
  return {
    'fhir.syncProgress': ({ sourceId }, _ctx, emit) =>
      service.onProgress((p) => {
        if (sourceId === undefined || p.sourceId === sourceId) emit(p);
      }),
  };
}
