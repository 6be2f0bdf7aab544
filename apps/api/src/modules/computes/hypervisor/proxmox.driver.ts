import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import {
  HypervisorError,
  type DriverCapabilities,
  type HypervisorDriver,
  type MachineRef,
  type MachineSize,
  type MachineSpec,
  type ObservedMachine,
  type OpHandle,
  type OpKey,
  type OpStatus,
  type PowerState,
  type StopOptions,
} from './port.ts';
import type { ProxmoxVmidAllocator } from './proxmox.vmids.ts';

/**
 * The proxmox driver: machines on a Proxmox VE cluster (one cluster per site), driven through its
 * REST API with an API token (reference cloud-anchors §2.1).
 *
 * - A machine is a full clone of a cloud-init template, then sized (cores, memory, disk grown),
 *   given its cloud-init settings and started; every step is a Proxmox task followed through its
 *   UPID until it has stopped with exit status OK.
 * - VMIDs come from our database (`ProxmoxVmidAllocator`), never from `/cluster/nextid`, which
 *   hands the same number to every concurrent caller.
 * - Clones are serialised per node and storage with an in-process mutex: concurrent clones
 *   contend on Proxmox's storage lock and fail with "can't lock file … got timeout". Several
 *   control-plane processes may still clone at once; the lock error is then retried.
 * - Every machine carries our compute id twice: in the description from the clone on, and as the
 *   tag `strettch-<compute id>` from the first configuration on (tags are in `/cluster/resources`,
 *   so `observe` needs one call).
 * - Operations run in this process and are kept by key: the same change asked again with the same
 *   key returns the same handle. After a restart the job asks again; each step checks what is
 *   already done (a clone found by its label is not made twice), so the chain resumes.
 * - Not supported: user data (Proxmox cannot receive a snippet over its API, bugzilla 2208) and
 *   the serial console (termproxy/vncwebsocket need a WebSocket client this code base lacks).
 */
export interface ProxmoxDriverOptions {
  /** `https://host:8006/api2/json`. */
  url: string;
  /** `USER@REALM!TOKENID`. */
  tokenId: string;
  tokenSecret: string;
  /** Nodes new machines may be placed on. */
  nodes: string[];
  /** Storage receiving the clones' disks. */
  storage: string;
  /** Image slug → VMID of its cloud-init template. */
  templates: Record<string, number>;
  vmids: ProxmoxVmidAllocator;
  /** Where our VMIDs lie: machines there without a tag are looked up by description. */
  vmidRange: { first: number; last: number };
  /** Private network of the machines: prefix length and gateway for `ipconfig0`. */
  privateNetwork: { prefix: number; gateway: string };
  /**
   * Bridge of the public network. A machine with a public IPv4 then gets a second NIC there
   * (`net1`, `ipconfig1`) carrying the default route. Without it, the site's edge routes public
   * addresses to private ones (1:1 NAT) and the guest knows only its private address.
   */
  publicBridge?: string;
  nameserver?: string;
  /** Default user cloud-init creates with the SSH keys (the product documents root). */
  ciUser?: string;
  /** Template disk grown to the machine's size. */
  disk?: string;
  tls?: { insecure?: boolean; ca?: string | Buffer };
  /** Wait between two polls of a Proxmox task, and the poll interval the port advertises. */
  pollIntervalMs?: number;
  /** How long a step keeps retrying while the machine is locked by another task. */
  lockWaitMs?: number;
  /** Timeout of one API request. */
  requestTimeoutMs?: number;
}

type Command = 'create' | 'start' | 'stop' | 'reboot' | 'resize' | 'destroy';

interface Op {
  handle: OpHandle;
  command: Command;
  request: string;
  vmid: number;
  progress: number;
  result?: OpStatus;
  /** The spec of a create, so `inspect` can show the machine before its clone exists. */
  spec?: MachineSpec;
  /** A transient failure: thrown at the next poll, and the same key may then start the change again. */
  transient?: HypervisorError;
}

/** A VM as `/cluster/resources?type=vm` lists it. */
interface Resource {
  vmid: number;
  node: string;
  name?: string;
  status: string;
  maxcpu?: number;
  maxmem?: number;
  maxdisk?: number;
  template?: number;
  tags?: string;
  lock?: string;
  type: string;
}

const TAG_PREFIX = 'strettch-';
const LABEL = /strettch-compute=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * Proxmox wants `sshkeys` URL-encoded (its `urlencoded` format: only `-%a-zA-Z0-9_.!~*'()`), and
 * the form body encodes it again, so keys travel double-encoded. `+` is not a space to Proxmox:
 * spaces must be `%20`, which is what encodeURIComponent gives.
 */
export function encodeSshKeys(keys: string[]): string {
  return encodeURIComponent(keys.map((k) => k.trim()).join('\n'));
}

export function computeTag(computeId: string): string {
  return `${TAG_PREFIX}${computeId.toLowerCase()}`;
}

function labelOf(r: { tags?: string }, description?: string): string | null {
  for (const t of (r.tags ?? '').split(/[;, ]/)) {
    if (t.startsWith(TAG_PREFIX) && t.length === TAG_PREFIX.length + 36) return t.slice(TAG_PREFIX.length);
  }
  return description ? (LABEL.exec(description)?.[1]?.toLowerCase() ?? null) : null;
}

/** A Proxmox API error answer, classified for the job: lock and reachability problems are transient. */
function apiError(status: number, message: string): HypervisorError {
  const text = message.trim() || `HTTP ${status}`;
  if (status === 401) return new HypervisorError('unauthorized', `Proxmox refused the API token (${text}).`);
  if (/is locked|can't lock file|got timeout/i.test(text)) return new HypervisorError('locked', `Proxmox: ${text}`, true);
  if (/does not exist|no such VM/i.test(text)) return new HypervisorError('not_found', `Proxmox: ${text}`);
  if (/already exists/i.test(text)) return new HypervisorError('vmid_taken', `Proxmox: ${text}`);
  const transient = status === 502 || status === 503 || status === 504 || status === 595 || status === 596;
  return new HypervisorError('proxmox_error', `Proxmox: ${text}`, transient);
}

/** One request per call; the token goes in the Authorization header and nowhere else. */
class ProxmoxApi {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth: string;

  constructor(
    url: string,
    tokenId: string,
    tokenSecret: string,
    tls: { insecure?: boolean; ca?: string | Buffer } | undefined,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.auth = `PVEAPIToken=${tokenId}=${tokenSecret}`;
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, rejectUnauthorized: !tls?.insecure, ...(tls?.ca ? { ca: tls.ca } : {}) })
        : new http.Agent({ keepAlive: true });
  }

  get<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    return this.call<T>('GET', path, params);
  }
  post<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    return this.call<T>('POST', path, params);
  }
  put<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    return this.call<T>('PUT', path, params);
  }
  delete<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    return this.call<T>('DELETE', path, params);
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(method: string, path: string, params: Record<string, string | number> = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const form = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const withBody = method === 'POST' || method === 'PUT';
    if (!withBody) for (const [k, v] of form) url.searchParams.append(k, v);
    const body = withBody ? form.toString() : undefined;
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = client.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            Authorization: this.auth,
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
            try {
              json = text ? (JSON.parse(text) as typeof json) : {};
            } catch {
              // Proxmox's proxy answers some errors (595 and the like) with no JSON body.
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(json.data as T);
            const errors = json.errors ? Object.entries(json.errors).map(([k, v]) => `${k}: ${String(v).trim()}`).join('; ') : '';
            // Only Proxmox's own message goes into the error: never the request, which may hold keys.
            reject(apiError(status, [json.message ?? res.statusMessage ?? '', errors].filter(Boolean).join(' ')));
          });
          res.on('error', (e) => reject(new HypervisorError('unreachable', `Proxmox API: ${e.message}`, true)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new HypervisorError('unreachable', `Proxmox API ${method} ${url.pathname}: ${e.message}`, true)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** Serialises async work per key (here: clones per node and storage). */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ProxmoxHypervisorDriver implements HypervisorDriver {
  readonly kind = 'proxmox' as const;
  readonly simulated = false;
  readonly pollIntervalMs: number;
  private readonly api: ProxmoxApi;
  private readonly ops = new Map<OpKey, Op>();
  private readonly submitting = new Map<OpKey, Promise<OpHandle>>();
  private readonly cloneMutex = new KeyedMutex();
  private readonly lockWaitMs: number;
  private readonly disk: string;
  private closed = false;

  constructor(private readonly opts: ProxmoxDriverOptions) {
    this.api = new ProxmoxApi(opts.url, opts.tokenId, opts.tokenSecret, opts.tls, opts.requestTimeoutMs ?? 30_000);
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.lockWaitMs = opts.lockWaitMs ?? 120_000;
    this.disk = opts.disk ?? 'scsi0';
  }

  capabilities(): DriverCapabilities {
    return { liveResize: false, consoles: [], userData: 'none', maxUserDataBytes: 0 };
  }

  async create(spec: MachineSpec, key: OpKey): Promise<OpHandle> {
    return this.once(key, 'create', `create ${spec.computeId}`, async () => {
      if (!(spec.vcpus > 0 && spec.memoryMb > 0 && spec.diskGb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs, memory and a disk.');
      const template = this.opts.templates[spec.image];
      if (template === undefined) throw new HypervisorError('unknown_image', `No Proxmox template is configured for the image ${spec.image} (PROXMOX_TEMPLATES).`);
      if (spec.userData) {
        throw new HypervisorError('user_data_unsupported', 'The proxmox driver cannot pass user data yet: Proxmox takes no cloud-init snippet over its API.');
      }
      const resources = await this.resources();
      // A machine already labelled with this compute is the one a previous attempt cloned: adopt it.
      const mine = await this.findByLabel(resources, spec.computeId);
      const vmid = mine?.vmid ?? (await this.opts.vmids.vmidFor(spec.computeId));
      const tpl = resources.find((r) => r.vmid === template);
      if (!tpl) throw new HypervisorError('unknown_image', `The template VM ${template} of ${spec.image} is not on the cluster.`);
      // The node placement chose, unless a previous attempt already cloned the machine elsewhere.
      const node = mine?.node ?? spec.host ?? (await this.placeNode());
      const ref: MachineRef = { id: String(vmid), host: node };
      return this.begin(key, 'create', `create ${spec.computeId}`, ref, vmid, spec, (op) => this.runCreate(op, spec, template, tpl.node, node));
    });
  }

  async start(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.once(key, 'start', `start ${ref.id}`, async () => {
      const { vmid, vm } = await this.present(ref);
      return this.begin(key, 'start', `start ${ref.id}`, { id: ref.id, host: vm.node }, vmid, undefined, async (op) => {
        const node = await this.nodeOf(vmid);
        if ((await this.status(node, vmid)) === 'running') return 'already running';
        await this.task(op, node, await this.retryLocked(() => this.api.post<string>(`/nodes/${node}/qemu/${vmid}/status/start`)), 99);
        return 'started';
      });
    });
  }

  async stop(ref: MachineRef, key: OpKey, opts: StopOptions): Promise<OpHandle> {
    return this.once(key, 'stop', `stop ${ref.id}`, async () => {
      const { vmid, vm } = await this.present(ref);
      return this.begin(key, 'stop', `stop ${ref.id}`, { id: ref.id, host: vm.node }, vmid, undefined, async (op) => {
        const node = await this.nodeOf(vmid);
        if ((await this.status(node, vmid)) !== 'running') return 'already off';
        // ACPI first; Proxmox fails the shutdown task when the guest is still up after `timeout` seconds.
        const timeout = Math.max(1, Math.ceil(opts.gracefulTimeoutMs / 1000));
        try {
          const upid = await this.retryLocked(() => this.api.post<string>(`/nodes/${node}/qemu/${vmid}/status/shutdown`, { timeout, forceStop: 0 }));
          await this.task(op, node, upid, 80);
          if ((await this.status(node, vmid)) !== 'running') return 'graceful shutdown';
        } catch (err) {
          if (!(err instanceof HypervisorError) || err.code !== 'task_failed') throw err;
        }
        await this.task(op, node, await this.retryLocked(() => this.api.post<string>(`/nodes/${node}/qemu/${vmid}/status/stop`)), 99);
        return 'forced power-off: the guest did not shut down within the graceful wait';
      });
    });
  }

  async reboot(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.once(key, 'reboot', `reboot ${ref.id}`, async () => {
      const { vmid, vm } = await this.present(ref);
      if (vm.status !== 'running') throw new HypervisorError('not_running', 'Only a running machine can be rebooted.');
      return this.begin(key, 'reboot', `reboot ${ref.id}`, { id: ref.id, host: vm.node }, vmid, undefined, async (op) => {
        const node = await this.nodeOf(vmid);
        await this.task(op, node, await this.retryLocked(() => this.api.post<string>(`/nodes/${node}/qemu/${vmid}/status/reboot`)), 99);
        return 'rebooted';
      });
    });
  }

  async resize(ref: MachineRef, to: MachineSize, key: OpKey): Promise<OpHandle> {
    const request = `resize ${ref.id} ${to.vcpus}/${to.memoryMb}/${to.diskGb}`;
    return this.once(key, 'resize', request, async () => {
      const { vmid, vm } = await this.present(ref);
      if (vm.status !== 'stopped') throw new HypervisorError('machine_running', 'Stop the machine before resizing it.');
      if (!(to.vcpus > 0 && to.memoryMb > 0 && to.diskGb > 0)) throw new HypervisorError('invalid_spec', 'A machine needs CPUs, memory and a disk.');
      const current = await this.diskGb(vm.node, vmid);
      if (to.diskGb < current) throw new HypervisorError('disk_shrink', 'A disk can only grow.');
      return this.begin(key, 'resize', request, { id: ref.id, host: vm.node }, vmid, undefined, async (op) => {
        const node = await this.nodeOf(vmid);
        await this.task(op, node, await this.retryLocked(() => this.api.post<string | null>(`/nodes/${node}/qemu/${vmid}/config`, { cores: to.vcpus, memory: to.memoryMb })), 50);
        await this.grow(op, node, vmid, to.diskGb, 99);
        return `resized to ${to.vcpus} vCPU, ${to.memoryMb} MiB, ${to.diskGb} GiB`;
      });
    });
  }

  async destroy(ref: MachineRef, key: OpKey): Promise<OpHandle> {
    return this.once(key, 'destroy', `destroy ${ref.id}`, async () => {
      const vmid = this.vmidOf(ref);
      const vm = (await this.resources()).find((r) => r.vmid === vmid);
      if (!vm) return this.begin(key, 'destroy', `destroy ${ref.id}`, ref, vmid, undefined, async () => 'already gone');
      // Never delete a machine we did not make (nor a template), whatever reference we were handed.
      const label = vm.template ? null : (labelOf(vm) ?? labelOf({}, await this.description(vm.node, vmid)));
      if (!label) throw new HypervisorError('not_ours', `VM ${vmid} carries no Strettch label; refusing to destroy it.`);
      this.assertUnlocked(vm);
      return this.begin(key, 'destroy', `destroy ${ref.id}`, { id: ref.id, host: vm.node }, vmid, undefined, async (op) => {
        const node = await this.nodeOf(vmid);
        if ((await this.status(node, vmid)) === 'running') {
          await this.task(op, node, await this.retryLocked(() => this.api.post<string>(`/nodes/${node}/qemu/${vmid}/status/stop`)), 50);
        }
        const upid = await this.retryLocked(() => this.api.delete<string>(`/nodes/${node}/qemu/${vmid}`, { purge: 1, 'destroy-unreferenced-disks': 1 }));
        await this.task(op, node, upid, 99);
        return 'destroyed';
      });
    });
  }

  async poll(handle: OpHandle): Promise<OpStatus> {
    const op = [...this.ops.values()].find((o) => o.handle.id === handle.id);
    // After a restart the job submits the change again with its key, which resumes it.
    if (!op) throw new HypervisorError('unknown_operation', `No operation ${handle.id} in this process; submit the change again.`, true);
    if (op.transient) throw op.transient;
    if (op.result) return op.result;
    return { state: 'running', progress: op.progress };
  }

  async observe(): Promise<ObservedMachine[]> {
    const resources = (await this.resources()).filter((r) => !r.template);
    const seen = await Promise.all(resources.map(async (r) => this.view(r, await this.labelFor(r))));
    const present = new Set(resources.map((r) => r.vmid));
    return [...seen, ...this.unclonedCreates(present)];
  }

  async inspect(ref: MachineRef): Promise<ObservedMachine | null> {
    const vmid = this.vmidOf(ref);
    const r = (await this.resources()).find((x) => x.vmid === vmid && !x.template);
    if (r) return this.view(r, await this.labelFor(r));
    return this.unclonedCreates(new Set()).find((m) => m.ref.id === ref.id) ?? null;
  }

  async openConsole(): Promise<Duplex> {
    throw new HypervisorError('not_supported', 'The serial console is not supported by the proxmox driver yet (termproxy/vncwebsocket are not implemented).');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.api.close();
  }

  // ——— operations ———

  /** One submission per key at a time, so two concurrent calls with one key share the answer. */
  private async once(key: OpKey, command: Command, request: string, submit: () => Promise<OpHandle>): Promise<OpHandle> {
    const existing = this.ops.get(key);
    if (existing?.transient) this.ops.delete(key);
    else if (existing) return this.same(existing, key, command, request);
    const inflight = this.submitting.get(key);
    if (inflight) return inflight;
    const p = submit().finally(() => this.submitting.delete(key));
    this.submitting.set(key, p);
    return p;
  }

  private same(op: Op, key: OpKey, command: Command, request: string): OpHandle {
    if (op.command !== command || op.request !== request) throw new HypervisorError('key_reused', `Operation key ${key} was already used for another change.`);
    return op.handle;
  }

  private begin(key: OpKey, command: Command, request: string, ref: MachineRef, vmid: number, spec: MachineSpec | undefined, run: (op: Op) => Promise<string>): OpHandle {
    const existing = this.ops.get(key);
    if (existing && !existing.transient) return this.same(existing, key, command, request);
    const busy = [...this.ops.values()].find((o) => o.vmid === vmid && !o.result);
    if (busy) throw new HypervisorError('locked', `VM ${vmid} is busy with operation ${busy.handle.id}.`, true);
    const op: Op = { handle: { id: `pve-op:${command}:${key}`, ref }, command, request, vmid, progress: 0, ...(spec ? { spec } : {}) };
    this.ops.set(key, op);
    void run(op).then(
      (detail) => {
        op.result = { state: 'succeeded', progress: 100, detail };
      },
      (err: unknown) => {
        if (err instanceof HypervisorError && err.transient) {
          // Left to the job's retry: poll throws it, and the same key may then start the change again.
          op.transient = err;
          op.result = { state: 'failed', error: { code: err.code, message: err.message } };
          return;
        }
        const e = err instanceof HypervisorError ? err : new HypervisorError('proxmox_error', err instanceof Error ? err.message : String(err));
        op.result = { state: 'failed', error: { code: e.code, message: e.message } };
      },
    );
    return op.handle;
  }

  private async runCreate(op: Op, spec: MachineSpec, template: number, templateNode: string, node: string): Promise<string> {
    const vmid = op.vmid;
    const existing = (await this.resources()).find((r) => r.vmid === vmid);
    if (existing) {
      const label = await this.labelFor(existing);
      if (label !== spec.computeId.toLowerCase()) throw new HypervisorError('vmid_taken', `VM ${vmid} exists on the cluster but is not this compute's machine.`);
    } else {
      await this.cloneMutex.run(`${node}/${this.opts.storage}`, async () => {
        // A previous attempt may have cloned meanwhile; the label decides.
        if ((await this.resources()).some((r) => r.vmid === vmid)) return;
        const upid = await this.retryLocked(() =>
          this.api.post<string>(`/nodes/${templateNode}/qemu/${template}/clone`, {
            newid: vmid,
            name: spec.hostName,
            full: 1,
            storage: this.opts.storage,
            ...(node !== templateNode ? { target: node } : {}),
            description: `Strettch Cloud machine, managed by the control plane: do not change it by hand.\nstrettch-compute=${spec.computeId}`,
          }),
        );
        await this.task(op, templateNode, upid, 60);
      });
    }
    const at = await this.nodeOf(vmid);
    // A clone still running from an earlier attempt holds the lock: wait for it like for any lock.
    await this.retryLocked(async () => {
      const lock = (await this.resource(vmid)).lock;
      if (lock) throw new HypervisorError('locked', `VM ${vmid} is locked (${lock}).`, true);
    });
    // One default route: through the public NIC when the machine has one, else the private gateway.
    const pub = spec.network.publicIpv4 && spec.network.publicNet && this.opts.publicBridge ? { ip: spec.network.publicIpv4, ...spec.network.publicNet } : null;
    const cloudInit: Record<string, string | number> = {
      cores: spec.vcpus,
      memory: spec.memoryMb,
      tags: computeTag(spec.computeId),
      ciuser: this.opts.ciUser ?? 'root',
      sshkeys: encodeSshKeys(spec.sshPublicKeys),
      ipconfig0: `ip=${spec.network.privateIpv4}/${this.opts.privateNetwork.prefix}${pub ? '' : `,gw=${this.opts.privateNetwork.gateway}`}`,
      ...(pub ? { net1: `virtio,bridge=${this.opts.publicBridge}`, ipconfig1: `ip=${pub.ip}/${pub.prefix},gw=${pub.gateway}` } : {}),
      ...(this.opts.nameserver ? { nameserver: this.opts.nameserver } : {}),
    };
    op.progress = Math.max(op.progress, 60);
    await this.task(op, at, await this.retryLocked(() => this.api.post<string | null>(`/nodes/${at}/qemu/${vmid}/config`, cloudInit)), 70);
    await this.grow(op, at, vmid, spec.diskGb, 80);
    if ((await this.status(at, vmid)) !== 'running') {
      await this.task(op, at, await this.retryLocked(() => this.api.post<string>(`/nodes/${at}/qemu/${vmid}/status/start`)), 99);
    }
    return `VM ${vmid} on ${at}`;
  }

  /** Grows the disk to `gb` (absolute): nothing when it is that size already, an error when it is larger. */
  private async grow(op: Op, node: string, vmid: number, gb: number, to: number): Promise<void> {
    const current = await this.diskGb(node, vmid);
    if (current > gb) throw new HypervisorError('disk_shrink', `The disk of VM ${vmid} is ${current} GiB, larger than the ${gb} GiB asked; disks only grow.`);
    if (current < gb) {
      await this.task(op, node, await this.retryLocked(() => this.api.put<string | null>(`/nodes/${node}/qemu/${vmid}/resize`, { disk: this.disk, size: `${gb}G` })), to);
    }
    op.progress = Math.max(op.progress, to);
  }

  /**
   * Follows a task by its UPID until it has stopped; anything but exit status OK is a failure.
   * Progress moves towards `to` while it runs. Some calls (a config change with nothing pending)
   * answer null instead of a UPID: nothing to follow.
   */
  private async task(op: Op, node: string, upid: string | null, to: number): Promise<void> {
    if (upid) {
      // The UPID names the node that runs the task (`UPID:node:pid:pstart:starttime:type:id:user:`).
      const taskNode = upid.split(':')[1] || node;
      for (;;) {
        if (this.closed) throw new HypervisorError('closed', 'The driver was closed.', true);
        const s = await this.api.get<{ status: string; exitstatus?: string }>(`/nodes/${taskNode}/tasks/${encodeURIComponent(upid)}/status`);
        if (s.status === 'stopped') {
          if (s.exitstatus === 'OK') break;
          throw new HypervisorError('task_failed', `Proxmox task ${upid.split(':')[5] ?? ''} failed: ${s.exitstatus ?? 'no exit status'}`);
        }
        if (op.progress < to - 1) op.progress += 1;
        await sleep(this.pollIntervalMs);
      }
    }
    op.progress = Math.max(op.progress, to);
  }

  /** Retries a call while Proxmox answers that the machine is locked, up to `lockWaitMs`. */
  private async retryLocked<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let wait = this.pollIntervalMs; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof HypervisorError) || err.code !== 'locked' || Date.now() + wait > deadline || this.closed) throw err;
        await sleep(wait);
      }
    }
  }

  // ——— reading the cluster ———

  private async resources(): Promise<Resource[]> {
    const all = await this.api.get<Resource[]>('/cluster/resources', { type: 'vm' });
    return (all ?? []).filter((r) => r.type === 'qemu');
  }

  private async resource(vmid: number): Promise<Resource> {
    const r = (await this.resources()).find((x) => x.vmid === vmid);
    if (!r) throw new HypervisorError('not_found', `No machine ${vmid}.`);
    return r;
  }

  /** The node a machine is on now (it may have been migrated since we made it). */
  private async nodeOf(vmid: number): Promise<string> {
    return (await this.resource(vmid)).node;
  }

  private async present(ref: MachineRef): Promise<{ vmid: number; vm: Resource }> {
    const vmid = this.vmidOf(ref);
    // A change of ours still running (a create whose clone has not landed yet) holds the machine.
    const busy = [...this.ops.values()].find((o) => o.vmid === vmid && !o.result);
    if (busy) throw new HypervisorError('locked', `VM ${vmid} is busy with operation ${busy.handle.id}.`, true);
    const vm = await this.resource(vmid);
    if (vm.template) throw new HypervisorError('not_found', `No machine ${vmid}.`);
    this.assertUnlocked(vm);
    return { vmid, vm };
  }

  private assertUnlocked(vm: Resource): void {
    const busy = [...this.ops.values()].find((o) => o.vmid === vm.vmid && !o.result);
    if (busy) throw new HypervisorError('locked', `VM ${vm.vmid} is busy with operation ${busy.handle.id}.`, true);
    if (vm.lock) throw new HypervisorError('locked', `VM ${vm.vmid} is locked (${vm.lock}).`, true);
  }

  private async status(node: string, vmid: number): Promise<string> {
    return (await this.api.get<{ status: string }>(`/nodes/${node}/qemu/${vmid}/status/current`)).status;
  }

  private async config(node: string, vmid: number): Promise<Record<string, string | number | undefined>> {
    return this.api.get<Record<string, string | number | undefined>>(`/nodes/${node}/qemu/${vmid}/config`);
  }

  private async description(node: string, vmid: number): Promise<string | undefined> {
    const d = (await this.config(node, vmid)).description;
    return d === undefined ? undefined : String(d);
  }

  /** Size of the machine's disk in GiB, from its config (`local-lvm:vm-100-disk-0,size=10G`). */
  private async diskGb(node: string, vmid: number): Promise<number> {
    const spec = (await this.config(node, vmid))[this.disk];
    const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(String(spec ?? ''));
    if (!m) throw new HypervisorError('no_disk', `VM ${vmid} has no ${this.disk} disk with a size.`);
    const n = Number(m[1]);
    const unit = { '': 1 / GIB, K: 1 / MIB / 1024, M: 1 / 1024, G: 1, T: 1024 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
    return Math.round(n * unit);
  }

  /** The compute id of a machine: from its tag, else (between clone and configuration) from its description. */
  private async labelFor(r: Resource): Promise<string | null> {
    const tagged = labelOf(r);
    if (tagged) return tagged;
    if (r.vmid < this.opts.vmidRange.first || r.vmid > this.opts.vmidRange.last) return null;
    try {
      return labelOf({}, await this.description(r.node, r.vmid));
    } catch {
      return null;
    }
  }

  private async findByLabel(resources: Resource[], computeId: string): Promise<Resource | undefined> {
    const id = computeId.toLowerCase();
    for (const r of resources) if (!r.template && (await this.labelFor(r)) === id) return r;
    return undefined;
  }

  /** The configured node with the most free memory. */
  private async placeNode(): Promise<string> {
    const nodes = await this.api.get<Array<{ node: string; status?: string; maxmem?: number; mem?: number; type: string }>>('/cluster/resources', { type: 'node' });
    const candidates = (nodes ?? []).filter((n) => n.type === 'node' && n.status === 'online' && this.opts.nodes.includes(n.node));
    candidates.sort((a, b) => (b.maxmem ?? 0) - (b.mem ?? 0) - ((a.maxmem ?? 0) - (a.mem ?? 0)));
    const best = candidates[0];
    if (!best) throw new HypervisorError('no_node', `None of the Proxmox nodes ${this.opts.nodes.join(', ')} is online.`, true);
    return best.node;
  }

  private vmidOf(ref: MachineRef): number {
    const vmid = Number(ref.id);
    if (!Number.isInteger(vmid) || vmid < 100) throw new HypervisorError('not_found', `No machine ${ref.id}.`);
    return vmid;
  }

  private view(r: Resource, computeId: string | null): ObservedMachine {
    const power: PowerState = r.status === 'running' ? 'running' : r.status === 'stopped' ? 'off' : r.status === 'paused' ? 'paused' : 'unknown';
    const busy = [...this.ops.values()].find((o) => o.vmid === r.vmid && !o.result);
    const lockedBy = busy?.handle.id ?? (r.lock ? `proxmox:${r.lock}` : undefined);
    return {
      ref: { id: String(r.vmid), host: r.node },
      computeId,
      power,
      size: { vcpus: r.maxcpu ?? 0, memoryMb: Math.round((r.maxmem ?? 0) / MIB), diskGb: Math.round((r.maxdisk ?? 0) / GIB) },
      ...(lockedBy ? { lockedBy } : {}),
    };
  }

  /** Creates of this process whose clone has not appeared yet: shown as held, powered off. */
  private unclonedCreates(present: Set<number>): ObservedMachine[] {
    return [...this.ops.values()]
      .filter((o) => o.command === 'create' && !o.result && o.spec && !present.has(o.vmid))
      .map((o) => ({
        ref: { ...o.handle.ref },
        computeId: o.spec!.computeId,
        power: 'off' as const,
        size: { vcpus: o.spec!.vcpus, memoryMb: o.spec!.memoryMb, diskGb: o.spec!.diskGb },
        lockedBy: o.handle.id,
      }));
  }
}
