import { useCallback, useEffect, useState } from 'react';
import type { AuditEntryView, AuditFilter } from '../../../shared/api/audit';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { useClient } from '../../app/context';

export const PAGE_SIZE = 50;

export interface AuditSearchState {
  readonly entries?: readonly AuditEntryView[];
  readonly error?: ApiErrorBody;
  readonly loading: boolean;
  /** 0 is the newest page. */
  readonly page: number;
  readonly hasOlder: boolean;
  readonly older: () => void;
  readonly newer: () => void;
  readonly reload: () => void;
}

/**
 * Pages through audit.search newest first by keyset (`before` = the last seq shown), keeping the
 * cursors of pages already seen so "Newer" goes back exactly to them.
 */
export function useAuditSearch(filter: AuditFilter): AuditSearchState {
  const client = useClient();
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<{
    entries?: readonly AuditEntryView[];
    nextBefore: number | null;
    error?: ApiErrorBody;
  }>({ nextBefore: null });
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);

  // A new filter starts again at the newest page.
  useEffect(() => {
    setCursors([undefined]);
    setPage(0);
  }, [filter]);

  const before = cursors[page];
  useEffect(() => {
    let current = true;
    setLoading(true);
    void client
      .call('audit.search', { ...filter, ...(before === undefined ? {} : { before }), limit: PAGE_SIZE })
      .then((r) => {
        if (!current) return;
        setLoading(false);
        setResult(
          r.ok
            ? { entries: r.value.entries, nextBefore: r.value.nextBefore }
            : { nextBefore: null, error: r.error },
        );
      });
    return () => {
      current = false;
    };
  }, [client, filter, before, reloads]);

  const older = useCallback(() => {
    if (result.nextBefore === null) return;
    const next = result.nextBefore;
    setCursors((c) => [...c.slice(0, page + 1), next]);
    setPage((p) => p + 1);
  }, [page, result.nextBefore]);
  const newer = useCallback(() => setPage((p) => Math.max(0, p - 1)), []);
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  return {
    ...(result.entries ? { entries: result.entries } : {}),
    ...(result.error ? { error: result.error } : {}),
    loading,
    page,
    hasOlder: result.nextBefore !== null,
    older,
    newer,
    reload,
  };
}
