import { useState } from 'react';
import type { AuditFilter } from '../../../shared/api/audit';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { Tabs } from '../../components/tabs';
import { AuditExport } from './audit-export';
import { AuditFilters } from './audit-filters';
import { formatCount } from '../../format/count';
import { describeFilter } from './audit-format';
import { AuditTable } from './audit-table';
import { PatientReport } from './patient-report';
import { PAGE_SIZE, useAuditSearch } from './use-audit-search';
import { VerifyChain } from './verify-chain';
import '../../components/dense-table.css';
import '../../components/form.css';
import './audit.css';

const TABS = [
  { id: 'entries', label: 'Entries' },
  { id: 'patient', label: 'Patient access report' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** Audit: search and page the chain, verify it, report on one patient, export what was found. */
export function AuditScreen() {
  const [tab, setTab] = useState<TabId>('entries');
  const [filter, setFilter] = useState<AuditFilter>({});
  return (
    <div className="audit">
      <div className="audit__tools">
        <VerifyChain />
        <AuditExport filter={filter} />
      </div>
      <Tabs
        idPrefix="audit"
        label="Audit views"
        tabs={TABS}
        selected={tab}
        onSelect={setTab}
        panelClassName="audit__panel"
      >
        {tab === 'entries' ? (
          <>
            <AuditFilters onApply={setFilter} />
            <EntriesView filter={filter} />
          </>
        ) : (
          <PatientReport />
        )}
      </Tabs>
    </div>
  );
}

function EntriesView(props: { filter: AuditFilter }) {
  const search = useAuditSearch(props.filter);
  const { entries, error, loading, page } = search;
  const first = page * PAGE_SIZE + 1;
  const caption = `Audit entries, ${describeFilter(props.filter)}`;
  return (
    <section className="audit-entries" aria-label="Audit entries" aria-busy={loading}>
      <div className="audit-pager">
        <p className="audit-pager__text" role="status">
          {entries === undefined
            ? loading
              ? 'Searching…'
              : ''
            : entries.length === 0
              ? `No entries match (${describeFilter(props.filter)}).`
              : `Entries ${formatCount(first)}–${formatCount(first + entries.length - 1)}, newest first · ${describeFilter(props.filter)}`}
        </p>
        <div className="audit-pager__buttons">
          <button
            type="button"
            className="button button--small"
            disabled={page === 0 || loading}
            onClick={search.newer}
          >
            ← Newer
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={!search.hasOlder || loading}
            onClick={search.older}
          >
            Older →
          </button>
          <button type="button" className="button button--small" disabled={loading} onClick={search.reload}>
            Refresh
          </button>
        </div>
      </div>
      {error ? <ApiErrorAlert error={error} what="the audit entries" /> : null}
      {entries && entries.length > 0 ? <AuditTable entries={entries} caption={caption} /> : null}
    </section>
  );
}
