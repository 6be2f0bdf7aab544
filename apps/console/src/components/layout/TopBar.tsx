import { signInHref, useMe, useSignOut, type Me, type Role } from '../../api/account.ts';
import { setSelectedTeamId, useSelectedTeamId } from '../../api/client.ts';
import { useHealth } from '../../api/queries.ts';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from '../../features/dev/paths.ts';
import { Link, navigate } from '../../routes/router.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { Icon, LogoMark } from '../ui/Icon.tsx';
import { Menu, type MenuItem } from '../ui/Menu.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';

const roleLabel: Record<Role, string> = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: 'Member' };

/** The teams of the signed-in person; the chosen one is sent as `X-Team-Id` with every call. */
function TeamSwitcher({ me }: { me: Me | null | undefined }) {
  const selectedId = useSelectedTeamId();
  const teams = me?.teams ?? [];
  const selected = teams.find((t) => t.id === selectedId) ?? teams[0];
  if (!selected) {
    return (
      <div className="team-switcher" title={me ? 'You are not a member of any team.' : 'Teams become available after you sign in.'}>
        <span className="team-dot" aria-hidden="true" />
        <span className="team-switcher-text">
          <span className="visually-hidden">Team: </span>
          No team
        </span>
        <Icon name="chevronsUpDown" size={14} className="team-switcher-chevron" />
      </div>
    );
  }
  const items: MenuItem[] = teams.map((team) => ({
    kind: 'button',
    label: team.name,
    hint: team.id === selected.id ? `${roleLabel[team.role]} · current team` : roleLabel[team.role],
    onSelect: () => setSelectedTeamId(team.id),
  }));
  items.push({ kind: 'link', label: 'Manage team', href: '/team', onSelect: () => navigate('/team'), hint: 'Members, invitations, API keys' });
  return (
    <Menu
      label={`Team: ${selected.name}. Switch team`}
      align="start"
      className="team-menu"
      triggerClassName="team-switcher is-active"
      trigger={
        <>
          <span className="team-dot" aria-hidden="true" />
          <span className="team-switcher-text">{selected.name}</span>
          <Icon name="chevronsUpDown" size={14} className="team-switcher-chevron" />
        </>
      }
      header={<p className="menu-header-text">Acting in this team</p>}
      items={items}
    />
  );
}

/**
 * Where the team wallet's balance and "Top up" will sit (a later issue). Until sign-in there
 * is no wallet to show, so it says so rather than showing a made-up amount.
 */
function BalanceSlot({ signedIn }: { signedIn: boolean }) {
  const why = signedIn ? 'the team wallet arrives with billing' : 'sign in to see your balance';
  return (
    <div className="balance-slot" data-slot="balance">
      <span className="balance-label">Balance</span>
      <span className="balance-value" title={signedIn ? 'Your team’s prepaid balance in RWF appears here once billing is available.' : 'Your team’s prepaid balance in RWF appears after you sign in.'}>
        RWF —<span className="visually-hidden"> ({why})</span>
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

/** The signed-in person (initials or picture) with Account and Sign out; "Sign in" otherwise. */
export function AccountMenu({ hideWhenSignedOut = false }: { hideWhenSignedOut?: boolean }) {
  const me = useMe();
  const signOut = useSignOut();
  const person = me.data;
  if (!person) {
    if (hideWhenSignedOut || me.isPending) return null;
    return (
      <Link to={signInHref()} className="btn btn-primary btn-sm account-menu sign-in-button">
        Sign in
      </Link>
    );
  }
  return (
    <Menu
      label={`Account: ${person.name}`}
      className="account-menu"
      triggerClassName="avatar-button"
      trigger={<Avatar name={person.name} url={person.avatarUrl} size={34} />}
      header={
        <>
          <p className="menu-header-title">{person.name}</p>
          <p className="menu-header-text">{person.email}</p>
          {signOut.isError ? <p className="menu-header-text field-error">{signOut.error.message}</p> : null}
        </>
      }
      items={[
        { kind: 'link', label: 'Account', href: '/account', onSelect: () => navigate('/account'), hint: 'Profile, sessions and privacy' },
        { kind: 'button', label: signOut.isPending ? 'Signing out…' : 'Sign out', onSelect: () => signOut.mutate() },
      ]}
    />
  );
}

export function TopBar() {
  const me = useMe().data;
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <div className="topbar-start">
          <Link to="/computes" className="brand" aria-label="Strettch Cloud, home">
            <LogoMark size={26} />
            <span className="brand-name">Strettch Cloud</span>
          </Link>
          <span className="topbar-divider" aria-hidden="true" />
          <TeamSwitcher me={me} />
        </div>
        <div className="topbar-end">
          <BalanceSlot signedIn={Boolean(me)} />
          <ThemeToggle />
          <HelpMenu />
          <AccountMenu />
        </div>
      </div>
    </header>
  );
}
