import { useId, useState, type FormEvent } from 'react';
import { useCreateSshKey, useDeleteSshKey, useRenameSshKey, useSshKeys, type SshKey } from '../../api/computes.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { ConfirmAction } from '../../components/ui/ConfirmAction.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatDate } from '../../lib/format.ts';
import { keyComment, publicKeyProblem } from './compute-rules.ts';
import { ComputeErrorNotice, ComputesNav, CopyButton, FieldError, useComputeAccess } from './ComputeParts.tsx';
import '../../styles/computes.css';

function nameProblem(value: string): string | null {
  const name = value.trim();
  if (name === '') return 'Give the key a name, e.g. “Aline’s laptop”.';
  if (name.length > 100) return 'A key name is at most 100 characters.';
  return null;
}

function AddKeyForm() {
  const id = useId();
  const create = useCreateSshKey();
  const [publicKey, setPublicKey] = useState('');
  const [name, setName] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const effectiveName = name.trim() || keyComment(publicKey);
  const keyError = submitted ? publicKeyProblem(publicKey) : null;
  const nameError = submitted ? nameProblem(effectiveName) : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (publicKeyProblem(publicKey) || nameProblem(effectiveName)) return;
    create.mutate(
      { name: effectiveName.trim(), publicKey: publicKey.trim() },
      {
        onSuccess: (key) => {
          setAdded(key.name);
          setPublicKey('');
          setName('');
          setSubmitted(false);
        },
      },
    );
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Add an SSH key">
      <div className="field">
        <label className="field-label" htmlFor={`${id}-key`}>
          Public key
        </label>
        <textarea
          id={`${id}-key`}
          className="input input-mono"
          rows={3}
          spellCheck={false}
          placeholder="ssh-ed25519 AAAAC3Nza… you@laptop"
          value={publicKey}
          aria-invalid={keyError ? true : undefined}
          aria-describedby={`${id}-key-hint${keyError ? ` ${id}-key-error` : ''}`}
          onChange={(e) => {
            setPublicKey(e.target.value);
            setAdded(null);
            create.reset();
          }}
        />
        <p id={`${id}-key-hint`} className="field-hint">
          The contents of <code>~/.ssh/id_ed25519.pub</code>. Ed25519, ECDSA or RSA of 2048 bits or more; the comment is not kept.
        </p>
        <FieldError id={`${id}-key-error`}>{keyError}</FieldError>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-name`}>
          Name
        </label>
        <input
          id={`${id}-name`}
          className="input"
          maxLength={100}
          placeholder={keyComment(publicKey) || 'e.g. Aline’s laptop'}
          value={name}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${id}-name-error` : undefined}
          onChange={(e) => setName(e.target.value)}
        />
        <FieldError id={`${id}-name-error`}>{nameError}</FieldError>
      </div>
      {create.isError ? <ComputeErrorNotice error={create.error} /> : null}
      {added ? (
        <p className="form-success" role="status">
          <Icon name="key" size={15} /> “{added}” was added to the team.
        </p>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add SSH key'}
        </Button>
      </div>
    </form>
  );
}

function KeyRow({ sshKey, manager }: { sshKey: SshKey; manager: boolean }) {
  const id = useId();
  const rename = useRenameSshKey();
  const remove = useDeleteSshKey();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(sshKey.name);
  const problem = editing ? nameProblem(name) : null;

  const onRename = (event: FormEvent) => {
    event.preventDefault();
    if (problem) return;
    rename.mutate({ id: sshKey.id, name: name.trim() }, { onSuccess: () => setEditing(false) });
  };

  return (
    <tr>
      <td>
        {editing ? (
          <form className="key-rename" onSubmit={onRename} noValidate aria-label={`Rename ${sshKey.name}`}>
            <input
              className="input"
              aria-label="New name"
              value={name}
              maxLength={100}
              autoFocus
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-error` : undefined}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setEditing(false);
                  setName(sshKey.name);
                }
              }}
            />
            <Button size="sm" type="submit" variant="primary" disabled={rename.isPending}>
              {rename.isPending ? 'Saving…' : 'Save'}
            </Button>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => {
                setEditing(false);
                setName(sshKey.name);
              }}
            >
              Cancel
            </Button>
            <FieldError id={`${id}-error`}>{problem}</FieldError>
          </form>
        ) : (
          <span className="key-name">{sshKey.name}</span>
        )}
        {rename.isError ? <ComputeErrorNotice error={rename.error} /> : null}
        {remove.isError ? <ComputeErrorNotice error={remove.error} /> : null}
      </td>
      <td>
        <span className="compute-address">
          <span className="mono key-fingerprint">{sshKey.fingerprint}</span>
          <CopyButton value={sshKey.fingerprint} label={`Copy the fingerprint of ${sshKey.name}`} />
        </span>
      </td>
      <td>
        <span className="badge badge-neutral">{sshKey.type}</span> <span className="cell-muted">{sshKey.bits} bits</span>
      </td>
      <td title={sshKey.createdAt}>{formatDate(sshKey.createdAt)}</td>
      {manager ? (
        <td className="key-actions">
          {editing ? null : (
            <Button size="sm" variant="ghost" aria-label={`Rename ${sshKey.name}`} onClick={() => setEditing(true)}>
              Rename
            </Button>
          )}
          <ConfirmAction
            label="Delete"
            ariaLabel={`Delete ${sshKey.name}`}
            confirmLabel="Delete key"
            pendingLabel="Deleting…"
            pending={remove.isPending}
            onConfirm={() => remove.mutate(sshKey.id)}
          />
        </td>
      ) : null}
    </tr>
  );
}

function TeamKeys({ manager }: { manager: boolean }) {
  const keys = useSshKeys();
  return (
    <>
      {manager ? (
        <Card title="Add an SSH key" headingId="ssh-add-heading" description="Keys are kept for the whole team and chosen when a compute is created. Keys already on a compute stay there when deleted here.">
          <AddKeyForm />
        </Card>
      ) : null}
      <Card title="Team SSH keys" headingId="ssh-keys-heading" description="Written to root’s authorized_keys of new computes." flush>
        <QueryView query={keys} what="the team’s SSH keys">
          {(list) =>
            list.length === 0 ? (
              <EmptyState icon="key" title="No SSH keys yet">
                <p>{manager ? 'Add your public key above: a compute is reached with a key, never a password.' : 'An Owner or an Admin adds the team’s keys.'}</p>
              </EmptyState>
            ) : (
              <div className="table-scroll">
                <table className="table" aria-labelledby="ssh-keys-heading">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Fingerprint</th>
                      <th scope="col">Type</th>
                      <th scope="col">Added</th>
                      {manager ? (
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((k) => (
                      <KeyRow key={k.id} sshKey={k} manager={manager} />
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}

export function SshKeysPage() {
  const { me, team, manager } = useComputeAccess();
  return (
    <>
      <PageHeader title="SSH keys" description="The team’s public keys, to log in to new computes as root. Owners and Admins add, rename and delete them." />
      <ComputesNav current="ssh-keys" />
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading the SSH keys…" />
        </Card>
      ) : !me.data ? (
        <SignInPrompt title="Sign in to see your SSH keys">The team’s public keys are listed here once you are signed in.</SignInPrompt>
      ) : !team ? (
        <Card>
          <EmptyState icon="key" title="You’re not in a team">
            <p>SSH keys belong to a team.</p>
          </EmptyState>
        </Card>
      ) : (
        <TeamKeys key={team.id} manager={manager} />
      )}
    </>
  );
}
