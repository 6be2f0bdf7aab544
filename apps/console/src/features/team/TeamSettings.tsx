import { useId, useState, type FormEvent } from 'react';
import type { TeamMembership } from '../../api/account.ts';
import { useDeleteTeam, useTeam, useUpdateTeam, type Team } from '../../api/team.ts';
import { Avatar } from '../../components/ui/Avatar.tsx';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { avatarUrlProblem, teamNameProblem } from './team-rules.ts';

function FieldError({ id, children }: { id: string; children: string | null }) {
  if (!children) return null;
  return (
    <p id={id} className="field-error" role="alert">
      <Icon name="alert" size={14} />
      {children}
    </p>
  );
}

/** Name and picture, as typed; what is typed stays when the API refuses it. */
function SettingsForm({ team }: { team: Team }) {
  const update = useUpdateTeam();
  const [name, setName] = useState(team.name);
  const [avatarUrl, setAvatarUrl] = useState(team.avatarUrl ?? '');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const nameProblem = teamNameProblem(name);
  const urlProblem = avatarUrlProblem(avatarUrl);
  const nextUrl = avatarUrl.trim() === '' ? null : avatarUrl.trim();
  const changed = name.trim() !== team.name || nextUrl !== team.avatarUrl;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (nameProblem || urlProblem || !changed) return;
    update.mutate({
      ...(name.trim() !== team.name ? { name: name.trim() } : {}),
      ...(nextUrl !== team.avatarUrl ? { avatarUrl: nextUrl } : {}),
    });
  };

  const shownName = touched ? nameProblem : null;
  const shownUrl = touched ? urlProblem : null;
  return (
    <form className="form settings-form" onSubmit={onSubmit} noValidate aria-label="Team settings">
      <div className="field">
        <label className="field-label" htmlFor={`${id}-name`}>
          Team name
        </label>
        <input
          id={`${id}-name`}
          className="input"
          type="text"
          maxLength={100}
          autoComplete="organization"
          value={name}
          aria-invalid={shownName ? true : undefined}
          aria-describedby={shownName ? `${id}-name-error` : undefined}
          onChange={(event) => {
            setName(event.target.value);
            update.reset();
          }}
        />
        <FieldError id={`${id}-name-error`}>{shownName}</FieldError>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-avatar`}>
          Picture address <span className="field-optional">(optional)</span>
        </label>
        <div className="avatar-field">
          {/* The saved picture: loading every address as it is typed would send requests to half-typed hosts. */}
          <Avatar name={team.name} url={team.avatarUrl} size={38} />
          <input
            id={`${id}-avatar`}
            className="input"
            type="url"
            inputMode="url"
            spellCheck={false}
            placeholder="https://example.rw/logo.png"
            value={avatarUrl}
            aria-invalid={shownUrl ? true : undefined}
            aria-describedby={`${id}-avatar-hint${shownUrl ? ` ${id}-avatar-error` : ''}`}
            onChange={(event) => {
              setAvatarUrl(event.target.value);
              update.reset();
            }}
          />
        </div>
        <p id={`${id}-avatar-hint`} className="field-hint">
          An https address of a square image. Leave it empty for the team’s initials.
        </p>
        <FieldError id={`${id}-avatar-error`}>{shownUrl}</FieldError>
      </div>
      {update.isError ? (
        <Notice tone="danger" role="alert" title="The settings weren’t saved.">
          {update.error.message}
        </Notice>
      ) : update.isSuccess ? (
        <Notice tone="info" role="status" title="Settings saved." />
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" disabled={update.isPending || !changed}>
          {update.isPending ? 'Saving…' : 'Save changes'}
        </Button>
      </div>
    </form>
  );
}

/** Owner and Admin: the team's name and picture (`team.settings.write`). */
export function TeamSettingsCard() {
  const team = useTeam();
  return (
    <Card title="Team settings" headingId="team-settings-heading" description="The name and picture everyone in the team sees. The name also appears in e-mails, such as invitations.">
      <QueryView query={team} what="the team’s settings">
        {(data) => <SettingsForm key={data.id} team={data} />}
      </QueryView>
    </Card>
  );
}

/**
 * The Owner's danger zone: deleting the team, confirmed by typing its name. The API refuses while
 * the team still has something to lose (resources, money owed) and says what to do first.
 */
export function DeleteTeamCard({ team, onDeleted }: { team: TeamMembership; onDeleted: (teamName: string) => void }) {
  const remove = useDeleteTeam();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [touched, setTouched] = useState(false);
  const inputId = useId();
  const problem = typed.trim() === '' ? 'Type the team’s name to confirm.' : typed.trim() === team.name.trim() ? null : 'That isn’t this team’s name.';
  const shown = touched ? problem : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    // Not mutate's onSuccess: this card unmounts as soon as the next team is selected, and
    // react-query drops the callbacks of an unmounted observer. The error shows from `remove`.
    remove.mutateAsync().then(
      () => onDeleted(team.name),
      () => undefined,
    );
  };

  const cancel = () => {
    setConfirming(false);
    setTyped('');
    setTouched(false);
    remove.reset();
  };

  return (
    <Card tone="danger" title="Delete team" headingId="delete-team-heading" description="Only the Owner can delete a team. This cannot be undone.">
      <ul className="closure-list">
        <li>The team, its memberships, pending invitations and API keys are deleted; every member loses access at once.</li>
        <li>A team that still has resources or money owed can’t be deleted: destroy or settle those first.</li>
        <li>The team’s audit log is kept for a year.</li>
      </ul>
      {confirming ? (
        <form className="form closure-form" onSubmit={onSubmit} noValidate aria-label="Confirm deleting the team">
          <div className="field">
            <label className="field-label" htmlFor={inputId}>
              Type <strong>{team.name}</strong> to confirm
            </label>
            <input
              id={inputId}
              className="input"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? `${inputId}-error` : remove.isError ? `${inputId}-server` : undefined}
              onChange={(event) => setTyped(event.target.value)}
            />
            <FieldError id={`${inputId}-error`}>{shown}</FieldError>
          </div>
          {remove.isError ? (
            <div id={`${inputId}-server`}>
              <Notice tone="danger" role="alert" title="The team wasn’t deleted.">
                {remove.error.message}
              </Notice>
            </div>
          ) : null}
          <div className="form-actions">
            <Button type="submit" className="btn-danger" disabled={remove.isPending}>
              {remove.isPending ? 'Deleting…' : 'Delete this team'}
            </Button>
            <Button variant="ghost" onClick={cancel} disabled={remove.isPending}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="form-actions">
          <Button className="btn-danger" onClick={() => setConfirming(true)}>
            Delete team…
          </Button>
        </div>
      )}
    </Card>
  );
}
