import { useCallback, useEffect, useRef, useState } from 'react';
import type { FitAddon } from '@xterm/addon-fit';
import type { ITheme, Terminal } from '@xterm/xterm';
import { api } from '../../api/client.ts';
import type { Compute } from '../../api/computes.ts';
import { ApiError, unwrap } from '../../api/errors.ts';
import { useHealth } from '../../api/queries.ts';
import { Badge } from '../../components/ui/Badge.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import type { ResolvedTheme } from '../../lib/theme.ts';

/**
 * The Console tab: the compute's serial console in the browser (xterm.js over a WebSocket).
 * xterm.js is loaded only when the tab is opened, so the rest of the console does not carry it.
 * Opening: `POST /computes/{id}/console` (session cookie and CSRF token, like every change) gives
 * a single-use ticket, sent as the WebSocket's first message, never in its URL. The server answers
 * `{"type":"ready"}`, then the guest's output as binary messages; keys go back the same way.
 */

type Status =
  | { kind: 'loading' }
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; simulated: boolean }
  | { kind: 'closed'; reason: string; byYou: boolean };

/** Terminal colours per console theme; ANSI colours chosen to stay readable on each background. */
const palettes: Record<ResolvedTheme, ITheme> = {
  light: {
    background: '#fbfbfd', foreground: '#16181d', cursor: '#4747c2', cursorAccent: '#fbfbfd', selectionBackground: 'rgba(91, 91, 214, 0.25)',
    black: '#16181d', red: '#b42318', green: '#17693a', yellow: '#7a4a00', blue: '#3341c4', magenta: '#8a2fb3', cyan: '#0b6874', white: '#585e6b',
    brightBlack: '#6b7180', brightRed: '#d92d20', brightGreen: '#1f8a4c', brightYellow: '#946200', brightBlue: '#4747c2', brightMagenta: '#a347d1', brightCyan: '#11808e', brightWhite: '#16181d',
  },
  dark: {
    background: '#0b0d11', foreground: '#e8eaf0', cursor: '#a5a6ff', cursorAccent: '#0b0d11', selectionBackground: 'rgba(123, 124, 240, 0.35)',
    black: '#1c2029', red: '#ff7b72', green: '#6fd99a', yellow: '#f4c66b', blue: '#8fa2ff', magenta: '#d2a8ff', cyan: '#6ed3e0', white: '#c9cdd6',
    brightBlack: '#8f96a6', brightRed: '#ffa198', brightGreen: '#8fe6b1', brightYellow: '#f8d78f', brightBlue: '#b1bdff', brightMagenta: '#e2c5ff', brightCyan: '#9be4ee', brightWhite: '#ffffff',
  },
};

/** What a close means to the person, when the server gave no reason (a dropped network gives none). */
function closeReason(event: CloseEvent): string {
  if (event.reason) return event.reason;
  if (event.code === 1006) return 'The connection was lost.';
  if (event.code === 1001) return 'The server went away: reconnect in a moment.';
  return 'The console closed.';
}

function statusText(status: Status, hostName: string): string {
  switch (status.kind) {
    case 'loading':
      return 'Loading the terminal…';
    case 'idle':
      return 'Not connected.';
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return `Connected to the serial console of ${hostName}.`;
    case 'closed':
      return status.byYou ? 'Disconnected.' : `Closed: ${status.reason}`;
  }
}

const encoder = new TextEncoder();

function ConsoleTerminal({ compute, simulatedInstallation }: { compute: Compute; simulatedInstallation: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const socket = useRef<WebSocket | null>(null);
  const ready = useRef(false);
  const leaveTo = useRef<HTMLButtonElement>(null);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });

  const disconnect = useCallback(() => {
    const ws = socket.current;
    socket.current = null;
    ready.current = false;
    ws?.close(1000);
    setStatus({ kind: 'closed', reason: '', byYou: true });
  }, []);

  const connect = useCallback(async () => {
    const t = term.current;
    if (!t) return;
    socket.current?.close(1000);
    socket.current = null;
    ready.current = false;
    setStatus({ kind: 'connecting' });
    let ticket: { ticket: string; path: string };
    try {
      ticket = (await unwrap(api.POST('/computes/{id}/console', { params: { path: { id: compute.id } } }))).data;
    } catch (error) {
      if (term.current !== t) return;
      setStatus({ kind: 'closed', reason: error instanceof ApiError ? error.message : 'The console could not be opened.', byYou: false });
      return;
    }
    if (term.current !== t) return;
    const url = new URL(ticket.path, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    socket.current = ws;
    ws.onopen = () => ws.send(JSON.stringify({ ticket: ticket.ticket }));
    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data !== 'string') {
        t.write(new Uint8Array(event.data));
        return;
      }
      let message: { type?: string; simulated?: boolean } = {};
      try {
        message = JSON.parse(event.data) as typeof message;
      } catch {
        return;
      }
      if (message.type !== 'ready') return;
      // The console replays what the guest printed lately: start from a clean screen.
      t.reset();
      ready.current = true;
      setStatus({ kind: 'connected', simulated: message.simulated === true });
      t.focus();
    };
    ws.onclose = (event) => {
      if (socket.current !== ws) return;
      socket.current = null;
      ready.current = false;
      setStatus({ kind: 'closed', reason: closeReason(event), byYou: false });
    };
  }, [compute.id]);

  // Loads xterm.js (its own chunk), opens the terminal in the card and connects once.
  useEffect(() => {
    let disposed = false;
    let fit: FitAddon | undefined;
    let observer: ResizeObserver | undefined;
    void (async () => {
      const [{ Terminal: XTerm }, { FitAddon: Fit }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css')]);
      if (disposed || !box.current) return;
      const t = new XTerm({
        convertEol: true,
        cursorBlink: true,
        fontFamily: getComputedStyle(document.documentElement).getPropertyValue('--font-mono').trim() || 'monospace',
        fontSize: 13.5,
        scrollback: 5000,
        theme: palettes[document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'],
      });
      fit = new Fit();
      t.loadAddon(fit);
      t.open(box.current);
      fit.fit();
      // Tab completes in the shell; Shift+Tab leaves the terminal, so the keyboard is never trapped in it.
      t.attachCustomKeyEventHandler((event) => {
        if (event.key !== 'Tab' || !event.shiftKey) return true;
        if (event.type === 'keydown') {
          event.preventDefault();
          leaveTo.current?.focus();
        }
        return false;
      });
      const send = (bytes: Uint8Array) => {
        const ws = socket.current;
        if (ws && ready.current && ws.readyState === WebSocket.OPEN) ws.send(bytes);
      };
      t.onData((data) => send(encoder.encode(data)));
      t.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
      observer = new ResizeObserver(() => fit?.fit());
      observer.observe(box.current);
      term.current = t;
      setStatus({ kind: 'idle' });
      void connect();
    })();
    return () => {
      disposed = true;
      observer?.disconnect();
      const ws = socket.current;
      socket.current = null;
      ws?.close(1000);
      term.current?.dispose();
      term.current = null;
    };
  }, [connect]);

  // The page's theme can change without this component rendering again (a "system" preference
  // follows the operating system), so the terminal watches <html data-theme> itself.
  useEffect(() => {
    const html = document.documentElement;
    const apply = () => {
      if (term.current) term.current.options.theme = palettes[html.dataset.theme === 'dark' ? 'dark' : 'light'];
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(html, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, [status.kind]);

  const simulated = simulatedInstallation || (status.kind === 'connected' && status.simulated);
  const live = status.kind === 'connected' || status.kind === 'connecting';
  return (
    <div className="compute-console" data-state={status.kind}>
      <div className="compute-console-bar">
        <p className="compute-console-status" role="status" aria-live="polite" data-testid="console-status">
          <span className={`compute-console-dot is-${status.kind}`} aria-hidden="true" />
          {statusText(status, compute.hostName)}
        </p>
        <div className="compute-console-actions">
          {simulated ? <Badge tone="warning">Simulated</Badge> : null}
          {live ? (
            <button ref={leaveTo} type="button" className="btn btn-secondary btn-sm" disabled={status.kind === 'connecting'} onClick={disconnect}>
              Disconnect
            </button>
          ) : (
            <button ref={leaveTo} type="button" className="btn btn-primary btn-sm" disabled={status.kind === 'loading'} onClick={() => void connect()}>
              <Icon name="refresh" size={14} />
              {status.kind === 'idle' ? 'Connect' : 'Reconnect'}
            </button>
          )}
        </div>
      </div>
      {simulated ? (
        <p className="compute-console-note">
          <Icon name="flask" size={14} /> This installation runs the fake hypervisor: no machine runs behind this console, which echoes what you type.
        </p>
      ) : null}
      <div ref={box} className="compute-terminal" role="group" aria-label={`Serial console of ${compute.hostName}`} data-testid="console-terminal" />
      <p className="compute-console-hint">Click the terminal to type. Tab completes in the shell; Shift+Tab leaves the terminal. Closed after a while without a keystroke.</p>
    </div>
  );
}

/**
 * The compute's console tab: the terminal for Owners and Admins while the compute runs, otherwise
 * why it is not there. A console is a root shell on the machine, so it takes `compute.write`.
 */
export function ComputeConsole({ compute, manager }: { compute: Compute; manager: boolean }) {
  const health = useHealth();
  if (!manager) {
    return (
      <Card>
        <Notice tone="neutral" title="Only Owners and Admins can open the console.">
          The console is a root shell on the machine. Ask an Owner or Admin of the team, or connect with SSH if your key is on the machine.
        </Notice>
      </Card>
    );
  }
  if (compute.state !== 'RUNNING') {
    return (
      <Card>
        <EmptyState icon="monitor" title="The console opens while the compute runs">
          <p>This compute is {compute.state.toLowerCase()}. Its serial console is available once it is running, with or without a public IP.</p>
        </EmptyState>
      </Card>
    );
  }
  return (
    <Card title="Serial console" description="The machine's serial console, as if you sat at it. Works with or without a public IP; opening and closing it are in the team's audit log.">
      <ConsoleTerminal compute={compute} simulatedInstallation={health.data?.hypervisor === 'fake'} />
    </Card>
  );
}
