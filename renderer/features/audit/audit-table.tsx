import type { AuditEntryView } from '../../../shared/api/audit';
import { formatDateTime, localOffset } from '../../format/time';

/** Entries as a dense table; break-glass rows are marked, refused calls stand out by their outcome. */
export function AuditTable(props: { entries: readonly AuditEntryView[]; caption: string }) {
  return (
    <div className="audit-table-wrap">
      <table className="dense-table audit-table" aria-label={props.caption}>
        <thead>
          <tr>
            <th scope="col" className="cell-num">
              Seq
            </th>
            <th scope="col">Time ({localOffset()})</th>
            <th scope="col">Actor</th>
            <th scope="col">Role</th>
            <th scope="col">Host</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col" className="cell-num">
              Patient
            </th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <AuditRow key={e.seq} entry={e} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditRow(props: { entry: AuditEntryView }) {
  const e = props.entry;
  const details = e.details ? JSON.stringify(e.details) : '';
  return (
    <>
      <tr className={e.breakGlassReason ? 'audit-row--break-glass' : undefined}>
        <td className="cell-num cell-mono">{e.seq}</td>
        <td className="cell-nowrap cell-mono" title={e.at}>
          {formatDateTime(e.at)}
        </td>
        <td className="cell-mono">{e.actor}</td>
        <td>{e.role ?? <span className="muted">—</span>}</td>
        <td title={e.remoteAddress ?? undefined}>{e.host}</td>
        <td className="cell-mono">{e.action}</td>
        <td className="cell-mono" title={e.target ?? undefined}>
          <span className="audit-table__clip audit-table__clip--target">{e.target ?? ''}</span>
        </td>
        <td className="cell-num cell-mono">{e.patientId ?? ''}</td>
        <td>
          <span className={e.outcome === 'ok' ? 'outcome outcome--ok' : 'outcome outcome--refused'}>
            {e.outcome}
          </span>
        </td>
        <td className="cell-mono audit-table__details" title={details}>
          <span className="audit-table__clip audit-table__clip--details">{details}</span>
        </td>
      </tr>
      {e.breakGlassReason ? (
        <tr className="audit-row--break-glass audit-row--reason">
          <td />
          <td colSpan={9}>
            <span className="badge badge--danger">Break-glass</span> Reason given: {e.breakGlassReason}
          </td>
        </tr>
      ) : null}
    </>
  );
}
