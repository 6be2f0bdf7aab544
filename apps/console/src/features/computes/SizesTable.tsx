import { useSpecifications } from '../../api/queries.ts';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { formatMemory } from '../../lib/format.ts';

/** The sizes a compute can be created with. Prices arrive with billing. */
export function SizesTable({ captionId }: { captionId: string }) {
  const query = useSpecifications();
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
