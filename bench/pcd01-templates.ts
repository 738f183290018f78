/**
 * The PCD-01 ORU^R01 messages bench/ingest.ts sends (through bench/ingest-load.ts) and decides
 * ahead for its store-thread-only phase: one per bed, split around its control id.
 */
import { pcd01Message, simulatedBed } from '../main/simulator/pcd01';
import { PatientVitals, seededRandom } from '../main/simulator/vitals';

const PLACEHOLDER = '@@CID@@';

/** One message per bed, split around its control id (MSH-10, OBR-2, OBR-3) for cheap reuse. */
export function templates(beds: number): { parts: string[]; obx: number }[] {
  const random = seededRandom(11);
  return Array.from({ length: beds }, (_, i) => {
    const bed = simulatedBed(i, random, i % 2 === 0 ? 'ICU' : 'Ward 3', i);
    const text = pcd01Message(bed, new PatientVitals(seededRandom(i + 1)).next(), PLACEHOLDER, Date.now());
    return {
      parts: text.split(PLACEHOLDER),
      obx: text.split('\r').filter((s) => s.startsWith('OBX|')).length,
    };
  });
}

/** The bed's message with its control id filled in. */
export const withControlId = (t: { parts: string[] }, controlId: string): string => t.parts.join(controlId);
