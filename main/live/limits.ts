import type { EffectiveLimit } from '../../shared/api/vitals';
import type { AlarmLimits, VitalCatalog } from '../../shared/catalog/vital-signs';
import type { AlarmStore, StoredLimits } from './alarm-store';

type Source = EffectiveLimit['source'];

interface Resolved {
  readonly unit: string | null;
  readonly byCode: Map<string, { limits: AlarmLimits; source: Source; stored?: StoredLimits }>;
}

/**
 * Effective alarm limits: the catalog's default per code, replaced by the unit's (IT) and then
 * the patient's (clinician) where set; the most specific wins, per code. Cached per patient and
 * per unit, and dropped when a limit is set or the patient moves.
 */
export class LimitsResolver {
  private readonly patients = new Map<number, Resolved>();
  private readonly units = new Map<string, Map<string, StoredLimits>>();

  constructor(
    private readonly store: AlarmStore,
    private readonly catalog: VitalCatalog,
    private readonly unitOf: (patientId: number) => string | null,
  ) {}

  private unitLimits(unit: string | null): Map<string, StoredLimits> {
    if (unit === null) return new Map();
    let found = this.units.get(unit);
    if (!found) {
      found = new Map(this.store.unitLimits(unit).map((l) => [l.code, l]));
      this.units.set(unit, found);
    }
    return found;
  }

  private resolve(patientId: number): Resolved {
    const unit = this.unitOf(patientId);
    const cached = this.patients.get(patientId);
    if (cached && cached.unit === unit) return cached;
    const byCode: Resolved['byCode'] = new Map();
    for (const vital of this.catalog.vitals) {
      if (vital.limits) byCode.set(vital.id, { limits: vital.limits, source: 'catalog' });
    }
    for (const [code, l] of this.unitLimits(unit)) byCode.set(code, { limits: l, source: 'unit', stored: l });
    for (const l of this.store.patientLimits(patientId))
      byCode.set(l.code, { limits: l, source: 'patient', stored: l });
    const resolved = { unit, byCode };
    this.patients.set(patientId, resolved);
    return resolved;
  }

  /** The limits a value of this patient and code is judged by; undefined: no alarm for the code. */
  forPatient(patientId: number, code: string): AlarmLimits | undefined {
    return this.resolve(patientId).byCode.get(code)?.limits;
  }

  listForPatient(patientId: number): EffectiveLimit[] {
    return [...this.resolve(patientId).byCode].map(([code, r]) =>
      this.view(code, r.limits, r.source, r.stored),
    );
  }

  listForUnit(unit: string): EffectiveLimit[] {
    const out = new Map<string, EffectiveLimit>();
    for (const vital of this.catalog.vitals) {
      if (vital.limits) out.set(vital.id, this.view(vital.id, vital.limits, 'catalog'));
    }
    for (const [code, l] of this.unitLimits(unit)) out.set(code, this.view(code, l, 'unit', l));
    return [...out.values()];
  }

  view(code: string, l: AlarmLimits, source: Source, stored?: StoredLimits): EffectiveLimit {
    const vital = this.catalog.byId(code);
    return {
      code,
      display: vital?.display ?? code,
      ucum: vital?.ucum ?? '',
      low: l.low,
      high: l.high,
      criticalLow: l.criticalLow,
      criticalHigh: l.criticalHigh,
      source,
      updatedBy: stored?.updatedBy ?? null,
      updatedAt: stored?.updatedAt ?? null,
    };
  }

  patientChanged(patientId: number): void {
    this.patients.delete(patientId);
  }

  unitChanged(unit: string): void {
    this.units.delete(unit);
    for (const [id, r] of this.patients) if (r.unit === unit) this.patients.delete(id);
  }
}
