import type { ReactNode } from 'react';
import { useAppState } from '../app/context';
import './panel.css';

/**
 * The honest placeholder for a screen that doesn't exist yet: what it will be for and who will use
 * it, and plainly that it isn't built. No sample data and no controls that do nothing.
 */
export function NotBuiltPanel(props: { purpose: ReactNode; forWhom: string }) {
  const nodeInfo = useAppState((state) => state.nodeInfo);
  const version = nodeInfo.state === 'ready' ? ` (${nodeInfo.value.version})` : '';
  return (
    <section className="panel panel--not-built" aria-labelledby="not-built-title">
      <h2 id="not-built-title" className="panel__title">
        Not built yet
      </h2>
      <p className="panel__lead">{props.purpose}</p>
      <p className="panel__meta">For: {props.forWhom}.</p>
      <p className="panel__meta">This screen is not built yet in this version of VitalMesh{version}.</p>
    </section>
  );
}
