import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useBalance } from '../../api/billing.ts';
import { useCreateCompute, useCreateSshKey, usePrices, useSshKeys, ComputeApiError, type PriceList } from '../../api/computes.ts';
import { useImages, useRegions, useSpecifications } from '../../api/queries.ts';
import { Button } from '../../components/ui/Button.tsx';
import { Card } from '../../components/ui/Card.tsx';
import { EmptyState } from '../../components/ui/EmptyState.tsx';
import { Icon } from '../../components/ui/Icon.tsx';
import { Notice } from '../../components/ui/Notice.tsx';
import { PageHeader } from '../../components/ui/PageHeader.tsx';
import { QueryView } from '../../components/ui/QueryView.tsx';
import { SignInPrompt } from '../../components/ui/SignInPrompt.tsx';
import { Skeleton } from '../../components/ui/Skeleton.tsx';
import { formatMemory, formatRwf, formatStorage } from '../../lib/format.ts';
import { Link, navigate } from '../../routes/router.tsx';
import {
  estimate,
  formatHourly,
  hostNameProblem,
  imageLabel,
  isApplicationImage,
  keyComment,
  MAX_USER_DATA_BYTES,
  normaliseHostName,
  parseTags,
  publicKeyProblem,
  tagsProblem,
  type ImageLike,
} from './compute-rules.ts';
import { ComputeErrorNotice, FieldError, useComputeAccess } from './ComputeParts.tsx';
import '../../styles/computes.css';

/** A bytes count of text as UTF-8, which is how the API measures user data. */
const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** "ubuntu-s-1c-1g-01": a name that says what the machine is, until the person types their own. */
function suggestedName(image: ImageLike | undefined, specification: string): string {
  const base = `${image ? image.imageName : 'compute'}-${specification}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `${base}-01`;
}

function Section({ number, title, description, children, id }: { number: number; title: string; description?: string; children: ReactNode; id: string }) {
  return (
    <section className="create-section" aria-labelledby={id}>
      <h2 className="create-section-title" id={id}>
        <span className="create-section-number" aria-hidden="true">
          {number}
        </span>
        {title}
      </h2>
      {description ? <p className="create-section-description">{description}</p> : null}
      {children}
    </section>
  );
}

function CreateForm({ prices }: { prices: PriceList | undefined }) {
  const id = useId();
  const regions = useRegions();
  const images = useImages();
  const specifications = useSpecifications();
  const keys = useSshKeys();
  const balance = useBalance();
  const create = useCreateCompute();
  const addKey = useCreateSshKey();

  const [region, setRegion] = useState<string | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [specification, setSpecification] = useState<string | null>(null);
  const [chosenKeys, setChosenKeys] = useState<ReadonlySet<string>>(new Set());
  const [pasting, setPasting] = useState<boolean | null>(null);
  const [pastedKey, setPastedKey] = useState('');
  const [pastedName, setPastedName] = useState('');
  const [withPublicIp, setWithPublicIp] = useState(false);
  const [hostName, setHostName] = useState<string | null>(null);
  const [hostTouched, setHostTouched] = useState(false);
  const [tagsText, setTagsText] = useState('');
  const [userData, setUserData] = useState('');
  const [submitted, setSubmitted] = useState(false);
  /** A pasted key already among the team's (CONFLICT): sent with the compute instead of saved again. */
  const [extraPublicKey, setExtraPublicKey] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // Defaults: the first region, the first operating system and the smallest size.
  const regionValue = region ?? regions.data?.[0]?.region ?? '';
  const osImages = (images.data ?? []).filter((i) => !isApplicationImage(i));
  const appImages = (images.data ?? []).filter((i) => isApplicationImage(i));
  const imageValue = image ?? osImages[0]?.image ?? images.data?.[0]?.image ?? '';
  const imageRow = images.data?.find((i) => i.image === imageValue);
  const sizes = specifications.data?.items ?? [];
  const specValue = specification ?? sizes[0]?.specification ?? '';
  const sizeRow = sizes.find((s) => s.specification === specValue);
  const teamKeys = keys.data ?? [];
  const showPaste = pasting ?? (keys.isSuccess && teamKeys.length === 0);
  const nameValue = hostName ?? suggestedName(imageRow, specValue);
  const tags = parseTags(tagsText);
  const costs = prices && specValue ? estimate(prices, specValue, withPublicIp) : null;

  const problems = {
    hostName: hostNameProblem(nameValue),
    tags: tagsProblem(tags),
    keys:
      chosenKeys.size === 0 && !(showPaste && pastedKey.trim()) && !extraPublicKey
        ? 'Choose at least one SSH key, or paste a new one: it is the only way in as root.'
        : showPaste && pastedKey.trim()
          ? publicKeyProblem(pastedKey)
          : null,
    userData: utf8Length(userData) > MAX_USER_DATA_BYTES ? `User data is at most ${MAX_USER_DATA_BYTES / 1024} KiB.` : null,
  };
  const shownHost = submitted || hostTouched ? problems.hostName : null;
  const valid = !problems.hostName && !problems.tags && !problems.keys && !problems.userData && regionValue && imageValue && specValue;
  const shortOfBalance = balance.data && costs ? balance.data.balance < Math.max(costs.firstHours, 1) : false;
  const fieldProblems = create.error instanceof ComputeApiError ? create.error.fieldProblems : [];

  const toggleKey = (keyId: string) => {
    const next = new Set(chosenKeys);
    if (next.has(keyId)) next.delete(keyId);
    else next.add(keyId);
    setChosenKeys(next);
    create.reset();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!valid) {
      // Focus the first field with a problem, so keyboard users land on it.
      window.setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    let sshKeys = Array.from(chosenKeys);
    let publicKey = extraPublicKey;
    if (showPaste && pastedKey.trim()) {
      // A pasted key is saved as a team key first, then chosen like the others: a retry of the
      // form then sends the same body (and the same Idempotency-Key), not the key a second time.
      try {
        const saved = await addKey.mutateAsync({ name: pastedName.trim() || keyComment(pastedKey) || `Key for ${normaliseHostName(nameValue)}`, publicKey: pastedKey.trim() });
        sshKeys = [...sshKeys, saved.id];
        setChosenKeys(new Set(sshKeys));
      } catch (error) {
        if (!(error instanceof ComputeApiError) || error.code !== 'CONFLICT') return;
        // The team has this key already: give it to the compute directly.
        publicKey = pastedKey.trim();
        setExtraPublicKey(publicKey);
      }
      setPastedKey('');
      setPastedName('');
      setPasting(false);
    }
    create.mutate(
      {
        hostName: normaliseHostName(nameValue),
        region: regionValue,
        image: imageValue,
        specification: specValue,
        ...(sshKeys.length ? { sshKeys } : {}),
        ...(publicKey ? { publicKeys: [publicKey] } : {}),
        ...(tags.length ? { tags } : {}),
        withPublicIp,
        ...(userData.trim() ? { userData } : {}),
      },
      { onSuccess: (compute) => navigate(`/computes/${compute.id}`) },
    );
  };

  const pending = create.isPending || addKey.isPending;

  return (
    <form ref={formRef} className="create-layout" onSubmit={(e) => void onSubmit(e)} noValidate aria-label="Create compute">
      <div className="create-main">
        <Section number={1} title="Region" id={`${id}-region`} description="Where the compute runs and its data stays.">
          <QueryView query={regions} what="the regions">
            {(list) => (
              <div className="choice-grid choice-grid-regions" role="radiogroup" aria-labelledby={`${id}-region`}>
                {list.map((r) => (
                  <label key={r.region} className="choice-card">
                    <input type="radio" name={`${id}-region-choice`} value={r.region} checked={regionValue === r.region} onChange={() => setRegion(r.region)} />
                    <span className="choice-title">
                      <Icon name="mapPin" size={15} /> {r.name}
                    </span>
                    <span className="choice-meta">
                      {r.region} · data stays in {r.countryCode === 'RW' ? 'Rwanda' : r.countryCode}
                    </span>
                  </label>
                ))}
              </div>
            )}
          </QueryView>
        </Section>

        <Section number={2} title="Image" id={`${id}-image`} description="An operating system, or a ready-made application on Ubuntu that sets itself up at your first SSH login.">
          <QueryView query={images} what="the images">
            {() => (
              <div role="radiogroup" aria-labelledby={`${id}-image`}>
                {[
                  { title: 'Operating systems', list: osImages },
                  { title: 'One-click apps', list: appImages },
                ].map((group) =>
                  group.list.length ? (
                    <div key={group.title} className="choice-group">
                      <h3 className="choice-group-title">{group.title}</h3>
                      <div className="choice-grid">
                        {group.list.map((i) => (
                          <label key={i.image} className="choice-card">
                            <input type="radio" name={`${id}-image-choice`} value={i.image} checked={imageValue === i.image} onChange={() => setImage(i.image)} />
                            <span className="choice-title">
                              <Icon name="disc" size={15} /> {i.imageName}
                            </span>
                            <span className="choice-meta">{i.displayName}</span>
                          </label>
                        ))}
                      </div>
                    </div>
                  ) : null,
                )}
              </div>
            )}
          </QueryView>
        </Section>

        <Section number={3} title="Size" id={`${id}-size`} description="Shared vCPUs, memory and SSD. Charged per started hour, running or stopped, until the compute is destroyed.">
          <QueryView query={specifications} what="the available sizes">
            {({ items }) => (
              <div className="choice-grid choice-grid-sizes" role="radiogroup" aria-labelledby={`${id}-size`}>
                {items.map((s) => {
                  const price = prices?.specifications.find((p) => p.specification === s.specification);
                  return (
                    <label key={s.specification} className="choice-card size-card" data-specification={s.specification}>
                      <input type="radio" name={`${id}-size-choice`} value={s.specification} checked={specValue === s.specification} onChange={() => setSpecification(s.specification)} />
                      <span className="size-price">
                        {price ? (
                          <>
                            <strong className="size-monthly">{formatRwf(price.monthly)}</strong>
                            <span className="size-unit"> / month</span>
                          </>
                        ) : (
                          <span className="size-unit">Price unavailable</span>
                        )}
                      </span>
                      <span className="size-hourly">{price ? `${formatHourly(price.hourly)} / hour` : '\u00a0'}</span>
                      <span className="size-specs">
                        {s.vcpus} vCPU · {formatMemory(s.memoryMb)} · {formatStorage(s.storageGb)} SSD
                      </span>
                      <code className="slug">{s.specification}</code>
                    </label>
                  );
                })}
              </div>
            )}
          </QueryView>
        </Section>

        <Section number={4} title="SSH keys" id={`${id}-keys`} description="Written to root’s authorized_keys. There is no password: a key is the way in.">
          <QueryView query={keys} what="the team’s SSH keys">
            {(list) => (
              <div className="key-picker">
                {list.length ? (
                  <fieldset className="key-list" aria-describedby={problems.keys && submitted ? `${id}-keys-error` : undefined}>
                    <legend className="visually-hidden">Team SSH keys</legend>
                    {list.map((k) => (
                      <label key={k.id} className="key-option">
                        <input type="checkbox" checked={chosenKeys.has(k.id)} onChange={() => toggleKey(k.id)} aria-invalid={submitted && problems.keys && !showPaste ? true : undefined} />
                        <span className="key-option-text">
                          <span className="key-option-name">{k.name}</span>
                          <span className="mono key-option-fingerprint">{k.fingerprint}</span>
                        </span>
                        <span className="badge badge-neutral">{k.type.replace(/^ssh-/, '')}</span>
                      </label>
                    ))}
                  </fieldset>
                ) : null}
                {showPaste ? (
                  <div className="key-paste">
                    <div className="field">
                      <label className="field-label" htmlFor={`${id}-pasted`}>
                        New public key
                      </label>
                      <textarea
                        id={`${id}-pasted`}
                        className="input input-mono"
                        rows={3}
                        spellCheck={false}
                        placeholder="ssh-ed25519 AAAAC3Nza… you@laptop"
                        value={pastedKey}
                        aria-invalid={submitted && problems.keys ? true : undefined}
                        aria-describedby={`${id}-pasted-hint`}
                        onChange={(e) => {
                          setPastedKey(e.target.value);
                          addKey.reset();
                          create.reset();
                        }}
                      />
                      <p id={`${id}-pasted-hint`} className="field-hint">
                        The contents of <code>~/.ssh/id_ed25519.pub</code> (or <code>id_rsa.pub</code>). It is saved as a team key, so teammates can choose it next time.
                      </p>
                    </div>
                    <div className="field">
                      <label className="field-label" htmlFor={`${id}-pasted-name`}>
                        Key name <span className="field-optional">(optional)</span>
                      </label>
                      <input
                        id={`${id}-pasted-name`}
                        className="input"
                        maxLength={100}
                        placeholder={keyComment(pastedKey) || 'e.g. Aline’s laptop'}
                        value={pastedName}
                        onChange={(e) => setPastedName(e.target.value)}
                      />
                    </div>
                  </div>
                ) : null}
                {list.length ? (
                  <button type="button" className="link-button" onClick={() => setPasting(!showPaste)}>
                    {showPaste ? 'Cancel the new key' : 'Paste a new public key'}
                  </button>
                ) : null}
                {extraPublicKey ? <p className="field-hint">A pasted key the team already has will be added to this compute.</p> : null}
                <FieldError id={`${id}-keys-error`}>{submitted ? problems.keys : null}</FieldError>
                {addKey.isError && !(addKey.error instanceof ComputeApiError && addKey.error.code === 'CONFLICT') ? (
                  <ComputeErrorNotice error={addKey.error} />
                ) : null}
              </div>
            )}
          </QueryView>
        </Section>

        <Section number={5} title="Networking" id={`${id}-net`} description="Every compute has a private IPv4 in the team’s network and reaches the team’s other computes.">
          <label className="toggle-row">
            <input type="checkbox" role="switch" checked={withPublicIp} onChange={(e) => setWithPublicIp(e.target.checked)} />
            <span className="toggle-text">
              <span className="toggle-title">Public IPv4 address</span>
              <span className="toggle-meta">
                Reachable from the internet{prices ? `, ${formatRwf(prices.publicIpv4Monthly)} / month while it is held` : ''}. Without it, reach the compute through another one of the team.
              </span>
            </span>
          </label>
        </Section>

        <Section number={6} title="Name and tags" id={`${id}-name`}>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-host`}>
              Host name
            </label>
            <input
              id={`${id}-host`}
              className="input input-mono"
              autoComplete="off"
              spellCheck={false}
              value={nameValue}
              aria-invalid={shownHost ? true : undefined}
              aria-describedby={`${id}-host-hint${shownHost ? ` ${id}-host-error` : ''}`}
              onChange={(e) => {
                setHostName(e.target.value);
                create.reset();
              }}
              onBlur={() => setHostTouched(true)}
            />
            <p id={`${id}-host-hint`} className="field-hint">
              Letters, digits and hyphens; spaces become hyphens.
              {nameValue !== normaliseHostName(nameValue) && !problems.hostName ? (
                <>
                  {' '}
                  Will be <code>{normaliseHostName(nameValue)}</code>.
                </>
              ) : null}
            </p>
            <FieldError id={`${id}-host-error`}>{shownHost}</FieldError>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-tags`}>
              Tags <span className="field-optional">(optional)</span>
            </label>
            <input
              id={`${id}-tags`}
              className="input"
              autoComplete="off"
              placeholder="production, web"
              value={tagsText}
              aria-invalid={problems.tags ? true : undefined}
              aria-describedby={`${id}-tags-hint`}
              onChange={(e) => setTagsText(e.target.value)}
            />
            <p id={`${id}-tags-hint`} className="field-hint">
              Separated by commas or spaces; filter the list by them.
            </p>
            {tags.length ? (
              <span className="compute-tags">
                {tags.map((t) => (
                  <span key={t} className="compute-tag">
                    {t}
                  </span>
                ))}
              </span>
            ) : null}
            <FieldError id={`${id}-tags-error`}>{problems.tags}</FieldError>
          </div>
          <details className="create-advanced">
            <summary>User data (cloud-init)</summary>
            <div className="field">
              <label className="field-label" htmlFor={`${id}-userdata`}>
                User data <span className="field-optional">(optional)</span>
              </label>
              <textarea
                id={`${id}-userdata`}
                className="input input-mono"
                rows={6}
                spellCheck={false}
                placeholder={'#cloud-config\npackages:\n  - nginx'}
                value={userData}
                aria-invalid={problems.userData ? true : undefined}
                onChange={(e) => setUserData(e.target.value)}
              />
              <p className="field-hint">Run once at first boot. Stored encrypted and destroyed with the compute; at most 64 KiB.</p>
              <FieldError id={`${id}-userdata-error`}>{problems.userData}</FieldError>
            </div>
          </details>
        </Section>
      </div>

      <aside className="create-summary" aria-labelledby={`${id}-summary`}>
        <div className="card create-summary-card">
          <h2 className="create-summary-title" id={`${id}-summary`}>
            Summary
          </h2>
          <dl className="create-summary-list">
            <div>
              <dt>Region</dt>
              <dd>{regions.data?.find((r) => r.region === regionValue)?.name ?? '—'}</dd>
            </div>
            <div>
              <dt>Image</dt>
              <dd>{imageValue ? imageLabel(imageRow, imageValue) : '—'}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd>{sizeRow ? `${sizeRow.specification}: ${sizeRow.vcpus} vCPU, ${formatMemory(sizeRow.memoryMb)}, ${formatStorage(sizeRow.storageGb)} SSD` : '—'}</dd>
            </div>
            <div>
              <dt>Public IPv4</dt>
              <dd>{withPublicIp ? 'Yes' : 'No, private network only'}</dd>
            </div>
            <div>
              <dt>SSH keys</dt>
              <dd>{chosenKeys.size + (showPaste && pastedKey.trim() ? 1 : 0) + (extraPublicKey ? 1 : 0) || 'None yet'}</dd>
            </div>
          </dl>
          <div className="create-total" data-testid="create-total" aria-live="polite">
            {costs ? (
              <>
                <p className="create-total-amount">≈ {formatRwf(costs.monthly)} / month</p>
                <p className="create-total-meta">
                  {formatHourly(costs.hourly)} / hour, charged per started hour{withPublicIp ? ', public IPv4 included' : ''}
                </p>
              </>
            ) : (
              <p className="create-total-meta">{prices ? 'Choose a size to see its price.' : 'Loading prices…'}</p>
            )}
          </div>
          {balance.data ? (
            <p className="create-balance">
              Balance <strong>{formatRwf(balance.data.balance)}</strong>
            </p>
          ) : null}
          {shortOfBalance && costs ? (
            <Notice
              tone="warning"
              title="Top up before creating this compute."
              action={
                <Link to="/billing" className="btn btn-secondary btn-sm">
                  Top up
                </Link>
              }
            >
              The balance must cover its first 24 hours ({formatRwf(costs.firstHours)}).
            </Notice>
          ) : null}
          {create.isError ? <ComputeErrorNotice error={create.error} /> : null}
          {fieldProblems.length ? (
            <ul className="create-problems">
              {fieldProblems.map((p) => (
                <li key={`${p.field}:${p.message}`}>
                  <code>{p.field}</code> {p.message}
                </li>
              ))}
            </ul>
          ) : null}
          <Button type="submit" variant="primary" className="create-submit" disabled={pending || shortOfBalance}>
            {pending ? 'Creating…' : 'Create compute'}
          </Button>
          {submitted && !valid ? (
            <p className="field-error" role="alert">
              Check the fields marked above.
            </p>
          ) : null}
        </div>
      </aside>
    </form>
  );
}

export function ComputeCreatePage() {
  const { me, team, manager } = useComputeAccess();
  const prices = usePrices({ enabled: Boolean(team) });
  return (
    <>
      <Link to="/computes" className="back-link">
        <Icon name="arrowLeft" size={15} />
        Computes
      </Link>
      <PageHeader title="Create compute" description="A virtual machine in Rwanda, billed per started hour from the team’s wallet." />
      {me.isPending ? (
        <Card>
          <Skeleton label="Loading…" />
        </Card>
      ) : !me.data ? (
        <SignInPrompt title="Sign in to create a compute">Computes belong to a team and are paid from its wallet: sign in first.</SignInPrompt>
      ) : !team ? (
        <Card>
          <EmptyState icon="server" title="You’re not in a team">
            <p>Computes belong to a team. Create a team, or ask to be invited, from the Team page.</p>
          </EmptyState>
        </Card>
      ) : !manager ? (
        <Card>
          <EmptyState icon="lock" title="Only Owners and Admins create computes">
            <p>You are a Member of {team.name}: you can see its computes and their history. Ask an Owner or an Admin to create one.</p>
          </EmptyState>
        </Card>
      ) : (
        <CreateForm key={team.id} prices={prices.data} />
      )}
    </>
  );
}
