import { useRegions } from '../../api/queries.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  try {
    return countryNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Where computes can run; each region says which country its data stays in. */
export function RegionsList() {
  const query = useRegions();
  return (
    <QueryView query={query} what="the regions">
      {(regions) =>
        regions.length === 0 ? (
          <p className="muted-text">This installation has no regions configured yet.</p>
        ) : (
          <ul className="item-list">
            {regions.map((region) => (
              <li key={region.id} className="item">
                <span className="item-icon">
                  <Icon name="mapPin" size={16} />
                </span>
                <span className="item-main">
                  <span className="item-title">{region.name}</span>
                  <span className="item-meta">Data stays in {countryName(region.countryCode)}</span>
                </span>
                <Badge>{region.region}</Badge>
              </li>
            ))}
          </ul>
        )
      }
    </QueryView>
  );
}
