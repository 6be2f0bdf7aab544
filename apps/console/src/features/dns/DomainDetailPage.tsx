import { useEffect, useId, useState, type FormEvent } from 'react';
import { useComputes } from '../../api/computes.ts';
import { useAcceptImport, useDeleteDomain, useDeleteRrset, useDomain, useImportReview, useRrsets, type Domain, type Rrset } from '../../api/dns.ts';
import { ApiError } from '../../api/errors.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { ConfirmAction } from '../../components/ui/ConfirmAction.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate, formatRelativeTime } from '../../lib/format.ts';
import { Link, navigate, usePathname } from '../../routes/router.tsx';
import { CopyButton, FieldError } from '../computes/ComputeParts.tsx';
import { computeAddressSuggestions, digCommand, formatTtl, fullName, isRecordType, sortRrsets, statusMeaning } from './dns-rules.ts';
import { DelegationFinding, DnsErrorNotice, DomainStatusBadge, NameserverList, RegistrarSteps, useDnsAccess } from './DnsParts.tsx';
import { ImportOutcome, ImportReviewCard } from './ImportReview.tsx';
import { RecordDialog, type SavedRecords } from './RecordDialog.tsx';
import '../../styles/computes.css';
import '../../styles/dns.css';

/** `/domains/:name` → the name. */
function domainNameFrom(pathname: string): string {
  try {
    return decodeURIComponent(pathname.replace(/\/+$/, '').split('/')[2] ?? '');
  } catch {
    return '';
  }
}

/** The record dialog with the team's compute addresses offered for A records (loaded when it opens). */
function RecordEditor(props: { domain: Domain; existing?: Rrset; rrsets: readonly Rrset[]; onClose: () => void; onSaved: (saved: SavedRecords) => void }) {
  const computes = useComputes(null);
  return <RecordDialog {...props} suggestions={computeAddressSuggestions(computes.data?.items ?? [])} />;
}

function DeleteDomainDialog({ domain, onClose }: { domain: Domain; onClose: () => void }) {
  const id = useId();
  const remove = useDeleteDomain(domain.name);
  const [typed, setTyped] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const matches = typed.trim().toLowerCase() === domain.name;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!matches) return;
    remove.mutate(undefined, { onSuccess: () => navigate('/domains') });
  };

  return (
    <Dialog
      title={`Delete ${domain.name}`}
      description={`Its ${domain.recordSets} record set${domain.recordSets === 1 ? '' : 's'} are deleted and our nameservers stop answering for it at once. Anything still pointing here stops resolving. This cannot be undone.`}
      onClose={onClose}
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Delete domain">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-name`}>
            Type <code>{domain.name}</code> to confirm
          </label>
          <input
            id={`${id}-name`}
            className="input input-mono"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            value={typed}
            aria-invalid={submitted && !matches ? true : undefined}
            aria-describedby={submitted && !matches ? `${id}-error` : undefined}
            onChange={(e) => setTyped(e.target.value)}
          />
          <FieldError id={`${id}-error`}>{submitted && !matches ? 'The domain name does not match.' : null}</FieldError>
        </div>
        {remove.isError ? <DnsErrorNotice error={remove.error} /> : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" className="btn-danger" disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete domain'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** How to point the domain at the platform, with what the last check found; shown until it is Active. */
function DelegationCard({ domain }: { domain: Domain }) {
  const id = useId();
  return (
    <Card
      title={domain.status === 'INACTIVE' ? 'Set the nameservers to activate this domain' : `Point ${domain.name} at Strettch Cloud`}
      headingId={`${id}-delegation`}
      description={statusMeaning[domain.status]}
    >
      <div className="dns-delegation">
        <div>
          <NameserverList nameservers={domain.nameservers} />
          <DelegationFinding domain={domain} />
        </div>
        <div>
          <RegistrarSteps domain={domain.name} />
          <p className="field-hint">
            {domain.status === 'INACTIVE'
              ? 'Once they are set, the next check (within a few hours) makes the domain Active again and its records are served.'
              : 'The change reaches the internet within minutes to 24 hours. We check every few minutes; this page turns Active by itself.'}
          </p>
        </div>
      </div>
    </Card>
  );
}

function RrsetRow({ rrset, domain, manager, onEdit }: { rrset: Rrset; domain: Domain; manager: boolean; onEdit: () => void }) {
  const remove = useDeleteRrset(domain.name);
  const full = fullName(rrset.name, domain.name);
  return (
    <tr data-rrset={`${rrset.name}/${rrset.type}`}>
      <td className="dns-name-cell">
        <span className="mono" title={full}>
          {rrset.name}
        </span>
      </td>
      <td data-label="Type">
        <span className="badge">{rrset.type}</span>
      </td>
      <td data-label="TTL" title={`${rrset.ttl} seconds`}>
        {formatTtl(rrset.ttl)}
      </td>
      <td className="dns-values-cell">
        <ul className="dns-values">
          {rrset.records.map((r) => (
            <li key={r.value}>
              <span className="mono dns-value">{r.value}</span>
              {r.comment ? <span className="dns-comment">{r.comment}</span> : null}
            </li>
          ))}
        </ul>
        {remove.isError ? <DnsErrorNotice error={remove.error} /> : null}
      </td>
      {manager ? (
        <td className="dns-row-actions">
          {isRecordType(rrset.type) ? (
            <Button size="sm" variant="ghost" aria-label={`Edit ${rrset.type} records at ${rrset.name}`} onClick={onEdit}>
              <Icon name="pencil" size={14} />
              Edit
            </Button>
          ) : null}
          <ConfirmAction
            label="Delete"
            ariaLabel={`Delete ${rrset.type} records at ${rrset.name}`}
            confirmLabel="Delete records"
            pendingLabel="Deleting…"
            pending={remove.isPending}
            onConfirm={() => remove.mutate({ recordName: rrset.name, type: rrset.type })}
          />
        </td>
      ) : null}
    </tr>
  );
}

function RecordsCard({
  domain,
  rrsets,
  manager,
  importWaiting,
  onAdd,
  onEdit,
}: {
  domain: Domain;
  rrsets: Rrset[];
  manager: boolean;
  /** Records found at the previous host wait for review above. */
  importWaiting: boolean;
  onAdd: () => void;
  onEdit: (rrset: Rrset) => void;
}) {
  const id = useId();
  const [chosenType, setFilter] = useState<string | null>(null);
  const sorted = sortRrsets(rrsets);
  const types = [...new Set(sorted.map((r) => r.type))];
  // A filter whose last set was deleted falls back to all.
  const filter = chosenType !== null && types.includes(chosenType) ? chosenType : null;
  const shown = sorted.filter((r) => filter === null || r.type === filter);

  return (
    <Card
      title="Records"
      headingId={`${id}-records`}
      description={rrsets.length ? `${rrsets.length} record set${rrsets.length === 1 ? '' : 's'}, served by our nameservers as soon as they are saved.` : undefined}
      actions={
        types.length > 1 ? (
          <div className="segmented dns-type-filter" role="group" aria-label="Show record type">
            {[null, ...types].map((t) => (
              <button key={t ?? 'all'} type="button" className="segmented-option" aria-pressed={filter === t} onClick={() => setFilter(t)}>
                {t ?? 'All'}
              </button>
            ))}
          </div>
        ) : undefined
      }
      flush
    >
      {rrsets.length === 0 ? (
        <EmptyState
          icon="globe"
          title="No records yet"
          action={
            manager ? (
              <Button variant="primary" onClick={onAdd}>
                <Icon name="plus" size={16} />
                Add records
              </Button>
            ) : undefined
          }
        >
          <p>
            {importWaiting
              ? 'Keep the records found at your current DNS host above, or add your own.'
              : `An A record at @ points ${domain.name} at a compute; www, mail (MX) and TXT records for e-mail usually follow.`}
          </p>
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table dns-record-table" aria-labelledby={`${id}-records`}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">TTL</th>
                <th scope="col">Values and comments</th>
                {manager ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <RrsetRow key={`${r.name}/${r.type}`} rrset={r} domain={domain} manager={manager} onEdit={() => onEdit(r)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** After a save: what happened, and how to check it against our nameservers. */
function SavedNotice({ saved, domain, onDismiss }: { saved: SavedRecords; domain: Domain; onDismiss: () => void }) {
  const command = digCommand(domain.nameservers[0] ?? 'ns1', fullName(saved.rrset.name, domain.name), saved.rrset.type);
  return (
    <Notice
      tone="info"
      role="status"
      title={`${saved.rrset.type} records ${saved.created ? 'created' : 'saved'} at ${saved.rrset.name}.`}
      action={
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      }
    >
      <span className="dns-dig">
        Test it: <code data-testid="dig-command">{command}</code>
        <CopyButton value={command} label="Copy the dig command" />
      </span>
    </Notice>
  );
}

function DomainDetail({ name, manager }: { name: string; manager: boolean }) {
  const domain = useDomain(name);
  const rrsets = useRrsets(name);
  const data = domain.data;
  const review = useImportReview(name, { watch: data !== undefined && Date.now() - Date.parse(data.createdAt) < 2 * 60_000 });
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit'; rrset: Rrset } | { kind: 'delete' } | null>(null);
  const [saved, setSaved] = useState<SavedRecords | null>(null);
  const accept = useAcceptImport(name);

  if (domain.isError && domain.error instanceof ApiError && domain.error.status === 404) {
    return (
      <>
        <h1 tabIndex={-1} className="page-title">
          {name || 'Domain'}
        </h1>
        <Card>
          <EmptyState
            icon="globe"
            title="No such domain"
            action={
              <Link to="/domains" className="btn btn-secondary">
                All domains
              </Link>
            }
          >
            <p>This team has no domain with that name. It may belong to another team: switch teams in the top bar.</p>
          </EmptyState>
        </Card>
      </>
    );
  }

  return (
    <QueryView query={domain} what="the domain">
      {(d) => {
        const drifted = d.status === 'ACTIVE' && d.checkedAt !== null && d.delegatedTo.length > 0 && d.delegatedTo.some((ns) => !d.nameservers.includes(ns));
        return (
          <>
            <header className="compute-header">
              <div className="compute-header-text">
                <h1 tabIndex={-1} className="page-title compute-title">
                  {d.name}
                </h1>
                <div className="compute-header-state">
                  <DomainStatusBadge status={d.status} />
                  <span className="cell-muted" title={d.statusChangedAt}>
                    since {formatRelativeTime(d.statusChangedAt)}
                  </span>
                </div>
                <p className="page-description">
                  {d.recordSets} record set{d.recordSets === 1 ? '' : 's'} · added {formatDate(d.createdAt)} · serial <span className="mono">{d.serial}</span>
                </p>
              </div>
              {manager ? (
                <div className="compute-actions" role="group" aria-label="Domain actions">
                  <Button variant="primary" size="sm" onClick={() => setDialog({ kind: 'add' })}>
                    <Icon name="plus" size={14} />
                    Add records
                  </Button>
                  <Button size="sm" className="btn-danger-outline" onClick={() => setDialog({ kind: 'delete' })}>
                    <Icon name="trash" size={14} />
                    Delete domain
                  </Button>
                </div>
              ) : null}
            </header>

            {!manager ? (
              <p className="compute-member-note">
                <Icon name="lock" size={15} /> Only Owners and Admins can change records or delete the domain.
              </p>
            ) : null}

            {d.status !== 'ACTIVE' ? <DelegationCard domain={d} /> : null}
            {d.status === 'ACTIVE' ? (
              <p className="dns-served-by">
                <Icon name="globe" size={15} /> Served by{' '}
                {d.nameservers.map((ns, i) => (
                  <span key={ns}>
                    {i > 0 ? ', ' : ''}
                    <span className="mono">{ns}</span>
                  </span>
                ))}
                .
              </p>
            ) : null}
            {drifted ? (
              <Notice tone="warning" title="The nameservers at the registrar have changed.">
                <DelegationFinding domain={d} /> Set them back to {d.nameservers.join(' and ')}, or this domain’s records stop being used.
              </Notice>
            ) : null}

            {accept.data ? <ImportOutcome result={accept.data} onDismiss={() => accept.reset()} /> : null}
            {review.data ? <ImportReviewCard key={review.data.foundAt} review={review.data} manager={manager} accept={accept} /> : null}
            {saved ? <SavedNotice saved={saved} domain={d} onDismiss={() => setSaved(null)} /> : null}

            <QueryView query={rrsets} what="the records">
              {(list) => (
                <RecordsCard domain={d} rrsets={list} manager={manager} importWaiting={Boolean(review.data)} onAdd={() => setDialog({ kind: 'add' })} onEdit={(rrset) => setDialog({ kind: 'edit', rrset })} />
              )}
            </QueryView>

            {dialog?.kind === 'add' || dialog?.kind === 'edit' ? (
              <RecordEditor
                key={dialog.kind === 'edit' ? `${dialog.rrset.name}/${dialog.rrset.type}` : 'add'}
                domain={d}
                existing={dialog.kind === 'edit' ? dialog.rrset : undefined}
                rrsets={rrsets.data ?? []}
                onClose={() => setDialog(null)}
                onSaved={setSaved}
              />
            ) : null}
            {dialog?.kind === 'delete' ? <DeleteDomainDialog domain={d} onClose={() => setDialog(null)} /> : null}
          </>
        );
      }}
    </QueryView>
  );
}

export function DomainDetailPage() {
  const pathname = usePathname();
  const name = domainNameFrom(pathname);
  const { me, team, manager } = useDnsAccess();
  useEffect(() => {
    if (name === '') navigate('/domains', { replace: true });
  }, [name]);
  return (
    <>
      <Link to="/domains" className="back-link">
        <Icon name="arrowLeft" size={15} />
        Domains
      </Link>
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading the domain…" />
        </Card>
      ) : !me.data ? (
        <>
          <h1 tabIndex={-1} className="page-title">
            {name || 'Domain'}
          </h1>
          <SignInPrompt title="Sign in to see this domain">Its status, nameservers and records are shown once you are signed in.</SignInPrompt>
        </>
      ) : !team ? (
        <>
          <h1 tabIndex={-1} className="page-title">
            {name || 'Domain'}
          </h1>
          <Card>
            <EmptyState icon="globe" title="You’re not in a team">
              <p>Domains belong to a team.</p>
            </EmptyState>
          </Card>
        </>
      ) : (
        <DomainDetail key={`${team.id}:${name}`} name={name} manager={manager} />
      )}
    </>
  );
}
