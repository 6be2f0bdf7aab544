import { useImages } from '../../api/queries.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';

interface ImageRow {
  image: string;
  imageName: string;
  version: string;
  displayName: string;
}

/** "Coolify 4.1.1 on Ubuntu 24.04" under the heading "Coolify" reads "4.1.1 on Ubuntu 24.04". */
function versionLabel(image: ImageRow): string {
  const label = image.displayName || image.version;
  return label.startsWith(`${image.imageName} `) ? label.slice(image.imageName.length + 1) : label;
}

/** Images grouped by name (an operating system or an application), in the platform's order. */
function groupByName(images: readonly ImageRow[]): Array<{ name: string; versions: ImageRow[] }> {
  const groups = new Map<string, ImageRow[]>();
  for (const image of images) {
    const list = groups.get(image.imageName);
    if (list) list.push(image);
    else groups.set(image.imageName, [image]);
  }
  return Array.from(groups, ([name, versions]) => ({ name, versions }));
}

export function ImagesList() {
  const query = useImages();
  return (
    <QueryView query={query} what="the images">
      {(images) =>
        images.length === 0 ? (
          <p className="muted-text">This installation has no images configured yet.</p>
        ) : (
          <ul className="item-list">
            {groupByName(images).map((group) => (
              <li key={group.name} className="item">
                <span className="item-icon">
                  <Icon name="disc" size={16} />
                </span>
                <span className="item-main">
                  <span className="item-title">{group.name}</span>
                  <span className="item-tags">
                    {group.versions.map((v) => (
                      <span key={v.image} title={v.image}>
                        <Badge>{versionLabel(v)}</Badge>
                      </span>
                    ))}
                  </span>
                </span>
              </li>
            ))}
          </ul>
        )
      }
    </QueryView>
  );
}
