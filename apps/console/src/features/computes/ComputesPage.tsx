import { useId, useState } from 'react';
import { isTransitional, usePrices, useComputes, type Compute } from '../../api/computes.ts';
import { useImages, useRegions } from '../../api/queries.ts';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate, formatRelativeTime } from '../../lib/format.ts';
import { Link } from '../../routes/router.tsx';
import { imageLabel } from './compute-rules.ts';
import { Address, ComputesNav, StateBadge, useComputeAccess } from './ComputeParts.tsx';
import { ImagesList } from './ImagesList.tsx';
import { RegionsList } from './RegionsList.tsx';
import { SizesTable } from './SizesTable.tsx';
import '../../styles/computes.css';

/** What a compute can be: sizes with their prices, regions and images. Shown before the first compute, and to visitors. */
export function ComputeCatalog({ signedIn }: { signedIn: boolean }) {
  const prices = usePrices({ enabled: signedIn });
  return (
    <>
      <Card title="Sizes" headingId="sizes-heading" description="What a compute can be created with, charged per started hour from the team’s wallet." flush>
        <SizesTable captionId="sizes-heading" prices={prices.data} />
      </Card>
      <div className="grid-2">
        <Card title="Regions" headingId="regions-heading" description="Data centres where computes run.">
          <RegionsList />
        </Card>
        <Card title="Images" headingId="images-heading" description="Operating systems and ready-made applications to start from.">
          <ImagesList />
        </Card>
      </div>
    </>
  );
}

function CreateLink({ primary = true }: { primary?: boolean }) {
  return (
    <Link to="/computes/new" className={primary ? 'btn btn-primary' : 'btn btn-secondary'}>
      <Icon name="plus" size={16} />
      Create compute
    </Link>
  );
}

function ComputeRow({ compute, imageName, regionName }: { compute: Compute; imageName: string; regionName: string }) {
  return (
    <tr>
      <td>
        <Link to={`/computes/${compute.id}`} className="compute-name">
          {compute.hostName}
        </Link>
        <span className="compute-subline">{imageName}</span>
      </td>
      <td>
        <StateBadge state={compute.state} />
        <span className="compute-subline" title={compute.updatedAt}>
          since {formatRelativeTime(compute.updatedAt)}
        </span>
      </td>
      <td data-label="Public IPv4">
        <Address value={compute.ipv4} what="public IPv4" />
      </td>
      <td data-label="Private IPv4">
        <Address value={compute.privateIpv4} what="private IPv4" />
      </td>
      <td data-label="Size">
        <code className="slug">{compute.specification}</code>
      </td>
      <td data-label="Region">{regionName}</td>
      <td data-label="Tags">
        {compute.tags.length ? (
          <span className="compute-tags">
            {compute.tags.map((t) => (
              <span key={t} className="compute-tag">
                {t}
              </span>
            ))}
          </span>
        ) : (
          <span className="cell-muted">—</span>
        )}
      </td>
      <td data-label="Created" title={compute.createdAt}>{formatDate(compute.createdAt)}</td>
    </tr>
  );
}

function ComputeList({ manager }: { manager: boolean }) {
  const [tag, setTag] = useState<string | null>(null);
  const all = useComputes(null);
  const filtered = useComputes(tag);
  const images = useImages();
  const regions = useRegions();
  const id = useId();
  const tags = Array.from(new Set((all.data?.items ?? []).flatMap((c) => c.tags))).sort((a, b) => a.localeCompare(b));
  const shown = tag ? filtered : all;

  return (
    <QueryView query={all} what="your computes">
      {(list) =>
        list.items.length === 0 ? (
          <>
            <Card>
              <EmptyState icon="server" title="No computes yet" action={manager ? <CreateLink /> : undefined}>
                <p>A compute is a virtual machine in Kigali, billed per started hour from the team’s wallet. Pick a size below, or start from an application such as Coolify.</p>
                {manager ? null : <p className="empty-state-note">Only Owners and Admins of the team create computes.</p>}
              </EmptyState>
            </Card>
            <ComputeCatalog signedIn />
          </>
        ) : (
          <Card
            title="Your computes"
            headingId="computes-heading"
            description={`${list.total} compute${list.total === 1 ? '' : 's'} in this team.`}
            actions={
              <div className="compute-toolbar">
                {list.items.some((c) => isTransitional(c.state)) ? (
                  <span className="live-status" role="status">
                    <span className="live-dot" aria-hidden="true" />
                    Updating
                  </span>
                ) : null}
                {tags.length ? (
                  <label className="compute-filter" htmlFor={`${id}-tag`}>
                    <span>Tag</span>
                    <select id={`${id}-tag`} className="select select-sm" value={tag ?? ''} onChange={(event) => setTag(event.target.value || null)}>
                      <option value="">All tags</option>
                      {tags.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : null}
              </div>
            }
            flush
          >
            <QueryView query={shown} what="the computes with this tag">
              {(rows) => (
                <div className="table-scroll">
                  <table className="table compute-table" aria-labelledby="computes-heading">
                    <thead>
                      <tr>
                        <th scope="col">Host name</th>
                        <th scope="col">State</th>
                        <th scope="col">Public IPv4</th>
                        <th scope="col">Private IPv4</th>
                        <th scope="col">Size</th>
                        <th scope="col">Region</th>
                        <th scope="col">Tags</th>
                        <th scope="col">Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.items.map((c) => (
                        <ComputeRow
                          key={c.id}
                          compute={c}
                          imageName={imageLabel(images.data?.find((i) => i.image === c.image), c.image)}
                          regionName={regions.data?.find((r) => r.region === c.region)?.name ?? c.region}
                        />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </QueryView>
          </Card>
        )
      }
    </QueryView>
  );
}

export function ComputesPage() {
  const { me, team, manager } = useComputeAccess();
  return (
    <>
      <PageHeader
        title="Computes"
        description="Your team’s virtual machines in Rwanda: create, power, resize and delete them, billed by the hour from your wallet."
        actions={team && manager ? <CreateLink /> : undefined}
      />
      <ComputesNav current="computes" />
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading your computes…" />
        </Card>
      ) : !me.data ? (
        <>
          <SignInPrompt title="Sign in to see your computes">Your team’s computes are listed here, with their state, addresses and size, once you are signed in.</SignInPrompt>
          <ComputeCatalog signedIn={false} />
        </>
      ) : !team ? (
        <Card>
          <EmptyState icon="server" title="You’re not in a team">
            <p>Computes belong to a team. Create a team, or ask a team’s Owner or an Admin to invite you, from the Team page.</p>
          </EmptyState>
        </Card>
      ) : (
        <ComputeList key={team.id} manager={manager} />
      )}
    </>
  );
}
