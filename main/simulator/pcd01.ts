import type { VitalsReading } from './vitals';

export interface BedIdentity {
  /** EUI-64 of the monitor (MSH-3, OBX-18). */
  readonly eui64: string;
  readonly mrn: string;
  readonly family: string;
  readonly given: string;
  readonly birthDate: string;
  readonly sex: 'M' | 'F';
  readonly unit: string;
  readonly room: string;
  readonly bed: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** HL7 DTM in UTC with an explicit offset, as PCD-01 asks for. */
export function hl7Time(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`;
}

/**
 * One IHE PCD-01 ORU^R01 from a multi-parameter monitor: MDS/VMD/CHAN containment OBX and
 * 10 metric OBX (HR, SpO2, pulse, RR, temp, EtCO2, NIBP sys/dia/mean), MDC codes and units.
 * A dropped SpO2 channel is sent with OBX-11 "X" and no value.
 * @see IHE PCD TF-2 (DEC) Appendix: "PCD-01 ORU^R01 example", IEEE 11073-10101
 */
export function pcd01Message(bed: BedIdentity, v: VitalsReading, controlId: string, at: number): string {
  const t = hl7Time(at);
  const dev = `${bed.eui64}^EUI-64`;
  const segs = [
    `MSH|^~\\&|VM_SIM^${bed.eui64}^EUI-64|${bed.unit}|VitalMesh|FACILITY|${t}||ORU^R01^ORU_R01|${controlId}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    `PID|||${bed.mrn}^^^SIMHOSP^MR||${bed.family}^${bed.given}^^^^^L||${bed.birthDate}|${bed.sex}`,
    `PV1||I|${bed.unit}^${bed.room}^${bed.bed}`,
    `OBR|1|${controlId}^VM_SIM^${bed.eui64}^EUI-64|${controlId}^VM_SIM^${bed.eui64}^EUI-64|182777000^monitoring of patient^SCT|||${t}`,
    `OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${dev}`,
  ];
  let n = 1;
  const nm = (code: string, sub: string, value: number | undefined, unit: string, flag = '') =>
    segs.push(
      value === undefined
        ? `OBX|${++n}|NM|${code}|${sub}||${unit}|||||X|||${t}`
        : `OBX|${++n}|NM|${code}|${sub}|${value}|${unit}||${flag}|||R|||${t}`,
    );
  const bpm = '264864^MDC_DIM_BEAT_PER_MIN^MDC';
  const mmhg = '266016^MDC_DIM_MMHG^MDC';
  nm('147842^MDC_ECG_HEART_RATE^MDC', '1.1.1.1', v.hr, bpm, v.hr > 120 ? 'H' : v.hr < 50 ? 'L' : '');
  nm(
    '150456^MDC_PULS_OXIM_SAT_O2^MDC',
    '1.2.1.1',
    v.spo2,
    '262688^MDC_DIM_PERCENT^MDC',
    v.spo2 !== undefined && v.spo2 < 90 ? 'L' : '',
  );
  nm('149530^MDC_PULS_OXIM_PULS_RATE^MDC', '1.2.1.2', v.pulse, bpm);
  nm('151562^MDC_RESP_RATE^MDC', '1.3.1.1', v.rr, '264928^MDC_DIM_RESP_PER_MIN^MDC');
  nm('150364^MDC_TEMP_BODY^MDC', '1.4.1.1', v.temp, '268192^MDC_DIM_DEGC^MDC');
  nm('151708^MDC_CONC_AWAY_CO2_ET^MDC', '1.5.1.1', v.etco2, mmhg);
  nm('150021^MDC_PRESS_BLD_NONINV_SYS^MDC', '1.6.1.1', v.nibp.sys, mmhg, v.nibp.sys < 90 ? 'L' : '');
  nm('150022^MDC_PRESS_BLD_NONINV_DIA^MDC', '1.6.1.2', v.nibp.dia, mmhg);
  nm('150023^MDC_PRESS_BLD_NONINV_MEAN^MDC', '1.6.1.3', v.nibp.mean, mmhg);
  return segs.join('\r');
}

const FAMILY = [
  'Jansen',
  'Okafor',
  'Nguyen',
  'Garcia',
  'Müller',
  'Rossi',
  'Kowalski',
  'Haddad',
  'Silva',
  'Tanaka',
  'Dubois',
  'Larsen',
];
const GIVEN = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Farid',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Kira',
  'Liam',
];

/** Made-up identities for simulated beds (never real people). */
export function simulatedBed(
  index: number,
  random: () => number,
  unit = 'ICU',
  indexInUnit = index,
): BedIdentity {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const year = 1940 + Math.floor(random() * 60);
  return {
    eui64: `0012A5FFFE${(0x100000 + index).toString(16).toUpperCase().slice(-6)}`,
    mrn: `SIM${String(index + 1).padStart(6, '0')}`,
    family: pick(FAMILY),
    given: pick(GIVEN),
    birthDate: `${year}${pad(1 + Math.floor(random() * 12))}${pad(1 + Math.floor(random() * 28))}`,
    sex: random() < 0.5 ? 'F' : 'M',
    unit,
    room: String(100 + Math.floor(indexInUnit / 2)),
    bed: indexInUnit % 2 === 0 ? 'A' : 'B',
  };
}
