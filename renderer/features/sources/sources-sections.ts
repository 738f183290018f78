import type { ComponentType } from 'react';
import { BedsideDevicesPanel } from './bedside-devices-panel';
import { FhirSourcesPanel } from './fhir-sources-panel';

/** One kind of source on the Sources screen: a tab, and the panel (its own file) it shows. */
export interface SourceSection {
  readonly id: string;
  readonly label: string;
  readonly Panel: ComponentType;
}

/**
 * The Sources screen's sections, in tab order. A new kind of source is one entry here, with its
 * panel in its own file next to this one.
 */
export const SOURCE_SECTIONS: readonly SourceSection[] = [
  { id: 'bedside', label: 'Bedside devices', Panel: BedsideDevicesPanel },
  { id: 'fhir', label: 'FHIR servers', Panel: FhirSourcesPanel },
];
