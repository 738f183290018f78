import { z } from 'zod';
import { healthAlert, type HealthAlert } from '../../shared/api/health';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';

/** Where the firing alerts outlive a restart, so a restart neither re-fires nor forgets them. */
export interface AlertState {
  load(): HealthAlert[];
  save(alerts: readonly HealthAlert[]): void;
}

const KEY = 'health.firing_alerts';
const stored = z.array(healthAlert);

/** The firing alerts as one JSON value in node_meta: a handful of rows, written on change only. */
export function storedAlertState(db: Db, logger: Logger): AlertState {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM node_meta WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO node_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    load() {
      const row = read.get(KEY);
      if (!row) return [];
      const parsed = stored.safeParse(safeJson(row.value));
      if (parsed.success) return parsed.data;
      // Unreadable state costs at most one repeated announcement per alert; never a failed start.
      logger.warn({ key: KEY }, 'stored firing alerts are unreadable; starting with none');
      return [];
    },
    save(alerts) {
      write.run(KEY, JSON.stringify(alerts));
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
