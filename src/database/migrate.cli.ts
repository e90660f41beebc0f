// `npm run db:migrate`: migrates the database at $DATABASE_URL (a `.env` file is read when present)
// and prints what it applied. Exit code 0 on success, 1 on failure.
import { loadDotEnv } from '../config/app.config.js';
import { createDatabase } from './database.providers.js';
import { runMigrateCommand } from './migrate.js';

loadDotEnv();
// No query timeout here: a migration may rewrite a large table.
process.exitCode = await runMigrateCommand(process.env.DATABASE_URL, (url) =>
  createDatabase({ url, pool: { query_timeout: 0 } }),
);
