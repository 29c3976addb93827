// The page of one exchange: every label and link with the evidence that decided it (rule id,
// phrase matched, attachment facts) and the correction that overrides it (who, when, why, the
// value the analysis gives), a correction form per label for the roles allowed to correct, the
// attachments, the messages, and the audit trail of corrections. Pure: data in, markup out (the
// route is in src/http/corrections.ts).
import type { AuditRecord, OverrideRecord } from '../../db/overrides.js';
import type { ExchangeDetail } from '../../db/exchange-list.js';
import { isOverrideEvidence, OVERRIDE_LABELS, type LabelEvidence, type OverrideDetail, type OverrideLabel } from '../../domain/overrides.js';
import { DIGITIZATIONS, FLOWS, FORMS, type SignatureFacts } from '../../domain/types.js';
import { h, raw, type Html } from './html.js';
import { flowText, t, type Lang } from './i18n.js';

const PARTY_KINDS = ['enterprise', 'organization', 'individual', 'unknown'] as const;

export interface ExchangeView {
  exchange: ExchangeDetail;
  history: AuditRecord[];
  /** Present when the user may correct: the CSRF token and the agencies the party selects offer. */
  correct: { csrf: string; agencies: Array<{ code: string; name: string }> } | null;
  notice: { ok: boolean; text: string } | null;
}

/** One label of the exchange as the page shows it. */
export interface LabelRow {
  label: OverrideLabel;
  /** The effective value in its stored text form (as `override set --value` takes it). */
  value: string | boolean | null;
  /** The evidence entries of the analysis (or a corrected party's flow rule) for this label. */
  evidence: LabelEvidence[];
  /** The active override of this label, with its detail (who, when, why, value from the analysis). */
  override: { record: OverrideRecord; detail: OverrideDetail } | null;
  /** What the analysis based the label on, when an override replaces it. */
  overridden: LabelEvidence[];
}

/** The eight labels and links of an exchange, each with its evidence and active override. */
export function labelRows(e: ExchangeDetail): LabelRow[] {
  const value = (label: OverrideLabel): string | boolean | null => {
    switch (label) {
      case 'document':
        return e.document;
      case 'sender':
        return e.sender_agency ?? e.sender_kind;
      case 'receiver':
        return e.receiver_agency ?? e.receiver_kind;
      default:
        return e[label];
    }
  };
  return OVERRIDE_LABELS.map((label) => {
    const entries = e.evidence.filter((x) => x.label === label);
    const record = e.overrides.find((o) => o.label === label && o.removedAt === null) ?? null;
    const ovEvidence = entries.find(isOverrideEvidence);
    return {
      label,
      value: value(label),
      evidence: entries.filter((x) => !isOverrideEvidence(x)),
      override: record && ovEvidence ? { record, detail: ovEvidence.detail } : null,
      overridden: e.pinned.includes(label) ? e.analysis_evidence.filter((x) => x.label === label) : [],
    };
  });
}

/** A label's value in words: `value` in the stored text form of that label. */
export function valueText(label: string, value: unknown, lang: Lang, agencyNames?: Map<string, string>): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? t(lang, 'yes') : t(lang, 'no');
  const v = String(value);
  switch (label) {
    case 'flow':
      return flowText(lang, v);
    case 'form':
    case 'digitization':
      return t(lang, `value.${v}`);
    case 'sender':
    case 'receiver':
      if ((PARTY_KINDS as readonly string[]).includes(v) || v === 'agency') return t(lang, `value.${v}`);
      return agencyNames?.get(v) ? `${agencyNames.get(v) as string} (${v})` : v;
    default:
      return v;
  }
}

const fmtDate = (d: Date | string | null, lang: Lang): string => {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
};

const option = (value: string, text: string, current: unknown): Html => h`<option value="${value}"${value === String(current) ? raw(' selected') : ''}>${text}</option>`;

function valueControl(row: LabelRow, lang: Lang, agencies: Array<{ code: string; name: string }>): Html {
  const id = `v-${row.label}`;
  const select = (options: Html[]) => h`<select id="${id}" name="value" required>${options}</select>`;
  switch (row.label) {
    case 'form':
      return select(FORMS.map((v) => option(v, t(lang, `value.${v}`), row.value)));
    case 'digitization':
      return select(DIGITIZATIONS.map((v) => option(v, t(lang, `value.${v}`), row.value)));
    case 'flow':
      return select(FLOWS.map((v) => option(v, flowText(lang, v), row.value)));
    case 'signed':
    case 'secret':
      return select([option('true', t(lang, 'yes'), row.value), option('false', t(lang, 'no'), row.value)]);
    case 'document':
      return h`<input id="${id}" name="value" value="${row.value ?? 'none'}" placeholder="${t(lang, 'ex.documentHint')}" size="18" required>`;
    case 'sender':
    case 'receiver':
      return select([
        ...agencies.map((a) => option(a.code, `${a.name} (${a.code})`, row.value)),
        ...PARTY_KINDS.map((k) => option(k, t(lang, `value.${k}`), row.value)),
      ]);
  }
}

function evidenceCell(row: LabelRow, lang: Lang): Html {
  // An exchange merges every mail that carries it: each analysis entry names its mail (`message`).
  const mail = (x: LabelEvidence) => ('message' in x && typeof x.message === 'string' ? h` <span class="muted">(${x.message})</span>` : '');
  const entry = (x: LabelEvidence, cls: string) => h`<div class="${cls}"><code>${x.rule}</code> ${typeof x.detail === 'string' ? x.detail : JSON.stringify(x.detail)}${mail(x)}</div>`;
  if (row.evidence.length === 0 && row.overridden.length === 0) return h`—`;
  return h`${row.evidence.map((x) => entry(x, 'ev'))}${row.overridden.length ? h`<div class="muted">${t(lang, 'ex.analysisSaid')}:</div>${row.overridden.map((x) => entry(x, 'ev muted'))}` : ''}`;
}

function overrideCell(row: LabelRow, v: ExchangeView, lang: Lang, names: Map<string, string>): Html {
  const o = row.override;
  if (!o) return h`—`;
  const e = v.exchange;
  return h`<div class="override" data-override="${o.record.id}">
    <div>${t(lang, 'ex.by')}: <strong>${o.detail.by}</strong> · ${t(lang, 'ex.at')}: ${fmtDate(o.detail.at, lang)}</div>
    <div>${t(lang, 'ex.why')}: «${o.detail.reason}»</div>
    <div>${t(lang, 'ex.before')}: ${valueText(row.label, o.detail.before, lang, names)}</div>
    ${v.correct ? h`<form method="post" action="/exchanges/${e.id}/overrides/${o.record.id}/remove" class="correct remove">
      <input type="hidden" name="_csrf" value="${v.correct.csrf}">
      <input name="reason" required placeholder="${t(lang, 'ex.reason')}" aria-label="${t(lang, 'ex.reason')}" size="18">
      <button type="submit">${t(lang, 'ex.remove')}</button></form>` : ''}
  </div>`;
}

function correctForm(row: LabelRow, v: ExchangeView, lang: Lang): Html {
  if (!v.correct) return h``;
  return h`<td><form method="post" action="/exchanges/${v.exchange.id}/overrides" class="correct" data-label="${row.label}">
    <input type="hidden" name="_csrf" value="${v.correct.csrf}"><input type="hidden" name="label" value="${row.label}">
    <label class="sr" for="v-${row.label}">${t(lang, 'ex.newValue')}</label>${valueControl(row, lang, v.correct.agencies)}
    <input name="reason" required placeholder="${t(lang, 'ex.reason')}" aria-label="${t(lang, 'ex.reason')}" size="18">
    <button type="submit">${t(lang, 'ex.submit')}</button></form></td>`;
}

function changeText(rec: Record<string, unknown>, lang: Lang, names: Map<string, string>): string {
  return Object.entries(rec)
    .map(([k, val]) => `${t(lang, `label.${k}`)}: ${valueText(k, val, lang, names)}`)
    .join('; ');
}

export function historyTable(history: AuditRecord[], lang: Lang, names: Map<string, string> = new Map()): Html {
  if (history.length === 0) return h`<p class="muted">${t(lang, 'ex.noHistory')}</p>`;
  const action = (a: AuditRecord['action']) => t(lang, a === 'set' ? 'ex.set' : a === 'replace' ? 'ex.replace' : 'ex.removeAction');
  return h`<table class="history"><thead><tr><th>${t(lang, 'ex.at')}</th><th>${t(lang, 'ex.by')}</th><th>${t(lang, 'ex.action')}</th><th>${t(lang, 'ex.label')}</th><th>${t(lang, 'ex.previous')}</th><th>${t(lang, 'ex.after')}</th><th>${t(lang, 'ex.why')}</th></tr></thead><tbody>
  ${history.map((a) => h`<tr data-audit="${a.id}"><td>${fmtDate(a.at, lang)}</td><td>${a.actor}</td><td>${action(a.action)} (#${a.overrideId})</td><td>${t(lang, `label.${a.label}`)}</td><td>${changeText(a.before, lang, names)}</td><td>${changeText(a.after, lang, names)}</td><td>${a.reason}</td></tr>`)}
  </tbody></table>`;
}

/** Each signature of a file: its status, signer and signing time, the reason in the tooltip. */
function signatureCell(sigs: SignatureFacts[], lang: Lang): Html | string {
  if (sigs.length === 0) return '—';
  return h`${sigs.map((g, i) => h`${i > 0 ? h`<br>` : ''}<span class="sig ${g.status}" title="${g.detail}">${t(lang, `sig.${g.status}`)}</span>${g.signer ? h` · ${g.signer.subject}` : ''}${g.signingTime ? h` · ${fmtDate(new Date(g.signingTime), lang)}` : ''}`)}`;
}

export function exchangeBody(v: ExchangeView, lang: Lang): Html {
  const e = v.exchange;
  const names = new Map((v.correct?.agencies ?? []).map((a) => [a.code, a.name]));
  const rows = labelRows(e);
  const address = (label: OverrideLabel) => (label === 'sender' ? e.sender_address : label === 'receiver' ? e.receiver_address : null);
  const other = e.evidence.filter((x) => !(OVERRIDE_LABELS as readonly string[]).includes(x.label));
  // Attachments of the same mail seen in several mailboxes: each file once.
  const files = [...new Map(e.attachments.map((a) => [`${a.sha256}/${a.filename ?? ''}`, a])).values()];
  return h`${v.notice ? h`<p class="${v.notice.ok ? 'notice' : 'error'}" role="status">${v.notice.text}</p>` : ''}
  <p>${t(lang, 'date')}: ${fmtDate(e.msg_date, lang)}${e.document_kind ? h` · ${e.document_kind}` : ''}</p>
  <h2 id="labels">${t(lang, 'ex.labels')}</h2>
  <table class="evidence labels"><thead><tr><th>${t(lang, 'ex.label')}</th><th>${t(lang, 'ex.value')}</th><th>${t(lang, 'evidence')}</th><th>${t(lang, 'ex.override')}</th>${v.correct ? h`<th>${t(lang, 'ex.correct')}</th>` : ''}</tr></thead><tbody>
  ${rows.map((r) => h`<tr data-label="${r.label}" class="${r.override ? 'overridden' : ''}"><th>${t(lang, `label.${r.label}`)}</th>
    <td class="value">${address(r.label) ? h`${address(r.label)}<br>` : ''}${r.label === 'document' && r.value === null ? '—' : valueText(r.label, r.value, lang, names)}</td>
    <td>${evidenceCell(r, lang)}</td><td>${overrideCell(r, v, lang, names)}</td>${correctForm(r, v, lang)}</tr>`)}
  </tbody></table>
  ${other.length ? h`<h2>${t(lang, 'ex.otherEvidence')}</h2><table class="evidence other"><thead><tr><th>${t(lang, 'ex.label')}</th><th>${t(lang, 'ex.value')}</th><th>${t(lang, 'ex.rule')}</th><th></th></tr></thead><tbody>
  ${other.map((x) => h`<tr><td>${x.label}</td><td>${String(x.value ?? '')}</td><td><code>${x.rule}</code></td><td>${typeof x.detail === 'string' ? x.detail : JSON.stringify(x.detail)}</td></tr>`)}
  </tbody></table>` : ''}
  <h2>${t(lang, 'ex.attachments')}</h2>
  ${files.length === 0 ? h`<p>${t(lang, 'none')}</p>` : h`<table class="attachments"><thead><tr><th>${t(lang, 'ex.file')}</th><th>${t(lang, 'ex.type')}</th><th>${t(lang, 'ex.kind')}</th><th>${t(lang, 'digitization')}</th><th>${t(lang, 'ex.pages')}</th><th>${t(lang, 'ex.size')}</th><th>${t(lang, 'ex.signatures')}</th><th>${t(lang, 'ex.problem')}</th></tr></thead><tbody>
  ${files.map((a) => h`<tr><td>${a.filename ?? '—'}<br><span class="muted">${a.sha256.slice(0, 12)}</span></td><td>${a.sniffed_type}${a.declared_type && a.declared_type !== a.sniffed_type ? h`<br><span class="muted">${a.declared_type}</span>` : ''}</td><td>${a.kind}</td><td>${valueText('digitization', a.digitization, lang)}</td><td class="num">${a.pages === null ? '—' : `${a.pages} (${a.text_pages ?? 0})`}</td><td class="num">${a.size}</td><td class="signatures">${signatureCell(a.signatures, lang)}</td><td>${a.problem ?? ''}</td></tr>`)}
  </tbody></table>`}
  <h2>${t(lang, 'messages')}</h2>
  <table class="messages"><thead><tr><th>id</th><th>${t(lang, 'date')}</th><th>${t(lang, 'subject')}</th><th>From</th><th>${t(lang, 'mailboxes')}</th></tr></thead><tbody>
  ${e.messages.map((m) => h`<tr data-message="${m.id}"><td>${m.id}</td><td>${fmtDate(m.msg_date, lang)}</td><td>${m.subject ?? ''}</td><td>${m.from_address ?? ''}</td><td>${m.mailbox_agency} (#${m.mailbox_id}, ${m.direction ?? ''})</td></tr>`)}
  </tbody></table>
  <h2 id="history">${t(lang, 'ex.history')}</h2>
  ${historyTable(v.history, lang, names)}`;
}
