/**
 * Team isolation, as a matrix over the generated OpenAPI document (packages/sdk/openapi.json):
 * every operation whose path names a team's thing is called with team A's Owner key on team B's
 * ids, and must answer 404 without changing anything in B. A new route with a path parameter
 * this file does not know fails the test until it is added here, so coverage grows with the API.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/shared/context.ts';
import { CONTRACT_SSH_KEY } from '../../src/modules/computes/hypervisor/driver.contract.ts';
import { dbKind } from '../db.ts';
import { buildApiKey, buildMember, buildTeam } from '../factories.ts';
import { startTestPlatform } from '../platform.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = JSON.parse(fs.readFileSync(path.join(here, '../../../../packages/sdk/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components: { schemas: Record<string, unknown> };
};

/**
 * Paths whose parameters do not name a team's thing: they belong to the person, not a team.
 * Each entry says why; everything else with a path parameter is in the matrix.
 */
const notTeamScoped: Record<string, string> = {
  '/me/identities/{provider}': 'a sign-in provider name (google, github) of the caller\'s own account',
  '/sessions/{id}': 'the caller\'s own console sessions; API keys have none',
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
  Object.entries(ops)
    .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
    .map(([m, op]) => ({ path: p, method: m.toUpperCase() as Method, op })),
);
const teamScoped = operations.filter((o) => /\{[^}]+\}/.test(o.path) && !(o.path in notTeamScoped));

/** A valid request body from the JSON schema, so validation passes and the team check is what answers. */
function sampleBody(schema: unknown, ids: Record<string, string>): unknown {
  const s = resolve(schema) as Record<string, unknown>;
  if (!s) return undefined;
  if (Array.isArray(s.anyOf)) return sampleBody((s.anyOf as unknown[]).find((x) => (resolve(x) as { type?: string }).type !== 'null'), ids);
  if (s.type === 'object') {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const name of (s.required as string[] | undefined) ?? Object.keys(props).slice(0, 1)) out[name] = sampleValue(name, props[name], ids);
    return out;
  }
  return {};
}
function sampleValue(name: string, schema: unknown, ids: Record<string, string>): unknown {
  const s = resolve(schema) as Record<string, unknown>;
  if (ids[name]) return ids[name];
  if (Array.isArray(s.enum)) return s.enum.includes('MEMBER') ? 'MEMBER' : s.enum[0];
  if (Array.isArray(s.anyOf)) return sampleValue(name, (s.anyOf as unknown[]).find((x) => (resolve(x) as { type?: string }).type !== 'null'), ids);
  if (s.type === 'array') return [sampleValue(name, s.items, ids)];
  if (s.type === 'object') return sampleBody(s, ids);
  if (s.type === 'boolean') return true;
  if (s.type === 'integer' || s.type === 'number') return 1;
  if (s.format === 'email') return `isolation-${crypto.randomUUID()}@example.rw`;
  if (s.format === 'uri') return 'https://example.rw/picture.png';
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  return name === 'name' ? 'Isolation probe' : 'sci_isolation-probe-value';
}
function resolve(schema: unknown): unknown {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  return ref ? doc.components.schemas[ref.replace('#/components/schemas/', '')] : schema;
}

describe(`team isolation over every team-scoped route (${dbKind})`, () => {
  let t: Awaited<ReturnType<typeof startTestPlatform>>;
  let keyA: string;
  let teamA: string;
  const b: Record<string, string> = {};
  const aWith: Record<string, string> = {};
  let snapshotB: () => Promise<string>;

  beforeAll(async () => {
    t = await startTestPlatform({ RATE_LIMIT_API_KEY: '10000' });
    const db = t.deps.database.db;
    // Team A: its Owner's key is the caller of every request.
    const ownerA = await buildApiKey(db, t.deps.apiKeys);
    keyA = ownerA.secret;
    teamA = ownerA.teamId;
    // Team B, with one of everything a path can name.
    const teamB = (await buildTeam(db)).id;
    const ownerB = await buildApiKey(db, t.deps.apiKeys, teamB);
    const memberB = await buildMember(db, teamB, 'MEMBER');
    const invitation = await t.deps.invitations.invite(
      { ...systemContext(db, 'test'), actor: { type: 'api_key', id: ownerB.id, userId: ownerB.userId }, teamId: teamB },
      teamB,
      { email: `invitee-${crypto.randomUUID()}@example.rw`, role: 'MEMBER' },
    );
    // A compute (with its create action) and an SSH key of B, on a funded wallet.
    const ctxB = { ...systemContext(db, 'test'), actor: { type: 'api_key' as const, id: ownerB.id, userId: ownerB.userId }, teamId: teamB };
    await db.transaction((tx) =>
      t.deps.ledger.post(tx, {
        teamId: teamB, kind: 'credit', reference: `test-credit:${teamB}`, description: 'Test credit', actor: { type: 'system', id: 'test' },
        entries: [{ account: 'team_wallet', teamId: teamB, amount: 100_000 }, { account: 'promotional_credit', amount: -100_000 }],
      }),
    );
    const computeB = await t.deps.computes.create(ctxB, {
      hostName: 'isolation-b', image: 'UBUNTU-24.04', region: 'KGL-1', specification: 'S-1C', publicKeys: [CONTRACT_SSH_KEY],
    });
    const sshKeyB = await t.deps.sshKeys.create(ctxB, { name: 'B key', publicKey: CONTRACT_SSH_KEY });
    // A domain of B with a record set.
    const domainB = await t.deps.domains.add(ctxB, { name: `isolation-${crypto.randomBytes(4).toString('hex')}.rw`, autoImport: false });
    await t.deps.domains.putRrset(ctxB, domainB.name, 'www', 'A', { ttl: 300, records: [{ value: '192.0.2.10' }] });
    // A top-up and an invoice of B.
    const topUpId = crypto.randomUUID();
    await db.execute(sql`insert into top_ups (id, team_id, amount, transaction_id, status, expires_at, created_at, updated_at)
      values (${topUpId}, ${teamB}, 5000, ${`TOPUP-${topUpId}`}, 'PENDING', now() + interval '1 day', now(), now())`);
    const invoiceId = crypto.randomUUID();
    await db.execute(sql`insert into invoices (id, team_id, number, year, sequence, period_start, period_end, lines, usage_total, credits, total, tax_rate_bp, tax, team_name, issued_at)
      values (${invoiceId}, ${teamB}, 'INV-2099-000001', 2099, 1, '2099-01-01', '2099-02-01', '[]', 0, 0, 0, 1800, 0, 'B', now())`);
    Object.assign(b, {
      teamId: teamB, userId: memberB.userId, invitationId: invitation.id, apiKeyId: ownerB.id, id: computeB.id, actionId: computeB.actionId, sshKeyId: sshKeyB.id,
      topUpId, invoiceId, name: domainB.name, recordName: 'www', type: 'A',
    });
    // Team A's own ids with B's sub-resources: the team in the path is right, the thing is not.
    Object.assign(aWith, { ...b, teamId: teamA });
    snapshotB = async () =>
      JSON.stringify(
        await Promise.all([
          db.execute(sql`select * from teams where id = ${teamB}`),
          db.execute(sql`select user_id, role from team_members where team_id = ${teamB} order by user_id`),
          db.execute(sql`select id, revoked_at from api_keys where team_id = ${teamB} order by id`),
          db.execute(sql`select id, revoked_at, accepted_at from team_invitations where team_id = ${teamB} order by id`),
          db.execute(sql`select id, cancelled_at, accepted_at from team_ownership_transfers where team_id = ${teamB} order by id`),
          db.execute(sql`select id, state, specification, updated_at from computes where team_id = ${teamB} order by id`),
          db.execute(sql`select id, status from compute_actions where team_id = ${teamB} order by id`),
          db.execute(sql`select id, name from ssh_keys where team_id = ${teamB} order by id`),
          db.execute(sql`select id, status from top_ups where team_id = ${teamB} order by id`),
          db.execute(sql`select balance, state from team_wallets where team_id = ${teamB}`),
          db.execute(sql`select z.name, z.serial, r.name as rrset, r.type, r.records from dns_zones z left join dns_rrsets r on r.zone_id = z.id where z.team_id = ${teamB} order by 1, 3, 4`),
        ]).then((rs) => rs.map((r) => r.rows)),
      );
  });
  afterAll(() => t?.close());

  it('finds the team-scoped routes in the document, and knows every path parameter', () => {
    expect(teamScoped.length).toBeGreaterThanOrEqual(14);
    for (const { path: p } of teamScoped) {
      for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) expect(Object.keys(b), `${p}: which of team B's ids is {${name}}?`).toContain(name);
    }
  });

  it.each(teamScoped.map((o) => [`${o.method} ${o.path}`, o] as const))('%s with team A\'s key on team B\'s ids → 404', async (_label, o) => {
    const before = await snapshotB();
    for (const ids of [b, aWith]) {
      // With team A in the path, only routes that also name one of B's things are a cross-team call.
      if (ids === aWith && !/\{(?!teamId\})/.test(o.path)) continue;
      const url = `/api/v1${o.path.replace(/\{([^}]+)\}/g, (_m, name: string) => ids[name]!)}`;
      const schema = o.op.requestBody?.content?.['application/json']?.schema;
      const res = await t.app.inject({
        method: o.method,
        url,
        headers: { authorization: `Bearer ${keyA}`, 'idempotency-key': crypto.randomUUID() },
        ...(schema ? { payload: sampleBody(schema, ids) as object } : {}),
      });
      expect(res.statusCode, `${o.method} ${url}: ${res.body}`).toBe(404);
      expect(res.json()).toMatchObject({ success: false, code: 'RESOURCE_NOT_FOUND' });
      expect(res.body).not.toContain(b.teamId!);
    }
    expect(await snapshotB()).toBe(before);
  });
});
