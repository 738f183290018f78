/** A small seeded PRNG (mulberry32), so a simulated ward is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface VitalsReading {
  readonly hr: number;
  readonly spo2: number | undefined;
  readonly pulse: number | undefined;
  readonly rr: number;
  readonly temp: number;
  readonly etco2: number;
  readonly nibp: { sys: number; dia: number; mean: number };
  /** SpO2 probe off: the channel reports "no value" (OBX-11 X). */
  readonly spo2Dropout: boolean;
  /** Which parameter is in an alarm episode right now, if any. */
  readonly episode: 'desaturation' | 'tachycardia' | 'hypotension' | undefined;
}

interface Walk {
  value: number;
  readonly baseline: number;
  readonly pull: number;
  readonly noise: number;
}

const step = (w: Walk, target: number, random: () => number) => {
  // Ornstein–Uhlenbeck: drifts back to its target, small noise each tick → slow, plausible trends.
  w.value += (target - w.value) * w.pull + (random() - 0.5) * 2 * w.noise;
  return w.value;
};

/**
 * One patient's physiology: values wander slowly around a personal baseline; now and then an
 * alarm episode (desaturation, tachycardia, hypotension) and, rarely, an SpO2 probe dropout.
 */
export class PatientVitals {
  private readonly hr: Walk;
  private readonly spo2: Walk;
  private readonly rr: Walk;
  private readonly temp: Walk;
  private readonly etco2: Walk;
  private readonly sys: Walk;
  private readonly dia: Walk;
  private episode: { kind: NonNullable<VitalsReading['episode']>; ticksLeft: number } | undefined;
  private dropoutTicks = 0;

  constructor(private readonly random: () => number) {
    const r = (lo: number, hi: number) => lo + random() * (hi - lo);
    this.hr = { value: r(62, 92), baseline: 0, pull: 0.05, noise: 1.2 };
    this.spo2 = { value: r(95, 99), baseline: 0, pull: 0.1, noise: 0.4 };
    this.rr = { value: r(12, 18), baseline: 0, pull: 0.05, noise: 0.5 };
    this.temp = { value: r(36.4, 37.3), baseline: 0, pull: 0.02, noise: 0.02 };
    this.etco2 = { value: r(34, 40), baseline: 0, pull: 0.05, noise: 0.5 };
    this.sys = { value: r(110, 135), baseline: 0, pull: 0.05, noise: 1.5 };
    this.dia = { value: r(65, 82), baseline: 0, pull: 0.05, noise: 1 };
    for (const w of [this.hr, this.spo2, this.rr, this.temp, this.etco2, this.sys, this.dia]) {
      (w as { baseline: number }).baseline = w.value;
    }
  }

  next(): VitalsReading {
    const random = this.random;
    if (!this.episode && random() < 0.004) {
      const kinds = ['desaturation', 'tachycardia', 'hypotension'] as const;
      this.episode = {
        kind: kinds[Math.floor(random() * kinds.length)] ?? 'tachycardia',
        ticksLeft: 20 + Math.floor(random() * 40),
      };
    }
    if (this.dropoutTicks === 0 && random() < 0.002) this.dropoutTicks = 5 + Math.floor(random() * 15);
    const kind = this.episode?.kind;
    const hr = step(this.hr, kind === 'tachycardia' ? 145 : this.hr.baseline, random);
    const spo2 = Math.min(100, step(this.spo2, kind === 'desaturation' ? 84 : this.spo2.baseline, random));
    const sys = step(this.sys, kind === 'hypotension' ? 78 : this.sys.baseline, random);
    const dia = step(this.dia, kind === 'hypotension' ? 42 : this.dia.baseline, random);
    const reading: VitalsReading = {
      hr: Math.round(hr),
      spo2: this.dropoutTicks > 0 ? undefined : Math.round(spo2),
      pulse: this.dropoutTicks > 0 ? undefined : Math.round(hr + (random() - 0.5) * 2),
      rr: Math.round(step(this.rr, this.rr.baseline, random)),
      temp: Math.round(step(this.temp, this.temp.baseline, random) * 10) / 10,
      etco2: Math.round(step(this.etco2, this.etco2.baseline, random)),
      nibp: { sys: Math.round(sys), dia: Math.round(dia), mean: Math.round(dia + (sys - dia) / 3) },
      spo2Dropout: this.dropoutTicks > 0,
      episode: kind,
    };
    if (this.dropoutTicks > 0) this.dropoutTicks--;
    if (this.episode && --this.episode.ticksLeft <= 0) this.episode = undefined;
    return reading;
  }
}
