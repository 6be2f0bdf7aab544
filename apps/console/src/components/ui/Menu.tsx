import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export type MenuItem =
  | { kind: 'link'; label: string; href: string; external?: boolean; onSelect?: () => void; hint?: string }
  | { kind: 'button'; label: string; onSelect: () => void; hint?: string }
  | { kind: 'disabled'; label: string; hint?: string };

/**
 * A menu button (WAI-ARIA menu pattern): arrow keys move between items, Escape closes and
 * returns focus to the button, clicking outside or tabbing away closes it.
 */
export function Menu({
  label,
  trigger,
  items,
  header,
  align = 'end',
  triggerClassName = 'icon-button',
  className,
}: {
  label: string;
  trigger: ReactNode;
  items: MenuItem[];
  header?: ReactNode;
  align?: 'start' | 'end';
  triggerClassName?: string;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const focusItem = useCallback((index: number) => {
    const nodes = menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])');
    if (!nodes || nodes.length === 0) return;
    const i = ((index % nodes.length) + nodes.length) % nodes.length;
    nodes[i]?.focus();
  }, []);

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    focusItem(0);
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open, focusItem]);

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const nodes = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? []);
    const current = nodes.indexOf(document.activeElement as HTMLElement);
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        focusItem(current + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        focusItem(current - 1);
        break;
      case 'Home':
        event.preventDefault();
        focusItem(0);
        break;
      case 'End':
        event.preventDefault();
        focusItem(nodes.length - 1);
        break;
      case 'Escape':
        event.preventDefault();
        close(true);
        break;
      case 'Tab':
        setOpen(false);
        break;
    }
  };

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
    }
  };

  return (
    <div className={className ? `menu ${className}` : 'menu'} ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className={triggerClassName}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={onButtonKeyDown}
      >
        {trigger}
      </button>
      {open ? (
        <div id={menuId} ref={menuRef} role="menu" aria-label={label} className={`menu-popover menu-${align}`} onKeyDown={onMenuKeyDown}>
          {header ? (
            <div className="menu-header" role="presentation">
              {header}
            </div>
          ) : null}
          {items.map((item, index) => {
            // Labels may repeat (two teams can share a name), so the position is part of the key.
            const key = `${index}:${item.label}`;
            const hint = item.hint ? <span className="menu-item-hint">{item.hint}</span> : null;
            if (item.kind === 'disabled') {
              return (
                <div key={key} role="menuitem" aria-disabled="true" className="menu-item is-disabled">
                  <span>{item.label}</span>
                  {hint}
                </div>
              );
            }
            if (item.kind === 'link') {
              return (
                <a
                  key={key}
                  role="menuitem"
                  tabIndex={-1}
                  className="menu-item"
                  href={item.href}
                  {...(item.external ? { target: '_blank', rel: 'noreferrer' } : {})}
                  onClick={(event) => {
                    if (item.onSelect && !item.external) {
                      event.preventDefault();
                      item.onSelect();
                    }
                    close(false);
                  }}
                >
                  <span>{item.label}</span>
                  {hint}
                </a>
              );
            }
            return (
              <button
                key={key}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className="menu-item"
                onClick={() => {
                  item.onSelect();
                  close(true);
                }}
              >
                <span>{item.label}</span>
                {hint}
              </button>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}
