import { useHealth } from '../../api/queries.ts';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from '../../features/dev/paths.ts';
import { Link, navigate } from '../../routes/router.tsx';
import { Icon, LogoMark } from '../ui/Icon.tsx';
import { Menu, type MenuItem } from '../ui/Menu.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';

/** Placeholder until teams arrive with sign-in: shows there is no team, and says why. */
function TeamSwitcher() {
  return (
    <div className="team-switcher" title="Teams become available after you sign in.">
      <span className="team-dot" aria-hidden="true" />
      <span className="team-switcher-text">
        <span className="visually-hidden">Team: </span>
        No team
      </span>
      <Icon name="chevronsUpDown" size={14} className="team-switcher-chevron" />
    </div>
  );
}

/**
 * Where the team wallet's balance and "Top up" will sit (a later issue). Until sign-in there
 * is no wallet to show, so it says so rather than showing a made-up amount.
 */
function BalanceSlot() {
  return (
    <div className="balance-slot" data-slot="balance">
      <span className="balance-label">Balance</span>
      <span className="balance-value" title="Your team's prepaid balance in RWF appears after you sign in.">
        RWF —<span className="visually-hidden"> (sign in to see your balance)</span>
      </span>
    </div>
  );
}

/** Documentation links, and the development pages while the sandboxes are on. */
function HelpMenu() {
  const sandboxes = useHealth().data?.sandboxes === true;
  const items: MenuItem[] = [
    { kind: 'link', label: 'API reference', href: '/api/docs', external: true, hint: 'Interactive OpenAPI docs' },
    { kind: 'link', label: 'OpenAPI document', href: '/api/v1/openapi.json', external: true, hint: 'For SDKs and tools' },
    { kind: 'link', label: 'Service status', href: '/api/v1/health', external: true, hint: 'Health check of this installation' },
  ];
  if (sandboxes) {
    items.push(
      { kind: 'link', label: 'Mailbox', href: DEV_MAIL_PATH, onSelect: () => navigate(DEV_MAIL_PATH), hint: 'E-mail caught by the sandbox' },
      { kind: 'link', label: 'SMS outbox', href: DEV_SMS_PATH, onSelect: () => navigate(DEV_SMS_PATH), hint: 'Text messages caught by the sandbox' },
    );
  }
  return <Menu label="Help" className="help-menu" trigger={<Icon name="help" size={20} />} items={items} />;
}

function AccountMenu() {
  return (
    <Menu
      label="Account"
      className="account-menu"
      triggerClassName="avatar-button"
      trigger={<Icon name="user" size={18} />}
      header={
        <>
          <p className="menu-header-title">Not signed in</p>
          <p className="menu-header-text">Sign-in with Google or GitHub is coming in a later update.</p>
        </>
      }
      items={[
        { kind: 'link', label: 'Account & Privacy', href: '/account', onSelect: () => navigate('/account') },
        { kind: 'disabled', label: 'Sign in', hint: 'Coming soon' },
      ]}
    />
  );
}

export function TopBar() {
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <div className="topbar-start">
          <Link to="/computes" className="brand" aria-label="Strettch Cloud, home">
            <LogoMark size={26} />
            <span className="brand-name">Strettch Cloud</span>
          </Link>
          <span className="topbar-divider" aria-hidden="true" />
          <TeamSwitcher />
        </div>
        <div className="topbar-end">
          <BalanceSlot />
          <ThemeToggle />
          <HelpMenu />
          <AccountMenu />
        </div>
      </div>
    </header>
  );
}
