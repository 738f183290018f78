import type { Result } from './envelope';
import type {
  MethodInput,
  MethodName,
  MethodOutput,
  StreamEvent,
  StreamName,
  StreamParams,
} from './contract';

/**
 * What a renderer (or script) holds: one typed call function and one typed subscribe function.
 * Both bridges (Electron IPC, HTTP/WebSocket) implement it; nothing else needs to know which.
 */
export interface VitalMeshClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>;
  subscribe<S extends StreamName>(
    stream: S,
    params: StreamParams<S>,
    onEvent: (event: StreamEvent<S>) => void,
    onError?: (error: { code: string; message: string }) => void,
  ): () => void;
}
