/**
 * The notification outbox end to end: the real Resend, Pindo and SNS clients against the local
 * sandboxes, the job worker, the webhook route and the consent rules.
 */
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { systemContext } from '../../src/shared/context.ts';
import { startPindoSandbox, startResendSandbox, startSnsSandbox } from '../../src/modules/notifications/sandboxes/index.ts';
import { dbKind } from '../db.ts';
import { startTestPlatform } from '../platform.ts';

const WEBHOOK_SECRET = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;

describe(`notification outbox (${dbKind})`, () => {
  const clock = new ManualClock('2026-11-27T08:00:00Z');
  let resend: Awaited<ReturnType<typeof startResendSandbox>>;
  let pindo: Awaited<ReturnType<typeof startPindoSandbox>>;
  let sns: Awaited<ReturnType<typeof startSnsSandbox>>;
  let t: Awaited<ReturnType<typeof startTestPlatform>>;

  beforeAll(async () => {
    resend = await startResendSandbox({ apiKey: 're_sandbox_key', clock });
    pindo = await startPindoSandbox({ clock });
    sns = await startSnsSandbox({ clock });
    t = await startTestPlatform(
      {
        RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url, RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PINDO_API_TOKEN: pindo.token, PINDO_BASE_URL: pindo.url,
        AWS_SNS_REGION: 'af-south-1', AWS_SNS_ENDPOINT: sns.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
        WORKER_CONCURRENCY: '8',
      },
      { clock },
    );
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([resend?.close(), pindo?.close(), sns?.close()]);
  });

  const ctx = () => systemContext(t.deps.database.db, 'test');
  const status = async (id: string) => (await t.deps.database.db.execute(sql`select status, last_error from notifications where id = ${id}`)).rows[0] as { status: string; last_error: string | null };
  /** Runs due jobs, moving the clock past retry delays, until nothing is left or `rounds` is spent. */
  async function settle(rounds = 30, stepMs = 15_000) {
    const worker = t.platform.worker();
    for (let i = 0; i < rounds; i++) {
      await worker.drain();
      const left = await t.deps.database.db.execute(sql`select count(*)::int as n from jobs where status in ('queued', 'running')`);
      if ((left.rows[0] as { n: number }).n === 0) return;
      clock.advance(stepMs);
    }
  }

  it('delivers every one of 500 e-mails exactly once after the provider failed for the first 60 s', async () => {
    resend.controls.failFor(60_000, 500);
    const ids: string[] = [];
    await t.deps.database.db.transaction(async (tx) => {
      for (let i = 0; i < 500; i++) {
        ids.push(await t.deps.notifications.notify({ ...ctx(), tx }, { template: 'welcome', variables: { name: `Person ${i}` }, to: { email: `person${i}@example.rw` } }));
      }
    });
    await settle(40);
    const rows = (await t.deps.database.db.execute(sql`select status, count(*)::int as n from notifications group by status`)).rows;
    expect(rows).toEqual([{ status: 'sent', n: 500 }]);
    for (const id of ids) expect(resend.deliveredCount(`notification/${id}`)).toBe(1);
    expect(resend.messages.length).toBe(500);
    // The failures are in each message's history.
    const retried = await t.deps.database.db.execute(sql`select count(distinct notification_id)::int as n from notification_events where status = 'retrying'`);
    expect((retried.rows[0] as { n: number }).n).toBe(500);
  }, 180_000);

  it('puts a permanently rejected message in the dead state with the provider\'s error, without retrying', async () => {
    resend.controls.reset();
    resend.controls.rejectAddress('nobody@rejected.example.rw');
    const before = resend.messages.length;
    const id = await t.deps.notifications.notify(ctx(), { template: 'welcome', variables: { name: 'Nobody' }, to: { email: 'nobody@rejected.example.rw' } });
    await settle();
    const s = await status(id);
    expect(s.status).toBe('dead');
    expect(s.last_error).toMatch(/validation_error|422|invalid/i);
    expect(s.last_error).not.toContain('nobody@rejected.example.rw');
    expect(resend.messages.length).toBe(before);
  });

  it('routes +250 to Pindo and +1 / +44 to SNS, and refuses +250700000000 before any provider call', async () => {
    const send = (phone: string) => t.deps.notifications.notify(ctx(), { template: 'phone-verification-code', variables: { code: '482913', minutes: 10 }, to: { phone } });
    const [rw, us, uk] = [await send('+250788123456'), await send('+16502530000'), await send('+442079460958')];
    await settle();
    for (const id of [rw, us, uk]) expect((await status(id)).status).toBe('sent');
    expect(pindo.messages.map((m) => m.to)).toEqual(['+250788123456']);
    expect(sns.messages.map((m) => m.phoneNumber).sort()).toEqual(['+16502530000', '+442079460958']);
    expect(sns.messages[0]!.attributes['AWS.SNS.SMS.SMSType']).toBe('Transactional');
    const calls = pindo.messages.length + sns.messages.length;
    await expect(send('+250700000000')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(pindo.messages.length + sns.messages.length).toBe(calls);
  });

  describe('Resend webhooks', () => {
    let id: string;
    let emailId: string;
    beforeAll(async () => {
      id = await t.deps.notifications.notify(ctx(), { template: 'welcome', variables: { name: 'Hooked' }, to: { email: 'hooked@example.rw' } });
      await settle();
      emailId = (await t.deps.database.db.execute(sql`select provider_message_id from notifications where id = ${id}`)).rows[0]!.provider_message_id as string;
    });
    const post = (body: string, headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: body, headers: { 'content-type': 'application/json', ...headers } });
    const sign = (msgId: string, at: Date, body: string, secret = WEBHOOK_SECRET) => ({
      'svix-id': msgId, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': new Webhook(secret).sign(msgId, at, body),
    });

    it('refuses a forged or a stale signature and changes nothing', async () => {
      const body = JSON.stringify({ type: 'email.bounced', created_at: clock.now().toISOString(), data: { email_id: emailId, bounce: { type: 'Permanent' } } });
      const forged = await post(body, sign('msg_forged', clock.now(), body, `whsec_${Buffer.from('b'.repeat(32)).toString('base64')}`));
      expect(forged.statusCode).toBe(401);
      const stale = await post(body, sign('msg_stale', new Date(clock.now().getTime() - 301_000), body));
      expect(stale.statusCode).toBe(401);
      const tampered = await post(body.replace('Permanent', 'Transient'), sign('msg_tampered', clock.now(), body));
      expect(tampered.statusCode).toBe(401);
      expect((await status(id)).status).toBe('sent');
      const suppressed = await t.deps.database.db.execute(sql`select count(*)::int as n from email_suppressions`);
      expect((suppressed.rows[0] as { n: number }).n).toBe(0);
    });

    it('applies a signed delivery once, and a hard bounce suppresses later e-mail to the address', async () => {
      const delivered = JSON.stringify({ type: 'email.delivered', created_at: clock.now().toISOString(), data: { email_id: emailId } });
      const first = await post(delivered, sign('msg_1', clock.now(), delivered));
      expect(first.json().data.outcome).toBe('applied');
      expect((await post(delivered, sign('msg_1', clock.now(), delivered))).json().data.outcome).toBe('duplicate');
      expect((await status(id)).status).toBe('delivered');

      const bounced = JSON.stringify({ type: 'email.bounced', created_at: clock.now().toISOString(), data: { email_id: emailId, bounce: { type: 'Permanent' } } });
      expect((await post(bounced, sign('msg_2', clock.now(), bounced))).statusCode).toBe(200);
      expect((await status(id)).status).toBe('bounced');

      const before = resend.messages.length;
      const again = await t.deps.notifications.notify(ctx(), { template: 'welcome', variables: { name: 'Hooked' }, to: { email: ' Hooked@Example.rw ' } });
      await settle();
      expect((await status(again)).status).toBe('suppressed');
      expect(resend.messages.length).toBe(before);
    });
  });

  describe('consent at send time', () => {
    it('never sends marketing to a person who objected or to a minor, and still sends them transactional mail', async () => {
      const db = t.deps.database.db;
      const objector = await t.deps.accounts.create(ctx(), { email: 'objector@example.rw', name: 'Obi Jector' });
      const minor = await t.deps.accounts.create(ctx(), { email: 'minor@example.rw', name: 'Mina Minor' });
      const fan = await t.deps.accounts.create(ctx(), { email: 'fan@example.rw', name: 'Fan Reader' });
      await db.execute(sql`update users set marketing_objected_at = now() where id = ${objector.id}`);
      await db.execute(sql`update users set is_minor = true where id = ${minor.id}`);
      await settle(); // the three welcome e-mails
      const news = { title: { en: 'New region' }, body: { en: 'Something new.' }, url: '/computes' };
      const marketing = async (userId: string) => t.deps.notifications.notify(ctx(), { template: 'product-news', variables: news, to: { userId } });
      const [toObjector, toMinor, toFan] = [await marketing(objector.id), await marketing(minor.id), await marketing(fan.id)];
      const receipt = await t.deps.notifications.notify(ctx(), { template: 'welcome', variables: { name: 'Obi' }, to: { userId: objector.id } });
      await settle();
      expect((await status(toObjector)).status).toBe('suppressed');
      expect((await status(toMinor)).status).toBe('suppressed');
      expect((await status(toFan)).status).toBe('sent');
      expect((await status(receipt)).status).toBe('sent');
      const newsTo = resend.messages.filter((m) => m.tags.template === 'product-news').flatMap((m) => m.to);
      expect(newsTo).toEqual(['fan@example.rw']);
    });
  });

  it('stores recipients and message contents encrypted, never in clear', async () => {
    const rows = (await t.deps.database.db.execute(sql`select recipient_enc, variables_enc from notifications`)).rows as { recipient_enc: string; variables_enc: string }[];
    expect(rows.length).toBeGreaterThan(500);
    for (const r of rows.slice(0, 50)) {
      expect(r.recipient_enc).toMatch(/^v1\./);
      expect(r.recipient_enc).not.toContain('@');
      expect(r.variables_enc).not.toContain('Person');
    }
  });
});
