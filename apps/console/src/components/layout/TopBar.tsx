import { useBalance } from '../../api/billing.ts';
import { topUpLabel } from '../../features/billing/billing-rules.ts';
import { formatRwf } from '../../lib/format.ts';
import { useState } from 'react';
import { isClosed, signInHref, useMe, useSignOut, type Me } from '../../api/account.ts';
import { setSelectedTeamId, useSelectedTeamId } from '../../api/client.ts';
import { useHealth } from '../../api/queries.ts';
import { useReceivedInvitations } from '../../api/team.ts';
import { DEV_MAIL_PATH, DEV_SMS_PATH } from '../../features/dev/paths.ts';
import { CreateTeamDialog } from '../../features/team/CreateTeamDialog.tsx';
import { roleLabel } from '../../features/team/team-rules.ts';
import { Link, navigate } from '../../routes/router.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { Icon, LogoMark } from '../ui/Icon.tsx';
import { Menu, type MenuItem } from '../ui/Menu.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';

/**
 * The teams of the signed-in person; the chosen one is sent as `X-Team-Id` with every call. The
 * menu also lists invitations waiting for them and creates a team.
 */
function TeamSwitcher({ me }: { me: Me | null | undefined }) {
  const selectedId = useSelectedTeamId();
  const [creating, setCreating] = useState(false);
  const received = useReceivedInvitations({ enabled: Boolean(me) && !isClosed(me) }).data ?? [];
  const teams = me?.teams ?? [];
  const selected = teams.find((t) => t.id === selectedId) ?? teams[0];
  if (!me) {
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
  const items: MenuItem[] = teams.map((team) => ({
    kind: 'button',
    label: team.name,
    hint: team.id === selected?.id ? `${roleLabel[team.role]} · current team` : roleLabel[team.role],
    onSelect: () => setSelectedTeamId(team.id),
  }));
  for (const invitation of received) {
    items.push({
      kind: 'link',
      label: `Invitation: ${invitation.teamName}`,
      href: '/team',
      onSelect: () => navigate('/team'),
      hint: `Join as ${roleLabel[invitation.role]} · see Invitations for you`,
    });
  }
  if (selected) items.push({ kind: 'link', label: 'Manage team', href: '/team', onSelect: () => navigate('/team'), hint: 'Members, invitations, API keys, settings' });
  items.push({ kind: 'button', label: 'Create team…', onSelect: () => setCreating(true), hint: 'A new team, with you as Owner' });
  const waiting = received.length > 0 ? ` (${received.length === 1 ? '1 invitation' : `${received.length} invitations`} for you)` : '';
  return (
    <>
      <Menu
        label={selected ? `Team: ${selected.name}. Switch team${waiting}` : `No team. Create a team${waiting}`}
        align="start"
        className="team-menu"
        triggerClassName="team-switcher is-active"
        trigger={
          <>
            <span className="team-dot" aria-hidden="true" />
            <span className="team-switcher-text">{selected ? selected.name : 'No team'}</span>
            {received.length > 0 ? (
              <span className="team-switcher-count" aria-hidden="true">
                {received.length}
              </span>
            ) : null}
            <Icon name="chevronsUpDown" size={14} className="team-switcher-chevron" />
          </>
        }
        header={<p className="menu-header-text">{selected ? 'Acting in this team' : 'You are not in a team yet'}</p>}
        items={items}
      />
      {creating ? <CreateTeamDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}

/**
 * The selected team's prepaid balance, linking to Billing; red when it is at or below zero.
 * Before sign-in there is no wallet, so it says so rather than showing a made-up amount.
 */
function BalanceSlot({ signedIn }: { signedIn: boolean }) {
  const balance = useBalance();
  if (!signedIn || !balance.data) {
    return (
      <div className="balance-slot" data-slot="balance">
        <span className="balance-label">Balance</span>
        <span className="balance-value" title={signedIn ? 'Loading the team’s balance…' : 'Your team’s prepaid balance in RWF appears after you sign in.'}>
          RWF —<span className="visually-hidden"> ({signedIn ? 'loading' : 'sign in to see your balance'})</span>
        </span>
      </div>
    );
  }
  const overdue = balance.data.balance <= 0 && balance.data.state !== 'ACTIVE';
  return (
    <Link to="/billing" className="balance-slot" data-slot="balance" title={`${topUpLabel(balance.data)} on the Billing page`}>
      <span className="balance-label">Balance</span>
      <span className={`balance-value${balance.data.balance < 0 || overdue ? ' balance-negative' : ''}`}>{formatRwf(balance.data.balance)}</span>
    </Link>
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
