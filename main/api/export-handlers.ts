import { ApiError } from '../../shared/api/errors';
import type { ExportStatus } from '../../shared/api/exports';
import { mayExport } from '../products/catalog';
import type { ProductCatalog } from '../products/catalog';
import { ExportBusyError, type DatasetExporter } from '../export/exporter';
import type { HandlerContext } from './context';
import type { Handlers, StreamHandlers } from './dispatcher';

type ExportMethod = 'exports.create' | 'exports.get' | 'exports.list' | 'exports.cancel';

export interface ExportDeps {
  readonly exporter: DatasetExporter;
  readonly catalog: ProductCatalog;
}

/** Researchers see and stop only their own exports; anyone else's is "not found" to them. */
function own(exporter: DatasetExporter, exportId: string, ctx: HandlerContext): ExportStatus {
  ctx.audit.target = `export:${exportId}`;
  const owner = exporter.jobs.owner(exportId);
  if (owner === undefined || owner !== ctx.principal?.userId) {
    throw new ApiError('not_found', `there is no export ${exportId} of yours`);
  }
  return exporter.get(exportId)!;
}

/**
 * Dataset exports (issue 7). The dispatcher has checked the role; here the product's own access
 * list is checked (a product not open to this researcher is refused, and that refusal is the
 * call's audit line), and the export's completion is audited by the exporter with the
 * manifest's hash.
 */
export function exportHandlers({ exporter, catalog }: ExportDeps): Pick<Handlers, ExportMethod> {
  return {
    'exports.create': (input, ctx) => {
      ctx.audit.target = `product:${input.product}`;
      ctx.audit.details = { product: input.product, profile: input.profile, format: input.format };
      const principal = ctx.principal!;
      const product = catalog.definitions.require(input.product);
      if (!mayExport(product.definition, principal)) {
        throw new ApiError('forbidden', `you may not export the product "${input.product}"`);
      }
      if (!product.definition.access.profiles.includes(input.profile)) {
        throw new ApiError(
          'forbidden',
          `the product "${input.product}" may be exported only through ${product.definition.access.profiles.join(', ')}`,
          [{ path: 'profile', message: 'not allowed for this product' }],
        );
      }
      try {
        const { status } = exporter.start(input, {
          userId: principal.userId,
          username: principal.username,
          role: principal.role,
          host: ctx.origin.host,
          remoteAddress: ctx.origin.remoteAddress ?? null,
        });
        ctx.audit.details = {
          ...ctx.audit.details,
          exportId: status.exportId,
          productVersion: status.productVersion,
        };
        return { exportId: status.exportId };
      } catch (error) {
        if (error instanceof ExportBusyError) throw new ApiError('conflict', error.message);
        throw error;
      }
    },
    'exports.get': ({ exportId }, ctx) => own(exporter, exportId, ctx),
    'exports.list': ({ limit }, ctx) => ({ exports: exporter.jobs.listFor(ctx.principal!.userId, limit) }),
    'exports.cancel': async ({ exportId }, ctx) => {
      own(exporter, exportId, ctx);
      return (await exporter.cancel(exportId))!;
    },
  };
}

export function exportStreamHandlers({ exporter }: ExportDeps): Pick<StreamHandlers, 'exports.progress'> {
  return {
    'exports.progress': ({ exportId }, ctx, emit) => {
      const status = own(exporter, exportId, ctx);
      const toEvent = (s: ExportStatus) => ({
        exportId: s.exportId,
        state: s.state,
        written: s.written,
        total: s.total,
        progress: s.progress,
      });
      emit(toEvent(status));
      return exporter.onProgress(exportId, (s) => emit(toEvent(s)));
    },
  };
}
