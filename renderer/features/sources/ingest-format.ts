/** Formats of the Sources screen's own figures; dates, times and counts are in renderer/format. */

export const formatRate = (perSecond: number): string => perSecond.toFixed(perSecond < 10 ? 1 : 0);

/** Segments on their own lines: HL7 ends them with CR, which a browser shows as nothing. */
export const segmentsOnLines = (text: string): string => text.split(/\r\n|\r|\n/).join('\n');
