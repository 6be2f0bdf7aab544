import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from '../../../../test/db.ts';
import type { Database } from '../../../db/database.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { devSmsOutbox } from '../notifications.schema.ts';
import { startPindoSandbox, startSnsSandbox } from '../sandboxes/index.ts';
import { SmsOutbox } from './outbox.sms.ts';
import { PindoSms } from './pindo.sms.ts';
import { smsSenderContract } from './sms-sender.contract.ts';
import { SnsSms } from './sns.sms.ts';

smsSenderContract('PindoSms → Pindo sandbox', async () => {
  const sandbox = await startPindoSandbox();
  return {
    sender: new PindoSms({ token: sandbox.token, sender: 'Strettch', baseUrl: sandbox.url }),
    validNumber: '+250788123456',
    invalidNumber: '+250700000000',
    idempotent: false,
    delivered: async (m) => sandbox.messages.filter((s) => s.to === m.to && s.text === m.text).length,
    cleanup: () => sandbox.close(),
  };
});

smsSenderContract('SnsSms → SNS sandbox', async () => {
  const sandbox = await startSnsSandbox();
  const sender = new SnsSms({ region: 'eu-west-1', endpoint: sandbox.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    sender,
    validNumber: '+447400123456',
    invalidNumber: '+447700900123', // Ofcom's range reserved for drama
    idempotent: false,
    delivered: async (m) => sandbox.messages.filter((s) => s.phoneNumber === m.to && s.message === m.text).length,
    cleanup: async () => {
      sender.close();
      await sandbox.close();
    },
  };
});

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

smsSenderContract('SmsOutbox → dev_sms_outbox', async () => ({
  sender: new SmsOutbox(database.db, new ManualClock()),
  validNumber: '+250731234567',
  invalidNumber: '+250700000000',
  idempotent: true,
  delivered: async (m) => {
    const [row] = await database.db
      .select({ n: count() })
      .from(devSmsOutbox)
      .where(and(eq(devSmsOutbox.toNumber, m.to), eq(devSmsOutbox.text, m.text)));
    return row?.n ?? 0;
  },
  cleanup: async () => {},
}));
