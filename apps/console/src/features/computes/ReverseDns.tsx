import { useId, useState, type FormEvent } from 'react';
import { useReverseDns, useSetReverseDns, type Compute } from '../../api/computes.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { FieldError } from './ComputeParts.tsx';

/**
 * Reverse DNS of the compute's public IPv4: the host name its PTR record gives (mail servers
 * check it). Owners and Admins change it; it goes with the address when the compute is destroyed.
 */
export function ReverseDnsCard({ compute, manager }: { compute: Compute; manager: boolean }) {
  const id = useId();
  const query = useReverseDns(compute.id, { enabled: Boolean(compute.ipv4) });
  const save = useSetReverseDns(compute.id);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const problem = save.error?.message ?? null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(name.trim() === '' ? null : name.trim(), { onSuccess: () => setEditing(false) });
  };

  return (
    <Card title="Reverse DNS" headingId={`${id}-title`} description={`The host name ${compute.ipv4 ?? 'the public address'} answers to (its PTR record). Mail servers check that it matches the name's own A record.`}>
      <QueryView query={query} what="the reverse DNS">
        {(current) =>
          editing ? (
            <form className="key-rename" onSubmit={onSubmit} noValidate aria-label="Set reverse DNS">
              <input
                className="input"
                aria-label="Host name"
                placeholder="web1.example.rw"
                value={name}
                maxLength={253}
                autoFocus
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? `${id}-error` : undefined}
                onChange={(e) => setName(e.target.value)}
                onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
              />
              <Button size="sm" type="submit" variant="primary" disabled={save.isPending}>
                {save.isPending ? 'Saving…' : 'Save'}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <FieldError id={`${id}-error`}>{problem}</FieldError>
            </form>
          ) : (
            <div className="ssh-hint">
              {current.name ? <code data-testid="reverse-dns">{current.name}</code> : <span className="cell-muted">Not set</span>}
              {manager ? (
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => {
                    save.reset();
                    setName(current.name ?? '');
                    setEditing(true);
                  }}
                >
                  {current.name ? 'Change' : 'Set'}
                </Button>
              ) : null}
            </div>
          )
        }
      </QueryView>
    </Card>
  );
}
