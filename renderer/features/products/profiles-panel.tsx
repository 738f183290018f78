import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { DeidProfile } from '../../../shared/api/products';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { useAppState, useClient } from '../../app/context';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { ProfileEditor } from './profile-editor';

interface ProfileRow {
  name: string;
  version: number;
  builtIn: boolean;
  definition: DeidProfile;
}

type Editing = { mode: 'new' | 'edit'; initial: DeidProfile } | undefined;

const methodSummary = (p: DeidProfile, field: keyof DeidProfile['fields']): string => {
  const m = p.fields[field];
  if (!m) return 'suppress';
  if (m.method === 'dateshift') return `shift ±${m.maxDays} d`;
  if (m.method === 'generalize' && m.grain) return `to the ${m.grain}`;
  return m.method;
};

/**
 * De-identification profiles: every profile's latest version with its gate and time handling;
 * IT creates profiles, edits its own (a new version) and copies a built-in one into a variant
 * (built-in profiles mean what the docs say and never change).
 */
export function ProfilesPanel() {
  const client = useClient();
  const role = useAppState((s) => s.session.user?.role);
  const mayEdit = mayCall(METHOD_ACCESS['profiles.save'], role);
  const [profiles, setProfiles] = useState<ProfileRow[]>([]);
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [editing, setEditing] = useState<Editing>();
  const [saved, setSaved] = useState<string | undefined>();

  const load = useCallback(async () => {
    const r = await client.call('profiles.list', {});
    if (r.ok) setProfiles(r.value.profiles);
    else setError(r.error);
  }, [client]);
  useEffect(() => void load(), [load]);

  const copyOf = (p: DeidProfile): DeidProfile => ({
    ...p,
    name: `${p.name}-variant`.slice(0, 48),
    description: `Variant of ${p.name}: ${p.description}`.slice(0, 2000),
  });

  return (
    <div className="profiles-panel">
      {error ? <ApiErrorAlert error={error} what="the de-identification profiles" /> : null}
      <div className="panel">
        <h2 className="panel__title">De-identification profiles</h2>
        <p className="panel__lead">
          Nothing leaves the node except through a product and one of these. A field a profile does not
          release has no column at all.
        </p>
        {saved ? (
          <p className="alert alert--notice" role="status">
            Published {saved}.
          </p>
        ) : null}
        <table className="dense-table">
          <caption className="visually-hidden">De-identification profiles</caption>
          <thead>
            <tr>
              <th scope="col">Profile</th>
              <th scope="col">Version</th>
              <th scope="col">k</th>
              <th scope="col">Quasi-identifiers</th>
              <th scope="col">Patient</th>
              <th scope="col">Time</th>
              {mayEdit ? <th scope="col">Change</th> : null}
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr key={p.name}>
                <td>
                  {p.name}
                  {p.builtIn ? <span className="badge badge--muted">built in</span> : null}
                  <div className="muted profile-row__description">{p.definition.description}</div>
                </td>
                <td className="cell-num">v{p.version}</td>
                <td className="cell-num">{p.definition.kAnonymity.k}</td>
                <td>{p.definition.kAnonymity.quasiIdentifiers.join(', ') || '—'}</td>
                <td>{methodSummary(p.definition, 'patient')}</td>
                <td>{methodSummary(p.definition, 'time')}</td>
                {mayEdit ? (
                  <td>
                    {p.builtIn ? (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => setEditing({ mode: 'new', initial: copyOf(p.definition) })}
                      >
                        Copy to a variant
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => setEditing({ mode: 'edit', initial: p.definition })}
                      >
                        Edit (publishes v{p.version + 1})
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {mayEdit ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              const base = profiles[0]?.definition;
              if (base)
                setEditing({ mode: 'new', initial: { ...base, name: 'my-profile', description: '' } });
            }}
          >
            New profile
          </button>
        ) : null}
      </div>
      {editing ? (
        <ProfileEditor
          key={`${editing.mode}:${editing.initial.name}`}
          initial={editing.initial}
          mode={editing.mode}
          onClose={() => setEditing(undefined)}
          onSaved={(name, version) => {
            setEditing(undefined);
            setSaved(`${name} v${version}`);
            void load();
          }}
        />
      ) : null}
    </div>
  );
}
