import { useRef, type KeyboardEvent } from 'react';

export interface Tab<T extends string> {
  id: T;
  label: string;
}

/** Ids that tie a tab to its panel: render the panel with `role="tabpanel"` and these. */
export function tabIds(idBase: string, id: string): { tab: string; panel: string } {
  return { tab: `${idBase}-tab-${id}`, panel: `${idBase}-panel-${id}` };
}

/**
 * A row of tabs (WAI-ARIA tabs pattern, automatic activation): arrow keys, Home and End move
 * between tabs and select them; only the selected tab is in the tab order.
 */
export function Tabs<T extends string>({
  label,
  idBase,
  tabs,
  value,
  onChange,
}: {
  label: string;
  idBase: string;
  tabs: readonly Tab<T>[];
  value: T;
  onChange: (id: T) => void;
}) {
  const listRef = useRef<HTMLDivElement>(null);

  const select = (index: number) => {
    const tab = tabs[((index % tabs.length) + tabs.length) % tabs.length];
    if (!tab) return;
    onChange(tab.id);
    listRef.current?.querySelector<HTMLElement>(`#${CSS.escape(tabIds(idBase, tab.id).tab)}`)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = tabs.findIndex((t) => t.id === value);
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(next);
  };

  return (
    <div className="tabs" role="tablist" aria-label={label} ref={listRef} onKeyDown={onKeyDown}>
      {tabs.map((tab) => {
        const ids = tabIds(idBase, tab.id);
        const selected = tab.id === value;
        return (
          <button
            key={tab.id}
            id={ids.tab}
            type="button"
            role="tab"
            className="tab"
            aria-selected={selected}
            aria-controls={ids.panel}
            tabIndex={selected ? 0 : -1}
            onClick={() => onChange(tab.id)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}
