import { openDatabase, type Config } from '@strettch/api';

export async function migrate(config: Config): Promise<void> {
  const database = await openDatabase(config);
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.kind}).`);
  } finally {
    await database.close();
  }
}
