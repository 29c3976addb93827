// The JSON contracts of DESIGN.md that operators and scripts rely on, through the built binary:
// `inspect`, `refs`, `refs --jsonl`, `agency list --json`.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mime');

describe('the JSON contracts of the command', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await createTestEnv('cli_contract');
  });

  it('inspect prints { message, parties, attachments, refs, labels, evidence } for a real message', async () => {
    const r = await spawnCli(['inspect', path.join(CORPUS, 'mimekit__smime-thunderbird-signed.eml')], t.env);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { labels: Record<string, unknown>; evidence: Array<Record<string, unknown>> };
    for (const k of ['message', 'parties', 'attachments', 'refs', 'labels', 'evidence']) expect(j).toHaveProperty(k);
    expect(Object.keys(j.labels).sort()).toEqual(['digitization', 'flow', 'form', 'secret', 'signed']);
    expect(j.labels.signed).toBe(true);
    for (const e of j.evidence) expect(Object.keys(e).sort()).toEqual(['detail', 'label', 'rule', 'value']);
  });

  it('inspect exits 0 on malformed MIME and reports it', async () => {
    const r = await spawnCli(['inspect', path.join(CORPUS, 'flanker__missing-final-boundary.eml')], t.env);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { message: { state: string } }).message.state).toBe('malformed');
  });

  it('refs prints one entry per distinct reference with spans into the input', async () => {
    const text = 'Thực hiện Chỉ thị số 15/CT-TTg ngày 22/5/2012 và Nghị định số 43/2011/NĐ-CP; Chỉ thị 15/CT-TTg.';
    const r = await spawnCli(['refs'], t.env, text);
    expect(r.code).toBe(0);
    const refs = JSON.parse(r.stdout) as Array<{ ref: string; number: string; year: number | null; symbol: string; kind: string | null; date: string | null; span: [number, number] }>;
    expect(refs.map((x) => x.ref)).toEqual(['15/CT-TTg', '43/2011/NĐ-CP']);
    expect(refs[0]).toMatchObject({ number: '15', year: null, symbol: 'CT-TTg', kind: 'Chỉ thị', date: '2012-05-22' });
    expect(refs[1]).toMatchObject({ number: '43', year: 2011, symbol: 'NĐ-CP', kind: 'Nghị định' });
    for (const x of refs) expect(text.slice(x.span[0], x.span[1])).toBe(x.ref);
  });

  it('refs --jsonl answers line by line: [] for a blank line, an error object for a non-string', async () => {
    const r = await spawnCli(['refs', '--jsonl'], t.env, `${JSON.stringify('Công văn số 2888/UBND-VX')}\n\n42\nnot json\n`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect((JSON.parse(lines[0] as string) as Array<{ ref: string }>)[0]?.ref).toBe('2888/UBND-VX');
    expect(JSON.parse(lines[1] as string)).toEqual([]);
    expect(JSON.parse(lines[2] as string)).toHaveProperty('error');
    expect(JSON.parse(lines[3] as string)).toHaveProperty('error');
  });

  it('agency list --json gives the directory fields after an import', async () => {
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
    const r = await spawnCli(['agency', 'list', '--json'], t.env);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.length).toBe(38);
    expect(Object.keys(list[0] as object).sort()).toEqual(['addresses', 'code', 'domains', 'level', 'name', 'parent', 'successor', 'valid_from', 'valid_to']);
    expect(list.find((a) => a.code === '000.00.31.H30')).toMatchObject({ level: 'district_pc', valid_to: '2025-06-30', successor: '000.31.01.H30' });
  });
});
