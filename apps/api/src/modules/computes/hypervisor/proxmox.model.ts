import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

/**
 * A LOCAL MODEL OF THE PROXMOX VE API, FOR TESTS ONLY. It answers the calls the proxmox driver
 * makes the way the documented API does (pve-docs api-viewer; reference cloud-anchors §2.1): the
 * `{data: …}` envelope, `PVEAPIToken=USER@REALM!TOKENID=SECRET` authentication (401 otherwise),
 * UPIDs for asynchronous calls followed at `/nodes/{node}/tasks/{upid}/status`, config locks
 * ("VM is locked (clone)") while a clone runs, a refused clone onto an existing VMID, the storage
 * lock that concurrent clones trip on, `sshkeys` that must be URL-encoded, and `/cluster/nextid`
 * (which hands every concurrent caller the same number). It is a model, not Proxmox: passing
 * against it says nothing about a real cluster's behaviour beyond these documented calls.
 */
export interface ProxmoxModelOptions {
  tokenId: string;
  tokenSecret: string;
  nodes?: string[];
  /** Templates: VMID, node, and boot disk size in GiB. */
  templates?: Array<{ vmid: number; node: string; name: string; diskGb: number }>;
  /** Duration of one task, in ms (a clone takes three). */
  taskMs?: number;
}

export interface ModelVm {
  vmid: number;
  node: string;
  name: string;
  description: string;
  tags: string;
  template: boolean;
  cores: number;
  memory: number;
  storage: string;
  diskGb: number;
  status: 'running' | 'stopped';
  lock?: string;
  /** Other config keys as sent (ciuser, sshkeys, ipconfig0, nameserver, cicustom). */
  extra: Record<string, string>;
  ignoresAcpi: boolean;
}

interface ModelTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  timer?: NodeJS.Timeout;
}

type Params = Record<string, string>;

class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

const URLENCODED = /^[-%a-zA-Z0-9_.!~*'()]*$/;
const CONFIG_KEYS = new Set(['cores', 'memory', 'tags', 'description', 'name', 'ciuser', 'sshkeys', 'ipconfig0', 'ipconfig1', 'net1', 'nameserver', 'cicustom', 'digest']);

export class ProxmoxModel {
  readonly vms = new Map<number, ModelVm>();
  readonly tasks = new Map<string, ModelTask>();
  /** Every request as received: method, path, Authorization header and raw body. */
  readonly requests: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];
  /** Clone tasks as they ran, for tests of serialisation. */
  readonly clones: Array<{ vmid: number; storage: string; startedAt: number; endedAt?: number }> = [];
  taskMs: number;
  private readonly nodes: string[];
  private readonly failures = new Map<string, string>();
  private readonly lockErrors = new Map<string, number>();
  private readonly app: FastifyInstance;
  private pid = 0x1000;
  url = '';

  constructor(private readonly opts: ProxmoxModelOptions) {
    this.nodes = opts.nodes ?? ['pve1'];
    this.taskMs = opts.taskMs ?? 40;
    for (const t of opts.templates ?? [{ vmid: 9000, node: this.nodes[0]!, name: 'ubuntu-2404-template', diskGb: 3 }]) {
      this.vms.set(t.vmid, {
        vmid: t.vmid, node: t.node, name: t.name, description: '', tags: '', template: true, cores: 1, memory: 512,
        storage: 'local-lvm', diskGb: t.diskGb, status: 'stopped', extra: {}, ignoresAcpi: false,
      });
    }
    this.app = Fastify({ logger: false });
    this.routes();
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: '127.0.0.1', port: 0 });
    this.url = `${address}/api2/json`;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.tasks.values()) clearTimeout(t.timer);
    await this.app.close();
  }

  // ——— test switches ———

  /** The next task of `type` (qmclone, qmconfig, resize, qmstart, qmshutdown, qmstop, qmreboot, qmdestroy) ends with this exit status. */
  failNextTask(type: string, exitstatus: string): void {
    this.failures.set(type, exitstatus);
  }

  /** The next `count` calls of `kind` (e.g. `config`, `start`) are refused as if the VM were locked by a backup. */
  lockErrorNext(kind: string, count = 1): void {
    this.lockErrors.set(kind, count);
  }

  /** Sets or clears a config lock, as a backup or migration would. */
  setLock(vmid: number, lock: string | undefined): void {
    const vm = this.vms.get(vmid);
    if (!vm) throw new Error(`no VM ${vmid}`);
    if (lock) vm.lock = lock;
    else delete vm.lock;
  }

  ignoreAcpi(vmid: number, ignores = true): void {
    const vm = this.vms.get(vmid);
    if (vm) vm.ignoresAcpi = ignores;
  }

  // ——— the API ———

  private routes(): void {
    const app = this.app;
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
      (req as unknown as { rawBody: string }).rawBody = String(body);
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    app.addHook('onRequest', async (req, reply) => {
      const expected = `PVEAPIToken=${this.opts.tokenId}=${this.opts.tokenSecret}`;
      this.requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body: '' });
      if (req.headers.authorization !== expected) {
        reply.raw.statusMessage = 'authentication failure';
        return reply.code(401).send({ data: null });
      }
    });
    app.addHook('preHandler', async (req) => {
      const last = this.requests[this.requests.length - 1];
      if (last) last.body = (req as unknown as { rawBody?: string }).rawBody ?? '';
    });
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof PveError) return this.fail(reply, err);
      return this.fail(reply, new PveError(500, err instanceof Error ? err.message : String(err)));
    });

    const base = '/api2/json';
    const params = (req: { query: unknown; body: unknown }): Params => ({ ...((req.query as Params) ?? {}), ...((req.body as Params) ?? {}) });
    const vmOf = (node: string, vmid: string): ModelVm => {
      const vm = this.vms.get(Number(vmid));
      if (!vm || vm.node !== node) throw new PveError(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
      return vm;
    };
    type VmRoute = { Params: { node: string; vmid: string } };

    app.get(`${base}/cluster/resources`, async (req) => {
      const type = (req.query as Params).type;
      const vms = [...this.vms.values()].map((vm) => ({
        id: `qemu/${vm.vmid}`, type: 'qemu', vmid: vm.vmid, node: vm.node, name: vm.name, status: vm.status,
        maxcpu: vm.cores, maxmem: vm.memory * 1024 * 1024, maxdisk: vm.diskGb * 1024 ** 3, template: vm.template ? 1 : 0,
        ...(vm.tags ? { tags: vm.tags } : {}), ...(vm.lock ? { lock: vm.lock } : {}),
      }));
      const nodes = this.nodes.map((n, i) => ({ id: `node/${n}`, type: 'node', node: n, status: 'online', maxmem: 64 * 1024 ** 3, mem: (i + 1) * 1024 ** 3, maxcpu: 16 }));
      return { data: type === 'vm' ? vms : type === 'node' ? nodes : [...nodes, ...vms] };
    });

    // The race the driver avoids: every caller that asks before a clone lands gets the same number.
    app.get(`${base}/cluster/nextid`, async () => {
      let id = 100;
      while (this.vms.has(id)) id++;
      return { data: String(id) };
    });

    app.get<VmRoute>(`${base}/nodes/:node/qemu/:vmid/config`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      return {
        data: {
          name: vm.name, description: vm.description, cores: vm.cores, memory: String(vm.memory),
          scsi0: `${vm.storage}:vm-${vm.vmid}-disk-0,size=${vm.diskGb}G`, ide2: `${vm.storage}:vm-${vm.vmid}-cloudinit,media=cdrom`,
          ...(vm.tags ? { tags: vm.tags } : {}), ...(vm.lock ? { lock: vm.lock } : {}), ...(vm.template ? { template: 1 } : {}), ...vm.extra,
          digest: 'model',
        },
      };
    });

    app.get<VmRoute>(`${base}/nodes/:node/qemu/:vmid/status/current`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      return { data: { vmid: vm.vmid, name: vm.name, status: vm.status, qmpstatus: vm.status, cpus: vm.cores, maxmem: vm.memory * 1024 * 1024, ...(vm.lock ? { lock: vm.lock } : {}) } };
    });

    app.post<VmRoute>(`${base}/nodes/:node/qemu/:vmid/clone`, async (req) => {
      const source = vmOf(req.params.node, req.params.vmid);
      const p = params(req);
      const newid = Number(p.newid);
      if (!Number.isInteger(newid) || newid < 100) throw new PveError(400, 'Parameter verification failed.', { newid: 'invalid format' });
      if (this.vms.has(newid)) throw new PveError(500, `unable to create VM ${newid}: VM ${newid} already exists on node '${this.vms.get(newid)!.node}'`);
      if (!source.template && p.full !== '1') throw new PveError(500, 'linked clones need a template');
      const storage = p.storage ?? source.storage;
      const target = p.target ?? source.node;
      if (!this.nodes.includes(target)) throw new PveError(500, `no such node '${target}'`);
      // Proxmox's storage allocation lock: a second clone onto the same storage times out on it.
      const now = Date.now();
      if (this.clones.some((c) => c.storage === storage && c.endedAt === undefined)) {
        return { data: this.task(source.node, 'qmclone', String(source.vmid), this.taskMs, () => `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout`) };
      }
      const vm: ModelVm = {
        vmid: newid, node: target, name: p.name ?? `Copy-of-VM-${source.name}`, description: p.description ?? '', tags: source.tags, template: false,
        cores: source.cores, memory: source.memory, storage, diskGb: source.diskGb, status: 'stopped', lock: 'clone', extra: { ...source.extra }, ignoresAcpi: false,
      };
      this.vms.set(newid, vm);
      const record: { vmid: number; storage: string; startedAt: number; endedAt?: number } = { vmid: newid, storage, startedAt: now };
      this.clones.push(record);
      return {
        data: this.task(source.node, 'qmclone', String(source.vmid), 3 * this.taskMs, (failed) => {
          record.endedAt = Date.now();
          if (failed) this.vms.delete(newid);
          else delete vm.lock;
          return 'OK';
        }),
      };
    });

    app.post<VmRoute>(`${base}/nodes/:node/qemu/:vmid/config`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      this.checkLock(vm, 'config');
      const p = params(req);
      const errors: Record<string, string> = {};
      for (const k of Object.keys(p)) if (!CONFIG_KEYS.has(k)) errors[k] = 'property is not defined in schema and the schema does not allow additional properties';
      if (p.sshkeys !== undefined && !URLENCODED.test(p.sshkeys)) errors.sshkeys = 'invalid urlencoded string';
      if (p.cores !== undefined && !/^[1-9]\d*$/.test(p.cores)) errors.cores = 'type check (\'integer\') failed';
      if (p.memory !== undefined && !/^\d+$/.test(p.memory)) errors.memory = 'type check (\'integer\') failed';
      for (const k of ['ipconfig0', 'ipconfig1']) if (p[k] !== undefined && !/^ip=[\d.]+\/\d+(,gw=[\d.]+)?$/.test(p[k])) errors[k] = 'invalid format';
      if (p.net1 !== undefined && !/^(virtio|e1000)(=[0-9A-F:]+)?,bridge=[\w.-]+$/i.test(p.net1)) errors.net1 = 'invalid format';
      if (p.tags !== undefined && !p.tags.split(/[;, ]/).every((t) => /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(t))) errors.tags = 'invalid format';
      if (Object.keys(errors).length) throw new PveError(400, 'Parameter verification failed.', errors);
      return {
        data: this.task(vm.node, 'qmconfig', String(vm.vmid), this.taskMs, () => {
          if (p.cores) vm.cores = Number(p.cores);
          if (p.memory) vm.memory = Number(p.memory);
          if (p.tags !== undefined) vm.tags = p.tags.split(/[;, ]/).filter(Boolean).join(';');
          if (p.description !== undefined) vm.description = p.description;
          for (const k of ['ciuser', 'sshkeys', 'ipconfig0', 'ipconfig1', 'net1', 'nameserver', 'cicustom']) if (p[k] !== undefined) vm.extra[k] = p[k]!;
          return 'OK';
        }),
      };
    });

    app.put<VmRoute>(`${base}/nodes/:node/qemu/:vmid/resize`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      this.checkLock(vm, 'resize');
      const p = params(req);
      if (p.disk !== 'scsi0') throw new PveError(500, `disk '${p.disk}' does not exist`);
      const m = /^(\+?)(\d+)G$/.exec(p.size ?? '');
      if (!m) throw new PveError(400, 'Parameter verification failed.', { size: 'invalid format' });
      const size = m[1] ? vm.diskGb + Number(m[2]) : Number(m[2]);
      if (size < vm.diskGb) throw new PveError(500, 'shrinking disks is not supported');
      return { data: this.task(vm.node, 'resize', String(vm.vmid), this.taskMs, () => ((vm.diskGb = size), 'OK')) };
    });

    app.post<VmRoute & { Params: { action: string } }>(`${base}/nodes/:node/qemu/:vmid/status/:action`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      const action = req.params.action;
      this.checkLock(vm, action);
      const p = params(req);
      switch (action) {
        case 'start':
          if (vm.status === 'running') throw new PveError(500, `VM ${vm.vmid} already running`);
          return { data: this.task(vm.node, 'qmstart', String(vm.vmid), this.taskMs, () => ((vm.status = 'running'), 'OK')) };
        case 'stop':
          return { data: this.task(vm.node, 'qmstop', String(vm.vmid), this.taskMs, () => ((vm.status = 'stopped'), 'OK')) };
        case 'shutdown': {
          if (vm.status !== 'running') throw new PveError(500, `VM ${vm.vmid} not running`);
          const timeoutMs = p.timeout ? Number(p.timeout) * 1000 : 180_000;
          if (vm.ignoresAcpi) return { data: this.task(vm.node, 'qmshutdown', String(vm.vmid), timeoutMs, () => 'VM quit/powerdown failed - got timeout') };
          return { data: this.task(vm.node, 'qmshutdown', String(vm.vmid), this.taskMs, () => ((vm.status = 'stopped'), 'OK')) };
        }
        case 'reboot':
          if (vm.status !== 'running') throw new PveError(500, `VM ${vm.vmid} not running`);
          return { data: this.task(vm.node, 'qmreboot', String(vm.vmid), this.taskMs, () => 'OK') };
        default:
          throw new PveError(501, `Method 'POST /nodes/{node}/qemu/{vmid}/status/${action}' not implemented`);
      }
    });

    app.delete<VmRoute>(`${base}/nodes/:node/qemu/:vmid`, async (req) => {
      const vm = vmOf(req.params.node, req.params.vmid);
      this.checkLock(vm, 'destroy');
      if (vm.status === 'running') throw new PveError(500, `VM ${vm.vmid} is running - destroy failed`);
      return { data: this.task(vm.node, 'qmdestroy', String(vm.vmid), this.taskMs, () => (this.vms.delete(vm.vmid), 'OK')) };
    });

    app.get<{ Params: { node: string; upid: string } }>(`${base}/nodes/:node/tasks/:upid/status`, async (req) => {
      const t = this.tasks.get(req.params.upid);
      if (!t || t.node !== req.params.node) throw new PveError(500, `no such task`);
      return { data: { upid: t.upid, node: t.node, type: t.type, id: t.id, user: this.opts.tokenId.split('!')[0], status: t.status, ...(t.exitstatus ? { exitstatus: t.exitstatus } : {}) } };
    });
  }

  private checkLock(vm: ModelVm, kind: string): void {
    if (vm.template && kind !== 'config') throw new PveError(500, `VM ${vm.vmid} is a template`);
    const pending = this.lockErrors.get(kind) ?? 0;
    if (pending > 0) {
      this.lockErrors.set(kind, pending - 1);
      throw new PveError(500, `VM is locked (backup)`);
    }
    if (vm.lock) throw new PveError(500, `VM is locked (${vm.lock})`);
    // Proxmox takes a file lock per VM for each change; another change still running times out on it.
    if ([...this.tasks.values()].some((t) => t.status === 'running' && t.id === String(vm.vmid) && t.type !== 'qmclone')) {
      throw new PveError(500, `can't lock file '/var/lock/qemu-server/lock-${vm.vmid}.conf' - got timeout`);
    }
  }

  /** Starts a task; `end` applies its effect and returns the exit status (it is told when an injected failure replaces it). */
  private task(node: string, type: string, id: string, ms: number, end: (failed: boolean) => string): string {
    const hex = (n: number, w = 8) => n.toString(16).toUpperCase().padStart(w, '0');
    const upid = `UPID:${node}:${hex(++this.pid)}:${hex(this.pid * 7)}:${hex(Math.floor(Date.now() / 1000))}:${type}:${id}:${this.opts.tokenId}:`;
    const task: ModelTask = { upid, node, type, id, status: 'running' };
    const failure = this.failures.get(type);
    if (failure !== undefined) this.failures.delete(type);
    task.timer = setTimeout(() => {
      const exit = end(failure !== undefined);
      task.exitstatus = failure ?? exit;
      task.status = 'stopped';
    }, ms);
    this.tasks.set(upid, task);
    return upid;
  }

  private fail(reply: FastifyReply, err: PveError): FastifyReply {
    // Proxmox puts the message in the HTTP status line; the JSON body carries it too, and parameter errors.
    reply.raw.statusMessage = err.message.replace(/[\r\n]+/g, ' ');
    return reply.code(err.status).send({ data: null, message: `${err.message}\n`, ...(err.errors ? { errors: err.errors } : {}) });
  }
}
