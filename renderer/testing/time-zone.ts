import { afterAll, beforeAll, vi } from 'vitest';

/**
 * Runs the calling test file in `zone`, so that local times have one right answer on any machine.
 * Berlin by default: an offset from UTC (+01:00 in winter, +02:00 in summer) shows up a formatter
 * that mixes UTC and local time, which a machine on UTC would hide. Node applies a changed TZ at
 * once, and the zone is put back after the file.
 */
export function pinTimeZone(zone = 'Europe/Berlin'): void {
  beforeAll(() => {
    vi.stubEnv('TZ', zone);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}
