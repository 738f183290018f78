import { NotBuiltPanel } from '../../components/not-built-panel';

/** Exports: de-identified datasets for research. */
export function ExportsScreen() {
  return (
    <NotBuiltPanel
      purpose="Export de-identified datasets from approved data products as CSV, FHIR NDJSON or Parquet, each with a manifest, and follow their progress."
      forWhom="researchers"
    />
  );
}
