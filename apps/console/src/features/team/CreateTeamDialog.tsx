import { useId, useState, type FormEvent } from 'react';
import { useCreateTeam } from '../../api/team.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { navigate } from '../../routes/router.tsx';
import { teamNameProblem } from './team-rules.ts';

/**
 * "Create team", from the team switcher and the Team page: a name, then the new team is
 * selected and its Team page opens, ready for invitations. The API's refusal (e.g.
 * TEAM_LIMIT_REACHED) stays in the dialog with the name as typed.
 */
export function CreateTeamDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateTeam();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const problem = teamNameProblem(name);
  const shown = touched ? problem : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem || create.isPending) return;
    create.mutate(name.trim(), {
      onSuccess: () => {
        onClose();
        navigate('/team');
      },
    });
  };

  return (
    <Dialog title="Create a team" description="A team has its own resources, members, API keys and billing. You will be its Owner." onClose={onClose}>
      <form className="form" onSubmit={onSubmit} noValidate aria-label="Create a team">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-name`}>
            Team name
          </label>
          <input
            id={`${id}-name`}
            className="input"
            type="text"
            autoComplete="organization"
            maxLength={100}
            placeholder="Inyange Labs"
            // The dialog opens on this one field: starting to type right away is what people expect.
            autoFocus
            value={name}
            aria-invalid={shown ? true : undefined}
            aria-describedby={shown ? `${id}-error` : undefined}
            onChange={(event) => setName(event.target.value)}
          />
          {shown ? (
            <p id={`${id}-error`} className="field-error" role="alert">
              <Icon name="alert" size={14} />
              {shown}
            </p>
          ) : null}
        </div>
        {create.isError ? (
          <Notice tone="danger" role="alert" title="The team wasn’t created.">
            {create.error.message}
          </Notice>
        ) : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create team'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
