import type { PriceList } from '../../api/computes.ts';
import { useSpecifications } from '../../api/queries.ts';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatMemory, formatRwf } from '../../lib/format.ts';
import { formatHourly } from './compute-rules.ts';

/** The sizes a compute can be created with, with their prices once the price list is known (signed in). */
export function SizesTable({ captionId, prices }: { captionId: string; prices?: PriceList }) {
  const query = useSpecifications();
  const price = (slug: string) => prices?.specifications.find((p) => p.specification === slug);
  return (
    <QueryView query={query} what="the available sizes">
      {({ items, total }) =>
        items.length === 0 ? (
          <p className="muted-text">This installation has no sizes configured yet.</p>
        ) : (
          <>
            <div className="table-scroll">
              <table className="table" aria-labelledby={captionId}>
                <thead>
                  <tr>
                    <th scope="col">Slug</th>
                    <th scope="col" className="num">
                      vCPU
                    </th>
                    <th scope="col" className="num">
                      Memory
                    </th>
                    <th scope="col" className="num">
                      SSD
                    </th>
                    {prices ? (
                      <>
                        <th scope="col" className="num">
                          Per hour
                        </th>
                        <th scope="col" className="num">
                          Per month
                        </th>
                      </>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((size) => (
                    <tr key={size.id}>
                      <td>
                        <code className="slug">{size.specification}</code>
                      </td>
                      <td className="num">{size.vcpus}</td>
                      <td className="num">{formatMemory(size.memoryMb)}</td>
                      <td className="num">{size.storageGb} GB</td>
                      {prices ? (
                        <>
                          <td className="num">{price(size.specification) ? formatHourly(price(size.specification)!.hourly) : '—'}</td>
                          <td className="num compute-price">{price(size.specification) ? formatRwf(price(size.specification)!.monthly) : '—'}</td>
                        </>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {total > items.length ? (
              <p className="table-footnote">
                Showing {items.length} of {total} sizes.
              </p>
            ) : null}
          </>
        )
      }
    </QueryView>
  );
}
