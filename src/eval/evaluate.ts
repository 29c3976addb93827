// Runs the evaluation set (eval/*.yaml) through the code it measures — the reference extractor that
// `edocwatch refs` prints and the message analysis that `edocwatch inspect` prints — and scores it
// (src/eval/score.ts). I/O here: the case files, the directory file and the committed signature are
// read from the package; messages are composed and analyzed in memory, without a database.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeMessage } from '../analyze/message.js';
import { loadConfig } from '../config/config.js';
import { loadDirectoryFile } from '../config/directory-file.js';
import { repoRoot } from '../config/paths.js';
import { buildDirectory } from '../domain/directory.js';
import { extractRefs, splitRefs } from '../domain/refs.js';
import { EvalCasesError } from '../errors.js';
import { parseLabelCases, parseRefCases, type LabelCase, type RefCase } from './cases.js';
import { makeFixtures } from './fixtures.js';
import { composeCase } from './messages.js';
import {
  checkTargets,
  refFailures,
  scoreLabels,
  scoreRefGroup,
  toFoundRef,
  type CaseFailure,
  type LabelFailure,
  type LabelRun,
  type LabelScores,
  type RefGroupScore,
  type RefRun,
  type TargetCheck,
} from './score.js';

export interface EvalReport {
  cases: { refsClean: number; refsNoisy: number; labels: number; total: number };
  refs: { clean: RefGroupScore; noisy: RefGroupScore; all: RefGroupScore };
  labels: LabelScores;
  targets: TargetCheck[];
  met: boolean;
  failures: { refs: CaseFailure[]; labels: LabelFailure[] };
}

export interface EvalOptions {
  /** The folder holding refs-clean.yaml, refs-noisy.yaml, labels.yaml and fixtures/; default eval/. */
  dir?: string;
  /** The agency directory the label cases are written against; default the sample in config/. */
  directoryFile?: string;
}

async function readCaseFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new EvalCasesError(`không đọc được tệp / cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export async function loadCases(dir: string): Promise<{ refs: RefCase[]; labels: LabelCase[] }> {
  const at = (f: string): string => path.join(dir, f);
  const clean = parseRefCases(await readCaseFile(at('refs-clean.yaml')), 'refs-clean.yaml', false);
  const noisy = parseRefCases(await readCaseFile(at('refs-noisy.yaml')), 'refs-noisy.yaml', true);
  const labels = parseLabelCases(await readCaseFile(at('labels.yaml')), 'labels.yaml');
  const ids = new Set<string>();
  for (const c of [...clean, ...noisy, ...labels]) {
    if (ids.has(c.id)) throw new EvalCasesError(`mã ca trùng giữa các tệp / case id ${c.id} is used in two files`);
    ids.add(c.id);
  }
  return { refs: [...clean, ...noisy], labels };
}

/** What the extractor finds in one case, each reference with the role `splitRefs` gives it. */
export function runRefCase(c: RefCase): RefRun {
  const split = splitRefs(c.text);
  const role = new Map<string, 'transmitted' | 'cited'>([
    ...split.transmitted.map((r): [string, 'transmitted'] => [r.ref, 'transmitted']),
    ...split.cited.map((r): [string, 'cited'] => [r.ref, 'cited']),
  ]);
  return { case: c, found: extractRefs(c.text).map((r) => toFoundRef(r, role.get(r.ref))) };
}

export async function evaluate(opts: EvalOptions = {}): Promise<EvalReport> {
  const root = repoRoot();
  const dir = opts.dir ?? path.join(root, 'eval');
  const { refs, labels } = await loadCases(dir);

  const refRuns = refs.map(runRefCase);
  const clean = scoreRefGroup(refRuns.filter((r) => !r.case.noisy));
  const noisy = scoreRefGroup(refRuns.filter((r) => r.case.noisy));
  const all = scoreRefGroup(refRuns);

  const config = loadConfig();
  const directory = buildDirectory(await loadDirectoryFile(opts.directoryFile ?? config.directoryFile));
  let signature: Buffer;
  try {
    signature = await readFile(path.join(dir, 'fixtures', 'signature.p7s'));
  } catch (err) {
    throw new EvalCasesError(`không đọc được chữ ký mẫu / cannot read fixtures/signature.p7s (run eval/fixtures/make-signature.sh): ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const files = await makeFixtures(signature);
  const labelRuns: LabelRun[] = [];
  for (const c of labels) {
    if (c.agency !== null && !directory.agencies.has(c.agency)) {
      throw new EvalCasesError(`labels.yaml: bản ghi ${c.id}: không có cơ quan / unknown agency code ${c.agency} in the directory`);
    }
    const raw = await composeCase(c, files);
    // As `inspect` runs it (src/cli/inspect.ts), minus OCR: the cases' scans carry no text to read.
    const a = await analyzeMessage(raw, {
      directory,
      monitored: c.agency,
      internalDate: null,
      receivedAt: new Date(c.date),
      freeMailDomains: config.freeMailDomains,
      limits: {
        maxBytes: config.analyze.maxAttachmentBytes,
        maxPages: config.analyze.maxPdfPages,
        maxTextChars: 200_000,
        timeoutMs: config.analyze.attachmentTimeoutMs,
        archive: config.analyze.archive,
      },
    });
    labelRuns.push({ case: c, labels: a.labels, evidence: a.evidence.map((e) => ({ label: e.label, rule: e.rule, detail: e.detail })) });
  }
  const { scores, failures } = scoreLabels(labelRuns);
  const targets = checkTargets({ clean, noisy, labels: scores });
  return {
    cases: {
      refsClean: clean.cases,
      refsNoisy: noisy.cases,
      labels: labels.length,
      total: refs.length + labels.length,
    },
    refs: { clean, noisy, all },
    labels: scores,
    targets,
    met: targets.every((t) => t.met),
    failures: { refs: refFailures(refRuns), labels: failures },
  };
}
