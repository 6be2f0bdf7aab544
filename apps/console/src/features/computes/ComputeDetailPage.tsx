import { useEffect, useId, useState, type FormEvent } from 'react';
import { isTransitional, useAction, useCompute, useComputeActions, useComputeCommand, usePrices, type Compute, type ComputeAction, type PowerCommand, type PriceList } from '../../api/computes.ts';
import { ApiError } from '../../api/errors.ts';
import { useImages, useRegions, useSpecifications } from '../../api/queries.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { Tabs, tabIds } from '../../components/ui/Tabs.tsx';
import { formatDateTime, formatMemory, formatRelativeTime, formatRwf, formatStorage } from '../../lib/format.ts';
import { Link, navigate, usePathname } from '../../routes/router.tsx';
import {
  actionStatusLabel,
  actionStatusTone,
  availableCommands,
  commandLabel,
  estimate,
  formatHourly,
  imageLabel,
  isLarger,
  sshCommand,
  type Size,
} from './compute-rules.ts';
import { ActionProgress, Address, ComputeErrorNotice, CopyButton, FieldError, StateBadge, useComputeAccess } from './ComputeParts.tsx';
import { ComputeConsole } from './ComputeConsole.tsx';
import { ComputeMetrics } from './ComputeMetrics.tsx';
import { ReverseDnsCard } from './ReverseDns.tsx';
import '../../styles/computes.css';

type DetailTab = 'overview' | 'metrics' | 'actions' | 'console';
const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'actions', label: 'Actions' },
  { id: 'console', label: 'Console' },
] as const;

/** `/computes/:id` → the id. */
function computeIdFrom(pathname: string): string {
  return decodeURIComponent(pathname.replace(/\/+$/, '').split('/')[2] ?? '');
}

function UpsizeDialog({ compute, sizes, prices, onClose }: { compute: Compute; sizes: readonly (Size & { id: string })[]; prices: PriceList | undefined; onClose: () => void }) {
  const id = useId();
  const command = useComputeCommand(compute.id);
  const current = sizes.find((s) => s.specification === compute.specification);
  const larger = current ? sizes.filter((s) => isLarger(s, current)) : [];
  const [choice, setChoice] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const price = (slug: string) => prices?.specifications.find((p) => p.specification === slug);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!choice) return;
    command.mutate({ kind: 'upsize', newSpecification: choice }, { onSuccess: onClose });
  };

  return (
    <Dialog title={`Upsize ${compute.hostName}`} description="More CPUs, memory or disk. Disks only grow, so a compute cannot be made smaller again. Start it again afterwards." onClose={onClose}>
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Upsize">
        {larger.length === 0 ? (
          <Notice tone="neutral" title="This is the largest size.">
            There is no larger size to move to.
          </Notice>
        ) : (
          <fieldset className="upsize-list" aria-describedby={submitted && !choice ? `${id}-error` : undefined}>
            <legend className="field-label">New size (now {compute.specification})</legend>
            {larger.map((s) => {
              const p = price(s.specification);
              const now = price(compute.specification);
              return (
                <label key={s.specification} className="upsize-option">
                  <input type="radio" name={`${id}-size`} value={s.specification} checked={choice === s.specification} onChange={() => setChoice(s.specification)} />
                  <span className="upsize-option-main">
                    <code className="slug">{s.specification}</code>
                    <span className="upsize-option-specs">
                      {s.vcpus} vCPU · {formatMemory(s.memoryMb)} · {formatStorage(s.storageGb)} SSD
                    </span>
                  </span>
                  <span className="upsize-option-price">
                    {p ? `${formatRwf(p.monthly)} / month` : '—'}
                    {p && now ? <span className="upsize-option-diff">+{formatRwf(p.monthly - now.monthly)}</span> : null}
                  </span>
                </label>
              );
            })}
          </fieldset>
        )}
        <FieldError id={`${id}-error`}>{submitted && !choice && larger.length ? 'Choose the new size.' : null}</FieldError>
        {command.isError ? <ComputeErrorNotice error={command.error} /> : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          {larger.length ? (
            <Button type="submit" variant="primary" disabled={command.isPending}>
              {command.isPending ? 'Upsizing…' : 'Upsize'}
            </Button>
          ) : null}
        </div>
      </form>
    </Dialog>
  );
}

function DestroyDialog({ compute, onClose }: { compute: Compute; onClose: () => void }) {
  const id = useId();
  const command = useComputeCommand(compute.id);
  const [typed, setTyped] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const matches = typed.trim() === compute.hostName;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!matches) return;
    command.mutate({ kind: 'destroy' }, { onSuccess: onClose });
  };

  return (
    <Dialog
      title={`Destroy ${compute.hostName}`}
      description="The machine and its disk are deleted and its addresses released. Billing stops now. This cannot be undone."
      onClose={onClose}
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Destroy">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-name`}>
            Type <code>{compute.hostName}</code> to confirm
          </label>
          <input
            id={`${id}-name`}
            className="input input-mono"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            aria-invalid={submitted && !matches ? true : undefined}
            aria-describedby={submitted && !matches ? `${id}-error` : undefined}
            onChange={(e) => setTyped(e.target.value)}
          />
          <FieldError id={`${id}-error`}>{submitted && !matches ? 'The host name does not match.' : null}</FieldError>
        </div>
        {command.isError ? <ComputeErrorNotice error={command.error} /> : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" className="btn-danger" disabled={command.isPending}>
            {command.isPending ? 'Destroying…' : 'Destroy compute'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function ActionsTable({ actions }: { actions: ComputeAction[] }) {
  if (actions.length === 0) return <p className="muted-text card-pad">No actions yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table" aria-label="Actions">
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Progress
            </th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {actions.map((a) => (
            <tr key={a.id}>
              <td>
                {commandLabel[a.command]}
                {a.specification && (a.command === 'upsize' || a.command === 'create') ? <span className="cell-muted"> → {a.specification}</span> : null}
                {a.reason ? <span className="compute-subline">by billing ({a.reason.replace('billing-', '')})</span> : null}
              </td>
              <td>
                <Badge tone={actionStatusTone[a.status]}>{actionStatusLabel[a.status]}</Badge>
              </td>
              <td className="num">{a.progress}%</td>
              <td title={a.startedAt ?? undefined}>{formatDateTime(a.startedAt ?? a.createdAt)}</td>
              <td title={a.finishedAt ?? undefined}>{formatDateTime(a.finishedAt)}</td>
              <td className="action-error">{a.error ?? <span className="cell-muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ComputeDetail({ computeId, manager }: { computeId: string; manager: boolean }) {
  const compute = useCompute(computeId);
  const data = compute.data;
  const moving = data ? isTransitional(data.state) : false;
  const actions = useComputeActions(computeId, { poll: moving });
  const command = useComputeCommand(computeId);
  const specifications = useSpecifications();
  const images = useImages();
  const regions = useRegions();
  const prices = usePrices();
  const [tab, setTab] = useState<DetailTab>('overview');
  const [dialog, setDialog] = useState<'upsize' | 'destroy' | null>(null);
  const idBase = useId();

  // The action to follow: the one a 202 just named, else the open one in the history.
  const [latestActionId, setLatestActionId] = useState<string | null>(null);
  useEffect(() => {
    if (data?.actionId) setLatestActionId(data.actionId);
  }, [data?.actionId]);
  const open = actions.data?.find((a) => a.status === 'pending' || a.status === 'running');
  const followed = useAction(open?.id ?? latestActionId);
  const current = followed.data && (followed.data.status === 'pending' || followed.data.status === 'running') ? followed.data : open;

  if (compute.isError && compute.error instanceof ApiError && compute.error.status === 404) {
    return (
      <Card>
        <EmptyState icon="server" title="No such compute" action={<Link to="/computes" className="btn btn-secondary">All computes</Link>}>
          <p>This team has no compute with that address. It may belong to another team: switch teams in the top bar.</p>
        </EmptyState>
      </Card>
    );
  }

  return (
    <QueryView query={compute} what="the compute">
      {(c) => {
        const size = specifications.data?.items.find((s) => s.specification === c.specification);
        const image = images.data?.find((i) => i.image === c.image);
        const region = regions.data?.find((r) => r.region === c.region);
        const costs = prices.data ? estimate(prices.data, c.specification, Boolean(c.ipv4)) : null;
        const can = availableCommands(c.state);
        const busy = Boolean(current) || moving || command.isPending;
        const power = (kind: PowerCommand) => command.mutate({ kind });
        const destroyed = c.state === 'DESTROYED';
        return (
          <>
            <header className="compute-header">
              <div className="compute-header-text">
                <h1 tabIndex={-1} className="page-title compute-title">
                  {c.hostName}
                </h1>
                <p className="page-description">
                  {size ? `${size.vcpus} vCPU · ${formatMemory(size.memoryMb)} · ${formatStorage(size.storageGb)} SSD` : c.specification} · {region?.name ?? c.region} ·{' '}
                  {imageLabel(image, c.image)}
                </p>
                <div className="compute-header-state">
                  <StateBadge state={c.state} />
                  <span className="cell-muted" title={c.updatedAt}>
                    since {formatRelativeTime(c.updatedAt)}
                  </span>
                </div>
              </div>
              {manager && !destroyed ? (
                <div className="compute-actions" role="group" aria-label="Compute actions">
                  {can.start ? (
                    <Button variant="primary" size="sm" disabled={busy} onClick={() => power('start')}>
                      <Icon name="play" size={14} />
                      Start
                    </Button>
                  ) : null}
                  {c.state === 'RUNNING' || !can.start ? (
                    <Button size="sm" disabled={busy || !can.stop} onClick={() => power('stop')}>
                      <Icon name="stop" size={14} />
                      Stop
                    </Button>
                  ) : null}
                  <Button size="sm" disabled={busy || !can.reboot} onClick={() => power('reboot')}>
                    <Icon name="reboot" size={14} />
                    Reboot
                  </Button>
                  <Button size="sm" disabled={busy || !can.upsize} title={can.upsize ? undefined : 'Stop the compute to upsize it'} onClick={() => setDialog('upsize')}>
                    <Icon name="upsize" size={14} />
                    Upsize
                  </Button>
                  <Button size="sm" className="btn-danger-outline" disabled={!can.destroy || command.isPending} onClick={() => setDialog('destroy')}>
                    <Icon name="trash" size={14} />
                    Destroy
                  </Button>
                </div>
              ) : null}
            </header>

            {!manager && !destroyed ? (
              <p className="compute-member-note">
                <Icon name="lock" size={15} /> Only Owners and Admins can start, stop, upsize or destroy computes.
              </p>
            ) : null}

            {destroyed ? (
              <Notice tone="neutral" title="This compute was destroyed." action={<Link to="/computes" className="btn btn-secondary btn-sm">All computes</Link>}>
                Its disk is deleted, its addresses released and billing has stopped.
              </Notice>
            ) : null}
            {c.state === 'ERROR' ? (
              <Notice tone="danger" title="This compute could not be created.">
                It is not billed. Destroy it and create a new one; the Actions tab says what went wrong.
              </Notice>
            ) : null}
            {current ? <ActionProgress action={current} /> : null}
            {command.isError ? <ComputeErrorNotice error={command.error} /> : null}
            {manager && c.state === 'RUNNING' && !busy ? <p className="compute-hint">To upsize, stop the compute first; start it again afterwards.</p> : null}

            <div className="compute-addresses">
              <div>
                <span className="compute-address-label">Public IPv4</span>
                {c.ipv4 ? <Address value={c.ipv4} what="public IPv4" /> : <span className="cell-muted">None (private only)</span>}
              </div>
              <div>
                <span className="compute-address-label">Private IPv4</span>
                <Address value={c.privateIpv4} what="private IPv4" />
              </div>
              {costs ? (
                <div className="compute-address-price">
                  <span className="compute-address-label">Costs</span>
                  <span>
                    {formatRwf(costs.monthly)} / month{' '}
                    <span className="cell-muted">
                      ({formatHourly(costs.hourly)} / hour{c.ipv4 ? ', public IPv4 included' : ''})
                    </span>
                  </span>
                </div>
              ) : null}
            </div>

            <div className="compute-tabs">
              <Tabs label="Compute" idBase={idBase} tabs={TABS} value={tab} onChange={setTab} />
            </div>

            {tab === 'overview' ? (
              <div role="tabpanel" id={tabIds(idBase, 'overview').panel} aria-labelledby={tabIds(idBase, 'overview').tab} className="grid-2">
                <Card title="Details" headingId={`${idBase}-details`}>
                  <dl className="compute-facts">
                    <div>
                      <dt>Size</dt>
                      <dd>
                        <code className="slug">{c.specification}</code>
                        {size ? ` ${size.vcpus} vCPU, ${formatMemory(size.memoryMb)}, ${formatStorage(size.storageGb)} SSD` : ''}
                      </dd>
                    </div>
                    <div>
                      <dt>Image</dt>
                      <dd>{imageLabel(image, c.image)}</dd>
                    </div>
                    <div>
                      <dt>Region</dt>
                      <dd>
                        {region?.name ?? c.region} <span className="cell-muted">({c.region})</span>
                      </dd>
                    </div>
                    <div>
                      <dt>Tags</dt>
                      <dd>
                        {c.tags.length ? (
                          <span className="compute-tags">
                            {c.tags.map((t) => (
                              <span key={t} className="compute-tag">
                                {t}
                              </span>
                            ))}
                          </span>
                        ) : (
                          <span className="cell-muted">None</span>
                        )}
                      </dd>
                    </div>
                    <div>
                      <dt>Created</dt>
                      <dd title={c.createdAt}>{formatDateTime(c.createdAt)}</dd>
                    </div>
                    <div>
                      <dt>ID</dt>
                      <dd className="mono compute-id">{c.id}</dd>
                    </div>
                  </dl>
                </Card>
                <Card title="Connect" headingId={`${idBase}-connect`} description="As root, with one of the keys given at creation. SSH listens on port 222: the upstream provider blocks 22.">
                  {c.ipv4 ? (
                    <div className="ssh-hint">
                      <code data-testid="ssh-command">{sshCommand(c.ipv4)}</code>
                      <CopyButton value={sshCommand(c.ipv4)} label="Copy the SSH command" />
                    </div>
                  ) : (
                    <>
                      <p className="muted-text">This compute has no public IP. From another compute of the team in {region?.name ?? c.region}:</p>
                      <div className="ssh-hint">
                        <code data-testid="ssh-command">{sshCommand(c.privateIpv4)}</code>
                        <CopyButton value={sshCommand(c.privateIpv4)} label="Copy the SSH command" />
                      </div>
                    </>
                  )}
                </Card>
                {c.ipv4 && c.state !== 'DESTROYED' && c.state !== 'DESTROYING' ? <ReverseDnsCard compute={c} manager={manager} /> : null}
              </div>
            ) : tab === 'metrics' ? (
              <div role="tabpanel" id={tabIds(idBase, 'metrics').panel} aria-labelledby={tabIds(idBase, 'metrics').tab}>
                <ComputeMetrics computeId={c.id} running={c.state === 'RUNNING'} />
              </div>
            ) : tab === 'actions' ? (
              <div role="tabpanel" id={tabIds(idBase, 'actions').panel} aria-labelledby={tabIds(idBase, 'actions').tab}>
                <Card title="Actions history" headingId={`${idBase}-history`} description="Every change of this compute, newest first." flush>
                  <QueryView query={actions} what="the actions">
                    {(list) => <ActionsTable actions={list} />}
                  </QueryView>
                </Card>
              </div>
            ) : (
              <div role="tabpanel" id={tabIds(idBase, 'console').panel} aria-labelledby={tabIds(idBase, 'console').tab}>
                <ComputeConsole compute={c} manager={manager} />
              </div>
            )}

            {dialog === 'upsize' ? <UpsizeDialog compute={c} sizes={specifications.data?.items ?? []} prices={prices.data} onClose={() => setDialog(null)} /> : null}
            {dialog === 'destroy' ? (
              <DestroyDialog
                compute={c}
                onClose={() => {
                  setDialog(null);
                }}
              />
            ) : null}
          </>
        );
      }}
    </QueryView>
  );
}

export function ComputeDetailPage() {
  const pathname = usePathname();
  const computeId = computeIdFrom(pathname);
  const { me, team, manager } = useComputeAccess();
  useEffect(() => {
    if (computeId === '') navigate('/computes', { replace: true });
  }, [computeId]);
  return (
    <>
      <Link to="/computes" className="back-link">
        <Icon name="arrowLeft" size={15} />
        Computes
      </Link>
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading the compute…" />
        </Card>
      ) : !me.data ? (
        <>
          <h1 tabIndex={-1} className="page-title">
            Compute
          </h1>
          <SignInPrompt title="Sign in to see this compute">Its state, addresses and history are shown once you are signed in.</SignInPrompt>
        </>
      ) : !team ? (
        <>
          <h1 tabIndex={-1} className="page-title">
            Compute
          </h1>
          <Card>
            <EmptyState icon="server" title="You’re not in a team">
              <p>Computes belong to a team.</p>
            </EmptyState>
          </Card>
        </>
      ) : (
        <ComputeDetail key={`${team.id}:${computeId}`} computeId={computeId} manager={manager} />
      )}
    </>
  );
}
