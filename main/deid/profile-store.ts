import { ApiError } from '../../shared/api/errors';
import { deidProfile, type DeidProfile } from '../../shared/api/products';
import type { Db } from '../store/database';
import { VersionedStore, type Versioned } from '../products/versioned-store';
import { BUILT_IN_PROFILES } from './profiles';

export const isBuiltInProfile = (name: string): boolean => BUILT_IN_PROFILES.some((p) => p.name === name);

/**
 * De-identification profiles as versioned data (deid_profiles). The built-in ones can't get new
 * versions: "safe-harbor" must mean what docs/deidentification.md says it means, so a variant is
 * saved under its own name.
 */
export class ProfileStore {
  private readonly store: VersionedStore<typeof deidProfile>;

  constructor(db: Db) {
    this.store = new VersionedStore(db, 'deid_profiles', deidProfile, 'de-identification profile');
    this.store.seed(BUILT_IN_PROFILES);
  }

  save(definition: DeidProfile, createdBy: string): { name: string; version: number } {
    if (isBuiltInProfile(definition.name)) {
      throw new ApiError(
        'conflict',
        `"${definition.name}" is a built-in profile and can't be changed; save your variant under another name`,
        [{ path: 'definition.name', message: 'a built-in profile name' }],
      );
    }
    return this.store.save(definition, createdBy);
  }

  /** Built-in first (safe-harbor at the top), then the rest by name. */
  list(): Versioned<DeidProfile>[] {
    const all = this.store.latestAll();
    const rank = (name: string) => {
      const i = BUILT_IN_PROFILES.findIndex((p) => p.name === name);
      return i === -1 ? BUILT_IN_PROFILES.length : i;
    };
    return all.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  }

  require(name: string, version?: number): Versioned<DeidProfile> {
    return this.store.require(name, version);
  }
}
