/** Failures of the store that the person starting the node must be able to act on. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The key opened nothing: wrong key, or not a VitalMesh database. The file was not changed. */
export class WrongKeyError extends StoreError {
  override name = 'WrongKeyError';
  constructor(file: string) {
    super(
      `wrong key for ${file}: the database could not be decrypted with the key from the configured ` +
        `key source (or the file is not a VitalMesh database). The file was not changed.`,
    );
  }
}

/** The database was written by a newer VitalMesh; opening it here could lose data. */
export class NewerSchemaError extends StoreError {
  override name = 'NewerSchemaError';
  constructor(file: string, found: number, known: number) {
    super(
      `${file} has schema version ${found}, newer than this VitalMesh knows (${known}). ` +
        `Upgrade VitalMesh to open it; the file was not changed.`,
    );
  }
}

/** No usable key source: say exactly how to give one. */
export class KeySourceError extends StoreError {
  override name = 'KeySourceError';
}
