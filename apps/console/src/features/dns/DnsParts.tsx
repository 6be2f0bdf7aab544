import { useMe } from '../../api/account.ts';
import { useSelectedTeamId } from '../../api/client.ts';
import { DnsApiError, type Domain, type DomainStatus } from '../../api/dns.ts';
import { ApiError } from '../../api/errors.ts';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatRelativeTime } from '../../lib/format.ts';
import { CopyButton } from '../computes/ComputeParts.tsx';
import { canManageDns, statusLabel, statusMeaning, statusTone } from './dns-rules.ts';

/** The selected team as the signed-in person sees it, and whether they may change its domains. */
export function useDnsAccess() {
  const me = useMe();
  const teamId = useSelectedTeamId();
  const team = me.data?.teams.find((t) => t.id === teamId);
  return { me, team, manager: canManageDns(team?.role) };
}

/** A domain's state; Activating pulses while the platform waits for the delegation. */
export function DomainStatusBadge({ status }: { status: DomainStatus }) {
  return (
    <span className={`badge badge-${statusTone[status]} dns-status${status === 'ACTIVATING' ? ' is-waiting' : ''}`} data-status={status} title={statusMeaning[status]}>
      <span className="dns-status-dot" aria-hidden="true" />
      {statusLabel[status]}
    </span>
  );
}

/** The platform's nameservers, one per line, each with its copy button. */
export function NameserverList({ nameservers }: { nameservers: readonly string[] }) {
  return (
    <ol className="dns-nameservers" aria-label="Nameservers">
      {nameservers.map((ns, i) => (
        <li key={ns}>
          <span className="dns-nameserver-label">Nameserver {i + 1}</span>
          <span className="dns-nameserver-value">
            <span className="mono" data-testid="nameserver">
              {ns}
            </span>
            <CopyButton value={ns} label={`Copy ${ns}`} />
          </span>
        </li>
      ))}
    </ol>
  );
}

/** How to change the nameservers at a registrar, in the steps every registrar's page has. */
export function RegistrarSteps({ domain }: { domain: string }) {
  return (
    <ol className="dns-steps">
      <li>
        Sign in where <strong>{domain}</strong> is registered (your registrar, e.g. the company you pay for the domain each year).
      </li>
      <li>Open the domain’s nameserver settings (often “DNS”, “Nameservers” or “Custom DNS”) and choose custom nameservers.</li>
      <li>Replace every nameserver listed there with the two above, and save.</li>
    </ol>
  );
}

/** What the last delegation check found, in words. */
export function DelegationFinding({ domain }: { domain: Domain }) {
  if (domain.awaitingParentDelegation) {
    const parent = domain.name.split('.').slice(1).join('.');
    return (
      <p className="dns-finding">
        {domain.name} lies below a domain another team hosts here ({parent} or above it). It is served once that team adds NS records for it pointing at the
        nameservers above.
      </p>
    );
  }
  if (!domain.checkedAt) {
    return (
      <p className="dns-finding" data-testid="delegation-finding">
        Not checked yet: the first check runs in a moment, then every few minutes.
      </p>
    );
  }
  const when = <span title={domain.checkedAt}>{formatRelativeTime(domain.checkedAt)}</span>;
  if (domain.delegatedTo.length === 0) {
    return (
      <p className="dns-finding" data-testid="delegation-finding">
        Last check {when}: no nameservers found for {domain.name}. It may not be registered yet, or the registry has not published the change.
      </p>
    );
  }
  return (
    <p className="dns-finding" data-testid="delegation-finding">
      Last check {when}: {domain.name} is delegated to{' '}
      {domain.delegatedTo.map((ns, i) => (
        <span key={ns}>
          {i > 0 ? ', ' : ''}
          <code>{ns}</code>
        </span>
      ))}
      .
    </p>
  );
}

/** An API refusal in plain words, with its request id. Field problems are shown by their fields; this is the rest. */
export function DnsErrorNotice({ error, title }: { error: Error; title?: string }) {
  if (!(error instanceof ApiError)) {
    return (
      <Notice tone="danger" role="alert" title={title ?? 'Something went wrong.'}>
        {error.message}
      </Notice>
    );
  }
  const heading =
    title ??
    (error.code === 'FORBIDDEN'
      ? 'Your role in this team does not allow this.'
      : error.code === 'DOMAIN_TAKEN'
        ? 'Another team hosts this domain here.'
        : error.isTransient
          ? 'Could not reach the API. Try again.'
          : 'The request was refused.');
  const problems = error instanceof DnsApiError ? error.fieldProblems.filter((p) => p.message !== error.message) : [];
  return (
    <Notice tone="danger" role="alert" title={heading}>
      {error.message}
      {problems.map((p) => (
        <span key={p.field} className="notice-error">
          {p.message}
        </span>
      ))}
      {error.requestId ? (
        <>
          {' '}
          Request id <code>{error.requestId}</code>.
        </>
      ) : null}
    </Notice>
  );
}
