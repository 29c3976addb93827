// The evaluation report as text for people (Vietnamese first, English after a slash, as the CLI
// writes its messages). Pure: src/eval/run.ts prints it.

import type { EvalReport } from './evaluate.js';
import { LABEL_NAMES, type RefDiff, type RefGroupScore } from './score.js';

const pct = (x: number): string => x.toFixed(3);
const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const lpad = (s: string | number, n: number): string => String(s).padStart(n);

function refRow(name: string, s: RefGroupScore): string {
  const f = s.fields;
  const share = (k: number): string => (f.located === 0 ? '  -  ' : pct(k / f.located));
  return [
    pad(name, 14),
    lpad(s.cases, 4),
    lpad(s.expected, 6),
    lpad(s.found, 6),
    lpad(s.correct, 6),
    lpad(pct(s.precision), 7),
    lpad(pct(s.recall), 7),
    lpad(pct(s.f1), 7),
    lpad(share(f.kind), 7),
    lpad(share(f.date), 7),
    lpad(share(f.year), 7),
    lpad(s.role.cases === 0 ? '-' : `${pct(s.role.accuracy)} (${s.role.cases})`, 13),
  ].join(' ');
}

const show = (v: unknown): string => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

function diffLine(d: RefDiff): string {
  switch (d.kind) {
    case 'missing':
      return `    - thiếu / missing   ${d.expected.ref}  (kind ${show(d.expected.kind)}, date ${show(d.expected.date)})`;
    case 'extra':
      return `    + thừa / extra      ${d.found.ref}  (kind ${show(d.found.kind)}, date ${show(d.found.date)})`;
    case 'field':
      return `    ~ ${d.ref}: ${d.field} cần / expected ${show(d.expected)}, có / found ${show(d.found)}`;
    case 'role':
      return `    ~ ${d.ref}: vai trò / role cần / expected ${d.expected}, có / found ${d.found}`;
  }
}

export function formatReport(r: EvalReport, o: { failures?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `Bộ đánh giá / evaluation set: ${r.cases.total} ca / cases — ${r.cases.refsClean} số ký hiệu sạch / clean references, ${r.cases.refsNoisy} số ký hiệu nhiễu / noisy references, ${r.cases.labels} thư gán nhãn / labelled messages`,
    '',
    'Số ký hiệu văn bản / document references (P = precision, R = recall; loại/kind, ngày/date, năm/year: exactness on references found with the right number and symbol)',
    [pad('', 14), lpad('ca', 4), lpad('cần', 6), lpad('thấy', 6), lpad('đúng', 6), lpad('P', 7), lpad('R', 7), lpad('F1', 7), lpad('loại', 7), lpad('ngày', 7), lpad('năm', 7), lpad('vai trò/role', 13)].join(' '),
    refRow('sạch / clean', r.refs.clean),
    refRow('nhiễu / noisy', r.refs.noisy),
    refRow('tất cả / all', r.refs.all),
    '',
    'Nhãn / labels',
  );
  for (const n of LABEL_NAMES) {
    const s = r.labels[n];
    out.push(`  ${pad(n, 14)} ${lpad(s.correct, 4)}/${pad(s.cases, 4)} ${pct(s.accuracy)}`);
  }
  out.push('', 'Mục tiêu / targets');
  for (const t of r.targets) {
    out.push(`  ${pad(t.name, 22)} ${pct(t.value)} ≥ ${t.target.toFixed(2)}  ${t.met ? 'đạt / met' : 'CHƯA ĐẠT / MISSED'}`);
  }
  if (o.failures !== false) {
    const n = r.failures.refs.length + r.failures.labels.length;
    out.push('', `Ca sai / failing cases: ${r.failures.refs.length} số ký hiệu / references, ${r.failures.labels.length} nhãn / labels${n === 0 ? '' : ':'}`);
    for (const f of r.failures.refs) {
      out.push(`  ${f.id} — ${f.source}`, `    văn bản / text: ${JSON.stringify(f.text.length > 200 ? `${f.text.slice(0, 200)}…` : f.text)}`);
      for (const d of f.diffs) out.push(diffLine(d));
    }
    for (const f of r.failures.labels) {
      out.push(`  ${f.id} — ${f.source}`, `    ~ ${f.label}: cần / expected ${show(f.expected)}, có / found ${show(f.found)}${f.rule ? `  [${f.rule}: ${f.detail ?? ''}]` : ''}`);
    }
  }
  out.push('', r.met ? 'Đạt mọi mục tiêu / every target met' : 'CHƯA ĐẠT mục tiêu / a target is missed');
  return out.join('\n');
}
