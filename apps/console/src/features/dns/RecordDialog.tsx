import { useId, useRef, useState, type FormEvent } from 'react';
import { DnsApiError, usePutRrset, type Domain, type Rrset } from '../../api/dns.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Dialog } from '../../components/ui/Dialog.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { FieldError } from '../computes/ComputeParts.tsx';
import {
  DEFAULT_TTL,
  fieldKey,
  formFieldOf,
  fullName,
  isRecordType,
  joinMx,
  mxPriorityProblem,
  RECORD_TYPES,
  splitMx,
  TTL_PRESETS,
  ttlProblem,
  typeHelp,
  type AddressSuggestion,
  type RecordType,
} from './dns-rules.ts';
import { DnsErrorNotice } from './DnsParts.tsx';

interface ValueRow {
  key: number;
  value: string;
  /** MX only: the priority, joined to the host as `10 mail.example.rw.`. */
  priority: string;
  comment: string;
}

export interface SavedRecords {
  rrset: Rrset;
  created: boolean;
}

const CUSTOM = 'custom';

/**
 * Adds a record set, or edits one (`existing`): its name (`@` for the apex), type, TTL and one or
 * more values, each with an optional comment. The API validates everything; its refusals come
 * back with the field they concern (`records[1].value`, `ttl`, `type`, `recordName`) and are
 * shown next to that field.
 */
export function RecordDialog({
  domain,
  existing,
  rrsets,
  suggestions,
  onClose,
  onSaved,
}: {
  domain: Domain;
  existing?: Rrset;
  /** The domain's sets: adding values at a name and type that already has some adds to them rather than replacing them. */
  rrsets: readonly Rrset[];
  suggestions: readonly AddressSuggestion[];
  onClose: () => void;
  onSaved: (saved: SavedRecords) => void;
}) {
  const id = useId();
  const put = usePutRrset(domain.name);
  const nextKey = useRef(0);
  const row = (value = '', comment = '', priority = '10'): ValueRow => ({ key: nextKey.current++, value, priority, comment });
  const editing = existing !== undefined;
  const [recordName, setRecordName] = useState(existing?.name ?? '');
  const [type, setType] = useState<RecordType>(existing && isRecordType(existing.type) ? existing.type : 'A');
  const startTtl = existing?.ttl ?? DEFAULT_TTL;
  const [ttlChoice, setTtlChoice] = useState(TTL_PRESETS.some((p) => p.seconds === startTtl) ? String(startTtl) : CUSTOM);
  const [customTtl, setCustomTtl] = useState(String(startTtl));
  const [rows, setRows] = useState<ValueRow[]>(() =>
    existing
      ? existing.records.map((r) => {
          if (existing.type !== 'MX') return row(r.value, r.comment ?? '');
          const mx = splitMx(r.value);
          return row(mx.host, r.comment ?? '', mx.priority);
        })
      : [row()],
  );
  const [submitted, setSubmitted] = useState(false);

  const [ttlTouched, setTtlTouched] = useState(false);
  const help = typeHelp[type];
  const name = recordName.trim() || '@';
  // Adding at a name and type that already has records adds to that set (PUT replaces a whole set),
  // keeping its TTL unless another one is chosen.
  const joined = editing ? undefined : rrsets.find((r) => r.type === type && fullName(r.name, domain.name) === fullName(name, domain.name));
  const offset = joined?.records.length ?? 0;
  const keepJoinedTtl = joined !== undefined && !ttlTouched;
  const shownTtlChoice = keepJoinedTtl ? (TTL_PRESETS.some((p) => p.seconds === joined.ttl) ? String(joined.ttl) : CUSTOM) : ttlChoice;
  const shownCustomTtl = keepJoinedTtl ? String(joined.ttl) : customTtl;
  const ttlText = shownTtlChoice === CUSTOM ? shownCustomTtl : shownTtlChoice;

  // Checks made before the round trip: empty values, the MX priority, a typed TTL. The API checks the rest.
  const local = new Map<string, string>();
  if (submitted) {
    rows.forEach((r, i) => {
      if (r.value.trim() === '') local.set(`value-${i}`, `Enter the ${help.valueLabel.toLowerCase()}.`);
      if (type === 'MX') {
        const p = mxPriorityProblem(r.priority);
        if (p) local.set(`priority-${i}`, p);
      }
    });
    const t = ttlProblem(ttlText);
    if (t) local.set('ttl', t);
  }
  // What the API refused, by field; a problem in a value that was already there is shown above the form.
  const remote = new Map<string, string>();
  const unplaced: string[] = [];
  if (put.error instanceof DnsApiError) {
    for (const p of put.error.fieldProblems) {
      const field = formFieldOf(p.field);
      if (field && (field.kind === 'value' || field.kind === 'comment')) {
        const index = field.index - offset;
        if (index >= 0 && index < rows.length) remote.set(fieldKey({ ...field, index }), p.message);
        else unplaced.push(p.message);
      } else if (field) remote.set(fieldKey(field), p.message);
      else unplaced.push(p.message);
    }
  }
  const problem = (key: string) => local.get(key) ?? remote.get(key) ?? null;

  const changed = () => put.reset();
  const update = (key: number, patch: Partial<ValueRow>) => {
    setRows((list) => list.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    changed();
  };
  const suggest = (address: string) => {
    setRows((list) => {
      const empty = list.findIndex((r) => r.value.trim() === '');
      if (list.some((r) => r.value.trim() === address)) return list;
      if (empty >= 0) return list.map((r, i) => (i === empty ? { ...r, value: address } : r));
      return [...list, row(address)];
    });
    changed();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const blank = rows.some((r) => r.value.trim() === '');
    const badPriority = type === 'MX' && rows.some((r) => mxPriorityProblem(r.priority));
    if (blank || badPriority || ttlProblem(ttlText)) return;
    const records = [
      ...(joined?.records ?? []),
      ...rows.map((r) => {
        const value = type === 'MX' ? joinMx(r.priority, r.value) : r.value.trim();
        return r.comment.trim() ? { value, comment: r.comment.trim() } : { value };
      }),
    ];
    put.mutate(
      { recordName: name, type, body: { ttl: Number(ttlText), records } },
      {
        onSuccess: (saved) => {
          onSaved(saved);
          onClose();
        },
      },
    );
  };

  const nameProblem = problem('recordName');
  const typeProblem = problem('type');
  const ttlError = problem('ttl');
  const recordsProblem = problem('records');
  const valueId = (i: number) => `${id}-value-${i}`;
  const multiple = rows.length > 1;

  return (
    <Dialog
      title={editing ? `Edit ${existing.type} records at ${existing.name}` : 'Add records'}
      description={editing ? `${fullName(existing.name, domain.name)}: change the TTL, values and comments. Saving replaces the set.` : `Records of ${domain.name}, served at once by our nameservers.`}
      onClose={onClose}
    >
      <form className="form record-form" onSubmit={onSubmit} noValidate aria-label={editing ? 'Edit records' : 'Add records'}>
        <div className="record-form-head">
          <div className="field">
            <label className="field-label" htmlFor={`${id}-name`}>
              Name
            </label>
            <input
              id={`${id}-name`}
              className="input input-mono"
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              placeholder="@"
              value={recordName}
              disabled={editing}
              aria-invalid={nameProblem ? true : undefined}
              aria-describedby={`${id}-name-hint${nameProblem ? ` ${id}-name-error` : ''}`}
              onChange={(e) => {
                setRecordName(e.target.value);
                changed();
              }}
            />
            <p id={`${id}-name-hint`} className="field-hint record-fqdn">
              {name === '@' ? '@ is ' : '→ '}
              <span className="mono">{fullName(name, domain.name)}</span>
            </p>
            <FieldError id={`${id}-name-error`}>{nameProblem}</FieldError>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-type`}>
              Type
            </label>
            <select
              id={`${id}-type`}
              className="select"
              value={type}
              disabled={editing}
              aria-invalid={typeProblem ? true : undefined}
              aria-describedby={typeProblem ? `${id}-type-error` : `${id}-type-hint`}
              onChange={(e) => {
                setType(e.target.value as RecordType);
                if (e.target.value === 'CNAME') setRows((list) => list.slice(0, 1));
                changed();
              }}
            >
              {RECORD_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <p id={`${id}-type-hint`} className="field-hint">
              {help.what}
            </p>
            <FieldError id={`${id}-type-error`}>{typeProblem}</FieldError>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-ttl`}>
              TTL
            </label>
            <select
              id={`${id}-ttl`}
              className="select"
              value={shownTtlChoice}
              aria-invalid={ttlError && shownTtlChoice !== CUSTOM ? true : undefined}
              aria-describedby={ttlError ? `${id}-ttl-error` : undefined}
              onChange={(e) => {
                setTtlChoice(e.target.value);
                setCustomTtl(shownCustomTtl);
                setTtlTouched(true);
                changed();
              }}
            >
              {TTL_PRESETS.map((p) => (
                <option key={p.seconds} value={String(p.seconds)}>
                  {p.label}
                </option>
              ))}
              <option value={CUSTOM}>Custom…</option>
            </select>
            {shownTtlChoice === CUSTOM ? (
              <input
                className="input record-ttl-custom"
                inputMode="numeric"
                aria-label="TTL in seconds"
                value={shownCustomTtl}
                aria-invalid={ttlError ? true : undefined}
                aria-describedby={ttlError ? `${id}-ttl-error` : undefined}
                onChange={(e) => {
                  setTtlChoice(CUSTOM);
                  setCustomTtl(e.target.value);
                  setTtlTouched(true);
                  changed();
                }}
              />
            ) : null}
            <FieldError id={`${id}-ttl-error`}>{ttlError}</FieldError>
          </div>
        </div>

        <fieldset className="record-values" aria-describedby={`${id}-value-hint`}>
          <legend className="field-label">{multiple ? `Values (${rows.length})` : 'Value'}</legend>
          <p id={`${id}-value-hint`} className="field-hint">
            {help.hint}
          </p>
          {joined ? (
            <p className="record-joined" role="status">
              <Icon name="info" size={15} />
              {fullName(name, domain.name)} already has {joined.records.length} {type} record{joined.records.length === 1 ? '' : 's'}: these are added to {joined.records.length === 1 ? 'it' : 'them'}.
            </p>
          ) : null}
          <ol className="record-rows">
            {rows.map((r, i) => {
              const n = multiple ? ` ${i + 1}` : '';
              const valueError = problem(`value-${i}`);
              const priorityError = problem(`priority-${i}`);
              const commentError = problem(`comment-${i}`);
              return (
                <li key={r.key} className={type === 'MX' ? 'record-row has-priority' : 'record-row'}>
                  {type === 'MX' ? (
                    <input
                      className="input record-priority"
                      inputMode="numeric"
                      aria-label={`Priority${n}`}
                      value={r.priority}
                      aria-invalid={priorityError ? true : undefined}
                      aria-describedby={priorityError ? `${valueId(i)}-priority-error` : undefined}
                      onChange={(e) => update(r.key, { priority: e.target.value })}
                    />
                  ) : null}
                  <input
                    id={valueId(i)}
                    className="input input-mono record-value"
                    autoComplete="off"
                    autoCapitalize="off"
                    spellCheck={false}
                    list={type === 'A' && suggestions.length ? `${id}-suggestions` : undefined}
                    placeholder={help.placeholder}
                    aria-label={`${help.valueLabel}${n}`}
                    value={r.value}
                    aria-invalid={valueError ? true : undefined}
                    aria-describedby={valueError ? `${valueId(i)}-error` : undefined}
                    onChange={(e) => update(r.key, { value: e.target.value })}
                  />
                  <input
                    className="input record-comment"
                    maxLength={255}
                    placeholder="Comment (optional)"
                    aria-label={`Comment${n}`}
                    value={r.comment}
                    aria-invalid={commentError ? true : undefined}
                    aria-describedby={commentError ? `${valueId(i)}-comment-error` : undefined}
                    onChange={(e) => update(r.key, { comment: e.target.value })}
                  />
                  {multiple ? (
                    <button
                      type="button"
                      className="copy-button record-remove"
                      aria-label={`Remove value${n}`}
                      title="Remove this value"
                      onClick={() => {
                        setRows((list) => list.filter((x) => x.key !== r.key));
                        changed();
                      }}
                    >
                      <Icon name="x" size={14} />
                    </button>
                  ) : null}
                  <div className="record-row-errors">
                    <FieldError id={`${valueId(i)}-priority-error`}>{priorityError}</FieldError>
                    <FieldError id={`${valueId(i)}-error`}>{valueError}</FieldError>
                    <FieldError id={`${valueId(i)}-comment-error`}>{commentError}</FieldError>
                  </div>
                </li>
              );
            })}
          </ol>
          <FieldError id={`${id}-records-error`}>{recordsProblem}</FieldError>
          {type !== 'CNAME' && rows.length < 100 ? (
            <button
              type="button"
              className="link-button record-add-value"
              onClick={() => {
                setRows((list) => [...list, row()]);
                changed();
              }}
            >
              <Icon name="plus" size={14} />
              Add another value
            </button>
          ) : null}
          {type === 'A' && suggestions.length ? (
            <div className="record-suggestions">
              <span className="record-suggestions-label" id={`${id}-suggestions-label`}>
                Your computes:
              </span>
              <ul aria-labelledby={`${id}-suggestions-label`}>
                {suggestions.map((s) => (
                  <li key={s.address}>
                    <button type="button" className="record-suggestion" onClick={() => suggest(s.address)} aria-label={`Use ${s.address}, ${s.label}`}>
                      <span className="mono">{s.address}</span>
                      <span className="record-suggestion-label">{s.label}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <datalist id={`${id}-suggestions`}>
                {suggestions.map((s) => (
                  <option key={s.address} value={s.address}>
                    {s.label}
                  </option>
                ))}
              </datalist>
            </div>
          ) : null}
        </fieldset>

        {put.isError && unplaced.length ? (
          <Notice tone="danger" role="alert" title="The records were refused.">
            {unplaced.join(' ')}
          </Notice>
        ) : null}
        {put.isError && !(put.error instanceof DnsApiError && put.error.fieldProblems.length) ? <DnsErrorNotice error={put.error} /> : null}
        <div className="form-actions dialog-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" disabled={put.isPending}>
            {put.isPending ? 'Saving…' : editing ? 'Save records' : 'Add records'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
