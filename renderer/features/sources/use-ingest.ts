import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { Hl7MessageView, IngestStatus } from '../../../shared/api/ingest';
import { useClient } from '../../app/context';
import { usePolled } from '../../app/use-polled';

export interface IngestStatusState {
  readonly status?: IngestStatus;
  /** When the renderer received `status`, to show how fresh it is. */
  readonly receivedAt?: number;
  readonly error?: ApiErrorBody;
}

/**
 * The HL7 listener's status, asked again every `intervalMs` (counters move many times a second;
 * a poll every couple of seconds is what a person can read). A failed poll keeps the last status.
 */
export function useIngestStatus(intervalMs: number): IngestStatusState {
  const { value, receivedAt, error } = usePolled('ingest.status', {}, intervalMs);
  return { status: value, receivedAt, error };
}

export interface QuarantineState {
  readonly messages?: readonly Hl7MessageView[];
  readonly error?: ApiErrorBody;
  readonly reload: () => void;
}

/** The rejected messages, newest first; loaded again whenever `rejectedTotal` moves. */
export function useQuarantine(rejectedTotal: number | undefined, limit = 50): QuarantineState {
  const client = useClient();
  const [state, setState] = useState<Omit<QuarantineState, 'reload'>>({});
  const [asked, setAsked] = useState(0);
  const reload = useCallback(() => setAsked((n) => n + 1), []);
  useEffect(() => {
    if (rejectedTotal === undefined) return;
    let current = true;
    void client.call('ingest.messages', { outcome: 'rejected', limit }).then((result) => {
      if (!current) return;
      setState(result.ok ? { messages: result.value.messages } : { error: result.error });
    });
    return () => {
      current = false;
    };
  }, [client, rejectedTotal, limit, asked]);
  return { ...state, reload };
}
