import { createStore } from 'zustand/vanilla';
import type { VitalMeshClient } from '../../../shared/api/client';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { ExportStatus } from '../../../shared/api/exports';

/** The researcher's export history, as the node lists it (newest first). */
export interface ExportsState {
  readonly exports: readonly ExportStatus[];
  readonly loading: boolean;
  readonly error: ApiErrorBody | undefined;
  readonly refresh: () => Promise<void>;
  /** Puts a fresher status of one export in place (progress events, a finished get). */
  readonly update: (status: ExportStatus) => void;
}

export function createExportsStore(client: VitalMeshClient) {
  return createStore<ExportsState>()((set, get) => ({
    exports: [],
    loading: false,
    error: undefined,
    async refresh() {
      set({ loading: true });
      const r = await client.call('exports.list', { limit: 50 });
      set(
        r.ok
          ? { exports: r.value.exports, loading: false, error: undefined }
          : { loading: false, error: r.error },
      );
    },
    update(status) {
      const rest = get().exports.filter((e) => e.exportId !== status.exportId);
      set({ exports: [status, ...rest].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) });
    },
  }));
}
