// Runs the edocwatch command: in-process through main() (fast, shares the test's environment), or as
// the built binary in a child process (to check exit codes and that no stack trace is printed).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'edocwatch', ...args], {
    out: (s) => (stdout += s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => (stderr += s.endsWith('\n') ? s : `${s}\n`),
  });
  return { code, stdout, stderr };
}

export const BIN = path.resolve(import.meta.dirname, '../../bin/edocwatch.js');

export function spawnCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
