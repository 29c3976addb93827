// The pure parts of label correction in the web app: reading a correction from a form or JSON body,
// the label rows of an exchange with their evidence and active override, and the exchange page
// with its correction forms (only for those allowed), escaping and both languages.
import { describe, expect, it } from 'vitest';
import type { ExchangeDetail } from '../../src/db/exchange-list.js';
import type { AuditRecord } from '../../src/db/overrides.js';
import { WebInputError } from '../../src/errors.js';
import { parseCorrection, parseRemoval } from '../../src/http/corrections.js';
import { exchangeBody, historyTable, labelRows, valueText } from '../../src/http/views/exchange.js';

const STC = '000.00.03.H30';
const SNV = '000.00.02.H30';

function exchange(): ExchangeDetail {
  return {
    id: 42,
    msg_date: new Date('2026-08-03T02:00:00Z'),
    document: '12/STC-NS',
    document_kind: 'Công văn',
    sender_address: 'stc@sonminh.gov.vn',
    receiver_address: 'snv@sonminh.gov.vn',
    sender_kind: 'agency',
    receiver_kind: 'agency',
    sender_agency: STC,
    receiver_agency: SNV,
    flow: 'inter_agency',
    form: 'hybrid',
    digitization: 'scanned',
    signed: false,
    secret: false,
    has_document: true,
    pinned: ['form'],
    analysis_evidence: [
      { label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'Không thấy dấu hiệu gửi kèm bản giấy' },
      { label: 'digitization', value: 'scanned', rule: 'digitization.scanned', detail: 'Tệp cv12.pdf: PDF không có lớp chữ (3 trang)' },
    ],
    evidence: [
      { label: 'form', value: 'hybrid', rule: 'override', detail: { by: 'chuyenvien', at: '2026-09-01T03:00:00.000Z', reason: 'Có bản giấy <script>alert(1)</script>', before: 'electronic' } },
      { label: 'digitization', value: 'scanned', rule: 'digitization.scanned', detail: 'Tệp cv12.pdf: PDF không có lớp chữ (3 trang)' },
      { label: 'signed', value: false, rule: 'signed.none', detail: 'Không thấy chữ ký số trong tệp đính kèm' },
      { label: 'flow', value: 'inter_agency', rule: 'flow.inter_agency', detail: 'Sở Tài chính → Sở Nội vụ' },
      { label: 'secret', value: false, rule: 'secret.none', detail: 'Không thấy dấu độ mật' },
      { label: 'parties', value: 'edxml', rule: 'edxml.parties', detail: 'Gói edXML nêu bên gửi' },
    ],
    overrides: [{ id: 7, exchangeId: 42, label: 'form', value: 'hybrid', reason: 'Có bản giấy <script>alert(1)</script>', by: 'chuyenvien', at: '2026-09-01T03:00:00.000Z', removedAt: null, removedBy: null, removedReason: null }],
    messages: [{ id: 3, subject: 'V/v góp ý', from_address: 'stc@sonminh.gov.vn', msg_date: new Date('2026-08-03T02:00:00Z'), direction: 'outbound', mailbox_id: 1, mailbox_agency: STC }],
    attachments: [
      { message_id: 3, position: 0, filename: 'cv12.pdf', declared_type: 'application/octet-stream', sha256: 'a'.repeat(64), size: 52_000, sniffed_type: 'application/pdf', kind: 'pdf', digitization: 'scanned', pages: 3, text_pages: 0, problem: null, signatures: [] },
      {
        message_id: 3, position: 1, filename: 'qd5.pdf', declared_type: 'application/pdf', sha256: 'b'.repeat(64), size: 80_000, sniffed_type: 'application/pdf', kind: 'pdf', digitization: 'born_digital', pages: 1, text_pages: 1, problem: null,
        signatures: [
          {
            kind: 'pdf', format: 'adbe.pkcs7.detached', status: 'valid', reason: null, detail: 'Chữ ký số hợp lệ: "dữ liệu" <không đổi>',
            signer: { subject: 'CN=Sở Tài chính, O=Sở Tài chính, C=VN', commonName: 'Sở Tài chính', organization: 'Sở Tài chính', issuer: 'CN=CA', serialNumber: '01', notBefore: '2020-01-01T00:00:00.000Z', notAfter: '2040-01-01T00:00:00.000Z' },
            signingTime: '2026-08-03T02:00:00.000Z', signingTimeSource: 'signed_attribute', digestAlgorithm: 'sha256',
            checks: { digest: true, signature: true, wholeFile: true, certificateTime: true, chain: true }, chain: ['CN=Sở Tài chính', 'CN=CA'], covers: 'bytes 0-840, 9033-12000 of 12000',
          },
          { kind: 'pdf', format: 'adbe.pkcs7.detached', status: 'invalid', reason: 'modified_after_signing', detail: 'Chữ ký số không hợp lệ: tệp PDF đã bị sửa đổi', signer: null, signingTime: null, signingTimeSource: null,
            digestAlgorithm: 'sha256', checks: { digest: true, signature: true, wholeFile: false, certificateTime: null, chain: null }, chain: [], covers: 'bytes 0-840, 9033-12000 of 15000' },
        ],
      },
    ],
  };
}

const history: AuditRecord[] = [
  { id: 1, overrideId: 7, exchangeId: 42, action: 'set', label: 'form', before: { form: 'electronic' }, after: { form: 'hybrid' }, reason: 'Có bản giấy', actor: 'chuyenvien', at: '2026-09-01T03:00:00.000Z' },
];
const agencies = [
  { code: STC, name: 'Sở Tài chính' },
  { code: SNV, name: 'Sở Nội vụ' },
];

describe('parseCorrection and parseRemoval', () => {
  it('reads a form or JSON body, taking true/false and null as words', () => {
    expect(parseCorrection({ label: 'form', value: 'hybrid', reason: 'bản giấy' })).toEqual({ label: 'form', value: 'hybrid', reason: 'bản giấy' });
    expect(parseCorrection({ label: 'signed', value: true, reason: 'r' }).value).toBe('true');
    expect(parseCorrection({ label: 'secret', value: false, reason: 'r' }).value).toBe('false');
    expect(parseCorrection({ label: 'document', value: null, reason: 'r' }).value).toBe('none');
    expect(parseCorrection({ label: ' flow ', value: 'internal' })).toEqual({ label: 'flow', value: 'internal', reason: '' });
  });

  it('refuses a body without a label or a value', () => {
    expect(() => parseCorrection({ value: 'hybrid', reason: 'r' })).toThrow(WebInputError);
    expect(() => parseCorrection({ label: 'form', reason: 'r' })).toThrow(/value/);
    expect(() => parseCorrection({ label: ['form'], value: 'x' })).toThrow(/label/);
  });

  it('takes the reason of a removal from the body, else the query', () => {
    expect(parseRemoval({ reason: 'từ thân' }, { reason: 'từ URL' })).toEqual({ reason: 'từ thân' });
    expect(parseRemoval(undefined, { reason: 'từ URL' })).toEqual({ reason: 'từ URL' });
    expect(parseRemoval(null, null)).toEqual({ reason: '' });
  });
});

describe('labelRows and valueText', () => {
  it('gives the eight labels and links, the override beside its label and the analysis evidence of the others', () => {
    const rows = labelRows(exchange());
    expect(rows.map((r) => r.label)).toEqual(['form', 'digitization', 'signed', 'flow', 'secret', 'document', 'sender', 'receiver']);
    const form = rows[0];
    expect(form?.value).toBe('hybrid');
    expect(form?.evidence).toEqual([]);
    expect(form?.override?.record.id).toBe(7);
    expect(form?.override?.detail).toMatchObject({ by: 'chuyenvien', before: 'electronic' });
    expect(form?.overridden.map((e) => e.rule)).toEqual(['form.default_electronic']);
    expect(rows[1]?.overridden).toEqual([]);
    expect(rows[1]?.evidence.map((e) => e.rule)).toEqual(['digitization.scanned']);
    expect(rows[1]?.override).toBeNull();
    expect(rows.find((r) => r.label === 'receiver')?.value).toBe(SNV);
  });

  it('names values in words, in both languages', () => {
    const names = new Map([[SNV, 'Sở Nội vụ']]);
    expect(valueText('form', 'hybrid', 'vi')).toBe('điện tử kèm bản giấy');
    expect(valueText('form', 'electronic', 'en')).toBe('electronic only');
    expect(valueText('flow', 'to_province_pc', 'vi')).toBe('gửi UBND tỉnh');
    expect(valueText('signed', true, 'vi')).toBe('có');
    expect(valueText('receiver', SNV, 'vi', names)).toBe(`Sở Nội vụ (${SNV})`);
    expect(valueText('receiver', 'enterprise', 'en')).toBe('enterprise');
    expect(valueText('sender', 'individual', 'vi')).toBe('cá nhân');
    expect(valueText('document', null, 'vi')).toBe('—');
  });
});

describe('the exchange page', () => {
  it('gives a correction form per label, each with the CSRF token and the current value selected, to those allowed', () => {
    const html = exchangeBody({ exchange: exchange(), history, notice: null, correct: { csrf: 'tok"en', agencies } }, 'vi').html;
    expect(html.match(/<form method="post" action="\/exchanges\/42\/overrides" class="correct" data-label="/g)).toHaveLength(8);
    expect(html.match(/name="_csrf" value="tok&quot;en"/g)).toHaveLength(9);
    expect(html).toContain('action="/exchanges/42/overrides/7/remove"');
    expect(html).toMatch(/<option value="scanned" selected>/);
    expect(html).toMatch(new RegExp(`<option value="${SNV.replaceAll('.', '\\.')}" selected>Sở Nội vụ`));
    expect(html).toContain('<input id="v-document" name="value" value="12/STC-NS"');
  });

  it('shows the override (who, when, why, the analysis value), the evidence with rule ids, attachment facts and the history, escaped', () => {
    const html = exchangeBody({ exchange: exchange(), history, notice: { ok: true, text: 'Đã sửa' }, correct: null }, 'vi').html;
    expect(html).not.toContain('class="correct"');
    expect(html).toContain('<tr data-label="form" class="overridden">');
    expect(html).toContain('chuyenvien');
    expect(html).toContain('Giá trị theo phân tích: điện tử hoàn toàn');
    expect(html).toContain('Theo phân tích (đã bị sửa):</div><div class="ev muted"><code>form.default_electronic</code>');
    expect(html).toContain('Có bản giấy &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<code>digitization.scanned</code> Tệp cv12.pdf: PDF không có lớp chữ (3 trang)');
    expect(html).toContain('<code>edxml.parties</code>');
    expect(html).toContain('cv12.pdf');
    expect(html).toContain('application/pdf');
    expect(html).toContain('<p class="notice" role="status">Đã sửa</p>');
    expect(html).toContain('data-audit="1"');
  });

  it('shows each signature of a file: status, signer, signing time, and the reason as its title, escaped', () => {
    const vi = exchangeBody({ exchange: exchange(), history, notice: null, correct: null }, 'vi').html;
    expect(vi).toContain('<th>Chữ ký số</th>');
    expect(vi).toContain('<span class="sig valid" title="Chữ ký số hợp lệ: &quot;dữ liệu&quot; &lt;không đổi&gt;">hợp lệ</span> · CN=Sở Tài chính, O=Sở Tài chính, C=VN · ');
    expect(vi).toContain('<span class="sig invalid" title="Chữ ký số không hợp lệ: tệp PDF đã bị sửa đổi">không hợp lệ</span>');
    // The unsigned file says so.
    expect(vi).toMatch(/cv12\.pdf[\s\S]*?<td class="signatures">—<\/td>/);
    const en = exchangeBody({ exchange: exchange(), history, notice: null, correct: null }, 'en').html;
    expect(en).toContain('<th>Digital signatures</th>');
    expect(en).toContain('>valid</span>');
    expect(en).toContain('>invalid</span>');
  });

  it('speaks English on request and says when nothing was corrected', () => {
    const html = exchangeBody({ exchange: exchange(), history: [], notice: null, correct: { csrf: 't', agencies } }, 'en').html;
    expect(html).toContain('Labels and evidence');
    expect(html).toContain('No corrections yet.');
    expect(historyTable(history, 'en').html).toContain('<td>Form: electronic only</td><td>Form: electronic beside paper</td>');
  });
});
