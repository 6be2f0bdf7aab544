import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from '../../../../test/db.ts';
import type { Database } from '../../../db/database.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { devMailbox } from '../notifications.schema.ts';
import { startResendSandbox } from '../sandboxes/index.ts';
import { emailSenderContract } from './email-sender.contract.ts';
import { MailboxMailer } from './mailbox.mailer.ts';
import { ResendMailer } from './resend.mailer.ts';

emailSenderContract('ResendMailer → Resend sandbox', async () => {
  const sandbox = await startResendSandbox();
  return {
    sender: new ResendMailer({ apiKey: sandbox.apiKey, baseUrl: sandbox.url }),
    delivered: async (key) => sandbox.deliveredCount(key),
    cleanup: () => sandbox.close(),
  };
});

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

emailSenderContract('MailboxMailer → dev_mailbox', async () => ({
  sender: new MailboxMailer(database.db, new ManualClock()),
  delivered: async (key) => {
    const [row] = await database.db.select({ n: count() }).from(devMailbox).where(eq(devMailbox.idempotencyKey, key));
    return row?.n ?? 0;
  },
  cleanup: async () => {},
}));
