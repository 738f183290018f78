import { ApiError } from '../../shared/api/errors';
import type { ProductCatalog } from '../products/catalog';
import type { ProfileStore } from '../deid/profile-store';
import { isBuiltInProfile } from '../deid/profile-store';
import type { UnitTypeStore } from '../products/unit-types';
import type { Handlers } from './dispatcher';

type ProductMethod =
  | 'products.list'
  | 'products.describe'
  | 'products.save'
  | 'profiles.list'
  | 'profiles.save'
  | 'products.unitTypes'
  | 'products.setUnitType';

export interface ProductDeps {
  readonly catalog: ProductCatalog;
  readonly profiles: ProfileStore;
  readonly unitTypes: UnitTypeStore;
}

/**
 * The data product catalog and de-identification profiles (issue 7). Definitions are saved as new
 * versions (the dispatcher has validated them against the same schema the store re-checks);
 * the audit line names the product and version.
 */
export function productHandlers({
  catalog,
  profiles,
  unitTypes,
}: ProductDeps): Pick<Handlers, ProductMethod> {
  return {
    'products.list': (_input, ctx) => ({ products: catalog.list(ctx.principal) }),
    'products.describe': ({ name, version }, ctx) => {
      ctx.audit.target = `product:${name}`;
      return catalog.describe(name, version, ctx.principal);
    },
    'products.save': ({ definition }, ctx) => {
      ctx.audit.target = `product:${definition.name}`;
      const saved = catalog.definitions.save(definition, ctx.principal?.username ?? 'unknown');
      ctx.audit.details = { version: saved.version, grain: definition.grain, fields: definition.fields };
      return saved;
    },
    'profiles.list': () => ({
      profiles: profiles.list().map((p) => ({
        name: p.name,
        version: p.version,
        builtIn: isBuiltInProfile(p.name),
        definition: p.definition,
      })),
    }),
    'profiles.save': ({ definition }, ctx) => {
      ctx.audit.target = `profile:${definition.name}`;
      if (!ctx.principal) throw new ApiError('unauthenticated', 'log in first');
      const saved = profiles.save(definition, ctx.principal.username);
      ctx.audit.details = { version: saved.version, k: definition.kAnonymity.k };
      return saved;
    },
    'products.unitTypes': () => ({ units: unitTypes.list() }),
    'products.setUnitType': ({ unit, unitType }, ctx) => {
      if (!ctx.principal) throw new ApiError('unauthenticated', 'log in first');
      // A unit label is an operational name (it never leaves in a release), so it may be audited.
      ctx.audit.target = `unit:${unit}`;
      const before = unitTypes.get(unit);
      const after = unitTypes.set(unit, unitType, ctx.principal.username);
      ctx.audit.details = {
        unitType: after.unitType,
        source: after.source,
        was: before.unitType,
        wasSource: before.source,
      };
      return after;
    },
  };
}
