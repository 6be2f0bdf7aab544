import { useHealth } from '../../api/queries.ts';
import { Icon } from '../../components/ui/Icon.tsx';
import { Link } from '../../routes/router.tsx';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from '../dev/paths.ts';

/**
 * Page-wide notices about the installation itself, from `GET /api/v1/health`:
 * the sandbox banner whenever any built-in test provider is active (ARCHITECTURE.md: "the
 * console shows a clear banner whenever any sandbox is active") with links to the built-in
 * mailbox and SMS outbox, and a warning when the API
 * cannot be reached.
 */
export function PlatformBanners() {
  const health = useHealth();
  const sandboxes = health.data?.sandboxes === true;
  const simulated = health.data?.hypervisor === 'fake';
  const unreachable = health.isError && health.data === undefined;

  if (!sandboxes && !simulated && !unreachable) return null;
  return (
    <div className="banners" role="region" aria-label="Platform notices">
      {sandboxes ? (
        <div className="banner banner-sandbox" data-testid="sandbox-banner">
          <div className="banner-inner">
            <Icon name="flask" size={18} className="banner-icon" />
            <p className="banner-text">
              <strong>Sandbox mode:</strong> payments, e-mail, SMS and sign-in use built-in test providers; nothing real is charged or sent.
              {simulated ? ' Computes are simulated (the fake hypervisor, for demos and tests): no virtual machine runs.' : ''}
            </p>
            <nav className="banner-links" aria-label="Sandbox messages">
              <Link to={DEV_MAIL_PATH} className="banner-link">
                <Icon name="mail" size={16} />
                Open the mailbox
              </Link>
              <Link to={DEV_SMS_PATH} className="banner-link">
                <Icon name="smartphone" size={16} />
                SMS outbox
              </Link>
            </nav>
          </div>
        </div>
      ) : null}
      {simulated && !sandboxes ? (
        <div className="banner banner-sandbox" data-testid="simulated-banner">
          <div className="banner-inner">
            <Icon name="flask" size={18} className="banner-icon" />
            <p className="banner-text">
              <strong>Simulated computes:</strong> this installation runs the fake hypervisor, for demos and tests only; no virtual machine runs.
            </p>
          </div>
        </div>
      ) : null}
      {unreachable ? (
        <div className="banner banner-danger" role="alert">
          <div className="banner-inner">
            <Icon name="alert" size={18} className="banner-icon" />
            <p className="banner-text">
              <strong>Can’t reach the Strettch Cloud API.</strong> Some information on this page may be missing.
            </p>
            <button type="button" className="btn btn-sm btn-secondary banner-action" onClick={() => void health.refetch()} disabled={health.isFetching}>
              {health.isFetching ? 'Retrying…' : 'Retry'}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
