import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/db.ts';
import type { Database } from '../../../db/database.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { getMailboxMessage, listMailbox, MailboxMailer } from './mailbox.mailer.ts';
import { listSmsOutbox, SmsOutbox } from './outbox.sms.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const email = (n: number) => ({
  from: 'Strettch Cloud <no-reply@cloud.rw>',
  to: `user${n}@example.org`,
  subject: `Message ${n}`,
  html: `<p>${n}</p>`,
  text: String(n),
  idempotencyKey: `test/${n}`,
  tags: { template: 'welcome' },
});

describe('the built-in mailbox', () => {
  it('lists messages newest first, up to the limit, and reads one by id', async () => {
    const clock = new ManualClock();
    const mailer = new MailboxMailer(database.db, clock);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push((await mailer.send(email(n))).providerMessageId);
      clock.advance(1000);
    }
    const listed = await listMailbox(database.db, { limit: 2 });
    expect(listed.map((m) => m.subject)).toEqual(['Message 3', 'Message 2']);

    expect(await getMailboxMessage(database.db, ids[0]!)).toMatchObject({
      id: ids[0],
      idempotencyKey: 'test/1',
      fromAddress: 'Strettch Cloud <no-reply@cloud.rw>',
      toAddress: 'user1@example.org',
      html: '<p>1</p>',
      text: '1',
      tags: { template: 'welcome' },
      createdAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(await getMailboxMessage(database.db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await getMailboxMessage(database.db, 'not-a-uuid')).toBeUndefined();
  });
});

describe('the built-in SMS outbox', () => {
  it('stores the E.164 number and the route a real send would take, newest first', async () => {
    const clock = new ManualClock();
    const outbox = new SmsOutbox(database.db, clock);
    await outbox.send({ to: '0788 123 456', text: 'first', idempotencyKey: 'sms/1' });
    clock.advance(1000);
    await outbox.send({ to: '+16502530000', text: 'second', idempotencyKey: 'sms/2' });
    const listed = await listSmsOutbox(database.db, { limit: 10 });
    expect(listed.map(({ toNumber, route, text }) => ({ toNumber, route, text }))).toEqual([
      { toNumber: '+16502530000', route: 'sns', text: 'second' },
      { toNumber: '+250788123456', route: 'pindo', text: 'first' },
    ]);
  });

  it('refuses countries outside its allow-list as permanent, like the router', async () => {
    const outbox = new SmsOutbox(database.db, new ManualClock(), { allowedCountries: ['RW'] });
    await expect(outbox.send({ to: '+16502530000', text: 'x', idempotencyKey: 'sms/3' })).rejects.toMatchObject({
      kind: 'permanent',
      details: { code: 'number_country_not_allowed' },
    });
  });
});
