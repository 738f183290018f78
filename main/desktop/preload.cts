/**
 * The sandboxed preload: builds `window.vitalmesh` (the `VitalMeshClient` of shared/api/client)
 * from the contract and nothing else. It is CommonJS and bundled into one file because a sandboxed
 * preload can require only `electron`; it never hands `ipcRenderer` or a generic `invoke` to the
 * page, so the page can reach exactly the contract's channels.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { VitalMeshClient } from '../../shared/api/client';
import { methodNames, streamNames } from '../../shared/api/contract';
import type { Result } from '../../shared/api/envelope';
import type { ApiErrorBody } from '../../shared/api/errors';
import {
  EVENT_CHANNEL,
  PAGE_LOADED_CHANNEL,
  SUBSCRIBE_CHANNEL,
  UNSUBSCRIBE_CHANNEL,
  callChannel,
} from './channels';

const allowedMethods: ReadonlySet<string> = new Set(methodNames);
const allowedStreams: ReadonlySet<string> = new Set(streamNames);

const unanswered: ApiErrorBody = { code: 'unavailable', message: 'the VitalMesh node did not answer' };
const unknown = (name: string): ApiErrorBody => ({
  code: 'unknown_method',
  message: `there is no API method named "${name}"`,
});

/** Event routing by subscription id; ids are made here so early events already have a home. */
const listeners = new Map<string, (event: unknown) => void>();
let lastSubscription = 0;

// A new page starts with no streams; main closes any the previous page of this window left open.
ipcRenderer.invoke(PAGE_LOADED_CHANNEL).catch(() => undefined);

ipcRenderer.on(EVENT_CHANNEL, (_event, id: unknown, payload: unknown) => {
  if (typeof id === 'string') listeners.get(id)?.(payload);
});

async function call(method: string, input: unknown): Promise<Result<unknown>> {
  if (!allowedMethods.has(method)) return { ok: false, error: unknown(method) };
  try {
    return (await ipcRenderer.invoke(callChannel(method), input)) as Result<unknown>;
  } catch {
    return { ok: false, error: unanswered };
  }
}

function subscribe(
  stream: string,
  params: unknown,
  onEvent: (event: unknown) => void,
  onError?: (error: ApiErrorBody) => void,
): () => void {
  if (!allowedStreams.has(stream)) {
    onError?.(unknown(`${stream}.subscribe`));
    return () => undefined;
  }
  const id = `s${++lastSubscription}`;
  let active = true;
  const stop = () => {
    active = false;
    listeners.delete(id);
  };
  listeners.set(id, (event) => {
    if (active) onEvent(event);
  });
  ipcRenderer.invoke(SUBSCRIBE_CHANNEL, id, stream, params).then(
    (result: Result<unknown>) => {
      if (!result.ok && active) {
        stop();
        onError?.(result.error);
      }
    },
    () => {
      if (!active) return;
      stop();
      onError?.(unanswered);
    },
  );
  return () => {
    if (!active) return;
    stop();
    // Main remembers an unsubscribe that overtakes its subscribe, so this is safe to send at once.
    ipcRenderer.invoke(UNSUBSCRIBE_CHANNEL, id).catch(() => undefined);
  };
}

const client: VitalMeshClient = {
  call: call as VitalMeshClient['call'],
  subscribe: subscribe as VitalMeshClient['subscribe'],
};

contextBridge.exposeInMainWorld('vitalmesh', client);
