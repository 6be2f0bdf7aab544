import { useId, useState, type FormEvent } from 'react';
import { DnsApiError, useAddDomain, useDomains, type Domain } from '../../api/dns.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate } from '../../lib/format.ts';
import { Link, navigate } from '../../routes/router.tsx';
import { FieldError } from '../computes/ComputeParts.tsx';
import { RECORD_TYPES, statusMeaning } from './dns-rules.ts';
import { DnsErrorNotice, DomainStatusBadge, NameserverList, RegistrarSteps, useDnsAccess } from './DnsParts.tsx';
import '../../styles/computes.css';
import '../../styles/dns.css';

export const domainPath = (name: string) => `/domains/${encodeURIComponent(name)}`;

/**
 * Adding a domain, as the product's wizard: the name (and whether to import the records its
 * current DNS host serves), then the two nameservers to set at the registrar, then the domain.
 */
function AddDomainDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const add = useAddDomain();
  const [name, setName] = useState('');
  const [autoImport, setAutoImport] = useState(true);
  const [submitted, setSubmitted] = useState(false);
  const [added, setAdded] = useState<Domain | null>(null);
  const typed = name.trim();
  const emptyProblem = submitted && typed === '' ? 'Enter the domain you own, such as example.rw.' : null;
  // The API's refusal of the name itself (public suffix, invalid, taken) is shown at the field.
  const apiProblem =
    add.error instanceof DnsApiError
      ? (add.error.fieldProblems.find((p) => p.field === 'name')?.message ?? (add.error.status === 409 ? add.error.message : null))
      : null;
  const nameProblem = emptyProblem ?? apiProblem;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (typed === '') return;
    add.mutate({ name: typed, autoImport }, { onSuccess: setAdded });
  };

  if (added) {
    return (
      <Dialog title={`Point ${added.name} at Strettch Cloud`} description="Set these two nameservers at your registrar. Nothing changes for visitors until you do." onClose={onClose}>
        <div className="dns-wizard">
          <ol className="dns-wizard-progress" aria-label="Steps">
            <li className="is-done">Domain</li>
            <li aria-current="step">Nameservers</li>
          </ol>
          <NameserverList nameservers={added.nameservers} />
          <RegistrarSteps domain={added.name} />
          <p className="field-hint">
            The change reaches the internet within minutes to 24 hours. We check every few minutes and the domain turns <strong>Active</strong> by itself; records you add
            now are served at once.
            {autoImport ? ' The records your current DNS host serves are being read for you to review on the domain’s page.' : ''}
          </p>
          <div className="form-actions dialog-actions">
            <Button variant="ghost" onClick={onClose}>
              Close
            </Button>
            <Button variant="primary" onClick={() => navigate(domainPath(added.name))}>
              Continue to {added.name}
            </Button>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Add a domain" description="A domain you already own, registered anywhere. Strettch Cloud hosts its DNS; it does not sell domains." onClose={onClose}>
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Add a domain">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-name`}>
            Domain
          </label>
          <input
            id={`${id}-name`}
            className="input input-mono"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            inputMode="url"
            placeholder="example.rw"
            value={name}
            aria-invalid={nameProblem ? true : undefined}
            aria-describedby={nameProblem ? `${id}-name-error` : undefined}
            onChange={(e) => {
              setName(e.target.value);
              add.reset();
            }}
          />
          <FieldError id={`${id}-name-error`}>{nameProblem}</FieldError>
        </div>
        <label className="toggle-row">
          <input type="checkbox" role="switch" checked={autoImport} onChange={(e) => setAutoImport(e.target.checked)} />
          <span className="toggle-text">
            <span className="toggle-title">Import existing records</span>
            <span className="toggle-meta">Read what the domain’s current DNS host serves, for you to review before switching, so nothing stops working.</span>
          </span>
        </label>
        {add.isError && !apiProblem ? <DnsErrorNotice error={add.error} /> : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={add.isPending}>
            {add.isPending ? 'Adding…' : 'Add domain'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function AddDomainButton({ onClick }: { onClick: () => void }) {
  return (
    <Button variant="primary" onClick={onClick}>
      <Icon name="plus" size={16} />
      Add domain
    </Button>
  );
}

function StatusLegend() {
  return (
    <dl className="dns-legend" aria-label="What the states mean">
      {(['ACTIVATING', 'ACTIVE', 'INACTIVE'] as const).map((s) => (
        <div key={s}>
          <dt>
            <DomainStatusBadge status={s} />
          </dt>
          <dd>{statusMeaning[s]}</dd>
        </div>
      ))}
    </dl>
  );
}

function DomainRow({ domain }: { domain: Domain }) {
  return (
    <tr>
      <td>
        <Link to={domainPath(domain.name)} className="dns-domain-link">
          {domain.name}
        </Link>
      </td>
      <td data-label="Status">
        <DomainStatusBadge status={domain.status} />
        <span className="compute-subline dns-status-note">{domain.awaitingParentDelegation ? 'Waiting for the parent domain’s delegation' : shortMeaning[domain.status]}</span>
      </td>
      <td data-label="Record sets" className="num">
        {domain.recordSets}
      </td>
      <td data-label="Added" title={domain.createdAt}>
        {formatDate(domain.createdAt)}
      </td>
    </tr>
  );
}

const shortMeaning = { ACTIVATING: 'Waiting for the nameservers', ACTIVE: 'Live', INACTIVE: 'Not served: nameservers not set' } as const;

function DomainList({ manager, onAdd }: { manager: boolean; onAdd: () => void }) {
  const domains = useDomains();
  return (
    <QueryView query={domains} what="your domains">
      {(list) =>
        list.items.length === 0 ? (
          <Card>
            <EmptyState icon="globe" title="No domains yet" action={manager ? <AddDomainButton onClick={onAdd} /> : undefined}>
              <p>Add a domain you own, point it at our two nameservers at your registrar, and manage its records here. Records you add are served at once.</p>
              <p className="empty-state-note">
                Record types:{' '}
                {RECORD_TYPES.map((t, i) => (
                  <span key={t}>
                    <code>{t}</code>
                    {i < RECORD_TYPES.length - 1 ? ' ' : ''}
                  </span>
                ))}
              </p>
              {manager ? null : <p className="empty-state-note">Only Owners and Admins of the team add domains.</p>}
            </EmptyState>
          </Card>
        ) : (
          <Card
            title="Your domains"
            headingId="domains-heading"
            description={`${list.total} domain${list.total === 1 ? '' : 's'} in this team.`}
            actions={
              list.items.some((d) => d.status === 'ACTIVATING') ? (
                <span className="live-status" role="status">
                  <span className="live-dot" aria-hidden="true" />
                  Watching for nameservers
                </span>
              ) : undefined
            }
            flush
          >
            <div className="table-scroll">
              <table className="table dns-domain-table" aria-labelledby="domains-heading">
                <thead>
                  <tr>
                    <th scope="col">Domain</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Record sets
                    </th>
                    <th scope="col">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((d) => (
                    <DomainRow key={d.name} domain={d} />
                  ))}
                </tbody>
              </table>
            </div>
            <StatusLegend />
          </Card>
        )
      }
    </QueryView>
  );
}

export function DomainsPage() {
  const { me, team, manager } = useDnsAccess();
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader
        title="Domains"
        description="DNS hosting for the domains you own: point them at our nameservers, then manage their records here."
        actions={team && manager ? <AddDomainButton onClick={() => setAdding(true)} /> : undefined}
      />
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading your domains…" />
        </Card>
      ) : !me.data ? (
        <SignInPrompt title="Sign in to see your domains">Your team’s domains are listed here, with their status and records, once you are signed in.</SignInPrompt>
      ) : !team ? (
        <Card>
          <EmptyState icon="globe" title="You’re not in a team">
            <p>Domains belong to a team. Create a team, or ask a team’s Owner or an Admin to invite you, from the Team page.</p>
          </EmptyState>
        </Card>
      ) : (
        <DomainList key={team.id} manager={manager} onAdd={() => setAdding(true)} />
      )}
      {adding && team ? <AddDomainDialog onClose={() => setAdding(false)} /> : null}
    </>
  );
}
