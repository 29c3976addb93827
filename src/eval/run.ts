// `npm run eval`: runs the evaluation set and prints the scores, the targets and the failing cases
// (`--json` for machines). Exit 0 when every target is met, 1 when one is missed, 2 when the case
// files or arguments are wrong (an EdocError message, never a stack trace).

import { parseArgs } from 'node:util';
import { EdocError } from '../errors.js';
import { evaluate } from './evaluate.js';
import { formatReport } from './report.js';

const HELP = `Cách dùng / usage: npm run eval -- [--json] [--no-failures] [--dir DIR] [--directory FILE]
  --json           kết quả dạng JSON / machine-readable report
  --no-failures    không liệt kê ca sai / do not list failing cases
  --dir DIR        thư mục bộ đánh giá / evaluation set folder (default eval/)
  --directory FILE danh bạ cơ quan / agency directory (default the sample in config/)`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'no-failures': { type: 'boolean' },
        dir: { type: 'string' },
        directory: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`edocwatch eval: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const report = await evaluate({
    ...(args.values.dir ? { dir: args.values.dir } : {}),
    ...(args.values.directory ? { directoryFile: args.values.directory } : {}),
  });
  if (args.values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report, { failures: !args.values['no-failures'] })}\n`);
  return report.met ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof EdocError) {
      process.stderr.write(`edocwatch eval: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`edocwatch eval: lỗi không mong đợi / unexpected error: ${(err as Error).message}\n`);
      if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(err as Error).stack ?? ''}\n`);
      process.exitCode = 1;
    }
  },
);
