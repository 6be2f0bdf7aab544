import { useId, useState } from 'react';
import type { ImportResult, ImportReview as Review, useAcceptImport } from '../../api/dns.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { formatRelativeTime } from '../../lib/format.ts';
import { formatTtl, sortRrsets } from './dns-rules.ts';
import { DnsErrorNotice } from './DnsParts.tsx';

const keyOf = (r: { name: string; type: string }) => `${r.name}/${r.type}`;

/**
 * What the auto-import found at the domain's previous DNS host, for the team to confirm before
 * anything is saved: every set that can be saved starts checked, a set that conflicts with the
 * rules or with records already here is shown with the reason and cannot be chosen. `accept`
 * belongs to the page, which keeps showing its outcome once the review is gone.
 */
export function ImportReviewCard({ review, manager, accept }: { review: Review; manager: boolean; accept: ReturnType<typeof useAcceptImport> }) {
  const id = useId();
  const rrsets = sortRrsets(review.rrsets);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(rrsets.filter((r) => r.conflict === null).map(keyOf)));
  const toggle = (key: string, on: boolean) =>
    setChosen((set) => {
      const next = new Set(set);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });
  const selectable = rrsets.filter((r) => r.conflict === null);
  const all = selectable.length > 0 && selectable.every((r) => chosen.has(keyOf(r)));
  const save = () => accept.mutate(rrsets.filter((r) => r.conflict === null && chosen.has(keyOf(r))).map((r) => ({ name: r.name, type: r.type })));
  const discard = () => accept.mutate([]);

  return (
    <Card
      title="Records found at your current DNS host"
      headingId={`${id}-heading`}
      description={
        <>
          {review.method === 'axfr' ? 'Copied by a zone transfer' : 'Found by looking up common names'} {formatRelativeTime(review.foundAt)}. Choose what to keep before you switch nameservers, so
          nothing stops working; nothing is saved until you do.
        </>
      }
      flush
    >
      <div className="table-scroll">
        <table className="table dns-import-table" aria-labelledby={`${id}-heading`}>
          <thead>
            <tr>
              <th scope="col" className="dns-check-col">
                {manager ? (
                  <input
                    type="checkbox"
                    aria-label="Choose every record set that can be saved"
                    checked={all}
                    disabled={selectable.length === 0}
                    onChange={(e) => setChosen(e.target.checked ? new Set(selectable.map(keyOf)) : new Set())}
                  />
                ) : (
                  <span className="visually-hidden">Saved</span>
                )}
              </th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">TTL</th>
              <th scope="col">Values</th>
            </tr>
          </thead>
          <tbody>
            {rrsets.map((r) => {
              const key = keyOf(r);
              return (
                <tr key={key} className={r.conflict ? 'has-conflict' : undefined}>
                  <td className="dns-check-col">
                    <input
                      type="checkbox"
                      aria-label={`Save ${r.type} records at ${r.name}`}
                      checked={r.conflict === null && chosen.has(key)}
                      disabled={!manager || r.conflict !== null}
                      onChange={(e) => toggle(key, e.target.checked)}
                    />
                  </td>
                  <td className="mono dns-name-cell">{r.name}</td>
                  <td>
                    <span className="badge">{r.type}</span>
                  </td>
                  <td title={`${r.ttl} seconds`}>{formatTtl(r.ttl)}</td>
                  <td className="dns-values-cell">
                    <ul className="dns-values">
                      {r.records.map((v) => (
                        <li key={v.value} className="mono">
                          {v.value}
                        </li>
                      ))}
                    </ul>
                    {r.conflict ? (
                      <p className="dns-conflict" role="note">
                        Not saved: {r.conflict}
                      </p>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="dns-import-actions">
        {accept.isError ? <DnsErrorNotice error={accept.error} /> : null}
        {manager ? (
          <div className="form-actions">
            <Button variant="primary" disabled={accept.isPending || chosen.size === 0} onClick={save}>
              {accept.isPending ? 'Saving…' : `Save selected (${chosen.size})`}
            </Button>
            <Button disabled={accept.isPending} onClick={discard}>
              Discard all
            </Button>
          </div>
        ) : (
          <p className="muted-text">An Owner or an Admin of the team decides what to keep.</p>
        )}
      </div>
    </Card>
  );
}

/** What the last "Save selected" did: how many sets were saved, and why any were skipped. */
export function ImportOutcome({ result, onDismiss }: { result: ImportResult; onDismiss: () => void }) {
  const saved = result.saved.length;
  return (
    <Notice
      tone={result.skipped.length ? 'warning' : 'info'}
      role="status"
      title={saved === 0 && result.skipped.length === 0 ? 'The imported records were discarded.' : `${saved} imported record set${saved === 1 ? '' : 's'} saved.`}
      action={
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      }
    >
      {result.skipped.length ? (
        <ul className="dns-skipped">
          {result.skipped.map((s) => (
            <li key={`${s.name}/${s.type}`}>
              <code>
                {s.name} {s.type}
              </code>{' '}
              skipped: {s.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </Notice>
  );
}
