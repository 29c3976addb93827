// `edocwatch migrate`: create the database if missing, apply pending migrations.
import { loadConfig } from '../config/config.js';
import { migrate } from '../db/migrate.js';
import { redactUrl } from '../logger.js';
import type { Out } from './main.js';

export async function runMigrate(io: Out): Promise<number> {
  const config = loadConfig();
  const r = await migrate(config.databaseUrl);
  if (r.createdDatabase) io.out(`đã tạo cơ sở dữ liệu / created database ${redactUrl(config.databaseUrl)}`);
  io.out(r.applied.length ? `đã áp dụng / applied: ${r.applied.join(', ')}` : 'lược đồ đã mới nhất / schema is up to date');
  return 0;
}
