import type { ExportFormat, ExportStatus } from '../../shared/api/exports';

/**
 * `vitalmesh export`: a researcher's export from the command line. It talks to the running node's
 * console API as that researcher (login, exports.create, exports.get), so the same permission
 * checks, product access lists and audit entries apply as in the console; the node writes the
 * files under its data dir, and this prints where they are and their manifest hash.
 */
export interface ExportCliOptions {
  readonly url: string;
  readonly user: string;
  readonly product: string;
  readonly profile: string;
  readonly format: ExportFormat;
  readonly from?: string;
  readonly to?: string;
}

export class ExportCliError extends Error {
  override name = 'ExportCliError';
}

interface Envelope<T> {
  ok: boolean;
  value?: T;
  error?: { code: string; message: string };
}

async function post<T>(url: string, method: string, input: unknown, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(input),
    });
  } catch (error) {
    throw new ExportCliError(`can't reach the node at ${url}: ${(error as Error).message}`);
  }
  const body = (await response.json()) as Envelope<T>;
  if (!body.ok) throw new ExportCliError(`${method}: ${body.error?.code} — ${body.error?.message}`);
  return body.value as T;
}

/** A one-line progress bar for a terminal (stderr). */
export function progressLine(s: Pick<ExportStatus, 'written' | 'total' | 'progress' | 'state'>): string {
  const width = 30;
  const filled = Math.round(s.progress * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(s.progress * 100)
    .toString()
    .padStart(3)} % ${s.written.toLocaleString('en')}/${s.total.toLocaleString('en')} rows ${s.state}`;
}

export async function runExport(
  options: ExportCliOptions,
  password: string,
  io: { progress: (line: string) => void; signal?: AbortSignal; pollMs?: number } = {
    progress: () => undefined,
  },
): Promise<ExportStatus> {
  const login = await post<{ token: string }>(options.url, 'auth.login', {
    username: options.user,
    password,
  });
  const token = login.token;
  try {
    const { exportId } = await post<{ exportId: string }>(
      options.url,
      'exports.create',
      {
        product: options.product,
        profile: options.profile,
        format: options.format,
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
      },
      token,
    );
    let cancelled = false;
    for (;;) {
      if (io.signal?.aborted && !cancelled) {
        cancelled = true;
        await post(options.url, 'exports.cancel', { exportId }, token);
      }
      const status = await post<ExportStatus>(options.url, 'exports.get', { exportId }, token);
      io.progress(progressLine(status));
      if (status.state !== 'running') return status;
      await new Promise((r) => setTimeout(r, io.pollMs ?? 250));
    }
  } finally {
    await post(options.url, 'auth.logout', {}, token).catch(() => undefined);
  }
}
