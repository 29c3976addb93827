// Starts the services the integration tests use (Postgres, Redis, the throwaway Dovecot) with the
// project's own script, once per run. Idempotent and fast when they already run.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('bash', ['scripts/services.sh', 'up'], { stdio: 'inherit' });
}
