import { describe, it, expect } from 'vitest';
import {
  HYBRID_PHRASES,
  SECRET_MARKINGS,
  findHybridPhrase,
  findSecretMarking,
  foldForTest,
  isMachineGenerated,
  joinFolded,
  labelExchange,
  type LabelAttachment,
  type LabelInput,
} from '../../src/domain/labels.js';
import type { Party } from '../../src/domain/types.js';

const stc: Party = {
  address: 'vanthu@stc.sonminh.gov.vn',
  name: 'Sở Tài chính',
  kind: 'agency',
  agencyCode: '000.00.03.H30',
  agencyLevel: 'department',
  matchedBy: 'domain',
  roles: ['from'],
};
const ppc: Party = {
  address: 'vanthu.ubnd@sonminh.gov.vn',
  name: null,
  kind: 'agency',
  agencyCode: '000.00.00.H30',
  agencyLevel: 'province_pc',
  matchedBy: 'address',
  roles: ['to'],
};
const company: Party = {
  address: 'lienhe@congtyabc.vn',
  name: null,
  kind: 'enterprise',
  agencyCode: null,
  agencyLevel: null,
  matchedBy: 'enterprise_domain',
  roles: ['to'],
};

const bornPdf: LabelAttachment = { filename: '2888-UBND-VX.pdf', kind: 'pdf', digitization: 'born_digital', signed: false };
const signedPdf: LabelAttachment = { ...bornPdf, filename: 'QD-15.signed.pdf', signed: true };
const scannedPdf: LabelAttachment = { filename: 'scan0001.pdf', kind: 'pdf', digitization: 'scanned', signed: false };
const photo: LabelAttachment = { filename: 'IMG_2024.jpg', kind: 'image', digitization: 'scanned', signed: false };
const docx: LabelAttachment = { filename: 'du-thao.docx', kind: 'office', digitization: 'born_digital', signed: false };

function input(overrides: Partial<LabelInput> = {}): LabelInput {
  return {
    subject: 'V/v báo cáo tình hình sử dụng thư điện tử công vụ quý III/2026',
    text: 'Kính gửi: Ủy ban nhân dân tỉnh.\nSở Tài chính gửi kèm Công văn số 2888/STC-VP.',
    attachments: [bornPdf],
    sender: stc,
    receiver: ppc,
    hasDocument: true,
    machineGenerated: false,
    ...overrides,
  };
}

const labelsOf = (overrides: Partial<LabelInput> = {}) => labelExchange(input(overrides)).labels;
const evidenceOf = (label: string, overrides: Partial<LabelInput> = {}) =>
  labelExchange(input(overrides)).evidence.find((e) => e.label === label);

describe('form', () => {
  it('is electronic by default, with evidence', () => {
    expect(labelsOf().form).toBe('electronic');
    expect(evidenceOf('form')).toMatchObject({ value: 'electronic', rule: 'form.default_electronic' });
  });

  it('is hybrid when the text mentions the paper copy', () => {
    const text = 'Bản giấy sẽ được gửi qua đường bưu điện.';
    expect(labelsOf({ text }).form).toBe('hybrid');
    expect(evidenceOf('form', { text })).toEqual({
      label: 'form',
      value: 'hybrid',
      rule: 'form.hybrid_phrase',
      detail: 'Cụm từ «Bản giấy sẽ được gửi» trong nội dung thư hoặc tệp đính kèm',
    });
  });

  it.each([
    'Sở Tài chính gửi kèm bản giấy theo đường văn thư.',
    'Bản chính gửi qua đường bưu điện.',
    'Bản gốc sẽ được gửi sau khi lãnh đạo ký.',
    'Văn bản giấy gửi theo đường công văn.',
    'Hồ sơ được gửi qua đường bưu điện.',
    'Chúng tôi gửi bản giấy sau.',
    'Tài liệu gửi qua đường công văn.',
    'Ngoài bản giấy, đơn vị gửi bản điện tử.',
  ])('finds the hybrid phrase in %j', (text) => {
    expect(labelsOf({ text }).form).toBe('hybrid');
  });

  it('matches across case, line breaks and extra spaces', () => {
    expect(labelsOf({ text: 'Đơn vị GỬI KÈM   BẢN\r\n  GIẤY để lưu.' }).form).toBe('hybrid');
    expect(evidenceOf('form', { text: 'Đơn vị GỬI KÈM   BẢN\r\n  GIẤY để lưu.' })?.detail).toBe(
      'Cụm từ «GỬI KÈM BẢN GIẤY» trong nội dung thư hoặc tệp đính kèm',
    );
  });

  it('matches text typed without accents', () => {
    expect(labelsOf({ text: 'Ban giay se duoc gui qua duong buu dien.' }).form).toBe('hybrid');
    expect(labelsOf({ text: 'gui kem ban giay' }).form).toBe('hybrid');
  });

  it('matches text in decomposed Unicode (NFD), as some mailers send it', () => {
    expect(labelsOf({ text: 'Gửi kèm bản giấy.'.normalize('NFD') }).form).toBe('hybrid');
  });

  it('finds the phrase in the subject', () => {
    expect(evidenceOf('form', { subject: 'Gửi bản giấy sau - V/v kế hoạch' })?.detail).toBe('Cụm từ «Gửi bản giấy sau» trong tiêu đề thư');
  });

  it('names the most specific phrase', () => {
    expect(findHybridPhrase('', 'Bản chính gửi qua đường bưu điện.')?.phrase).toBe('bản chính gửi qua đường bưu điện');
  });

  it.each([
    ['a desk (bàn giấy)', 'Công việc bàn giấy chiếm nhiều thời gian.'],
    ['selling paper (bán giấy)', 'Cửa hàng bán giấy in.'],
    ['a copy of a licence (bản giấy phép)', 'Gửi kèm bản giấy phép kinh doanh.'],
    ['a copy of papers (bản giấy tờ)', 'Đề nghị nộp bản giấy tờ tùy thân.'],
    ['no paper copy (không gửi bản giấy)', 'Văn bản này không gửi bản giấy.'],
    ['no paper copy needed (không phải gửi kèm văn bản giấy)', 'Văn bản đã ký số thì không phải gửi kèm văn bản giấy.'],
    ['paper-like words (giấy mời)', 'Kèm theo giấy mời họp.'],
    ['policy text (hạn chế … văn bản giấy)', 'Tăng cường dùng chữ ký số; hạn chế tối đa việc gửi văn bản giấy không cần thiết.'],
    ['policy text (thay thế văn bản giấy)', 'Từng bước thay thế văn bản giấy bằng văn bản điện tử.'],
  ])('does not take %s for hybrid', (_what, text) => {
    expect(labelsOf({ text }).form).toBe('electronic');
  });

  it.each([
    ['a hard copy sent later (bản cứng)', 'UBND xã gửi báo cáo (file mềm), bản cứng sẽ gửi sau ạ.', 'bản cứng'],
    ['a hard copy through the registry', 'Đồng thời gửi bản cứng qua văn thư UBND tỉnh.', 'bản cứng'],
    ['a hard copy typed without accents', 'ban cung gui sau', 'ban cung'],
    ['the paper dossier already filed (directive §2.2)', 'Ngoài bộ hồ sơ giấy đã nộp tại Văn phòng UBND tỉnh, Sở gửi kèm bản điện tử.', 'hồ sơ giấy'],
    ['the post, "theo đường bưu điện"', 'Bản gốc hồ sơ gửi theo đường bưu điện.', 'theo đường bưu điện'],
    ['the post, "theo đường bưu chính"', 'Hồ sơ gốc gửi theo đường bưu chính.', 'theo đường bưu chính'],
  ])('is hybrid for %s', (_what, text, found) => {
    expect(labelsOf({ text }).form).toBe('hybrid');
    expect(evidenceOf('form', { text })?.detail).toBe(`Cụm từ «${found}» trong nội dung thư hoặc tệp đính kèm`);
  });

  it.each([
    ['papers (hồ sơ giấy tờ)', 'Đề nghị chuẩn bị đầy đủ hồ sơ giấy tờ theo quy định.'],
    ['no hard copy (không gửi bản cứng)', 'Văn bản đã ký số, không gửi bản cứng.'],
    ['a hard desk (bàn cứng)', 'Mua sắm bàn cứng cho phòng họp.'],
  ])('does not take %s for hybrid', (_what, text) => {
    expect(labelsOf({ text }).form).toBe('electronic');
  });

  it('is hybrid when a paper register records the document, with its own rule', () => {
    expect(labelsOf({ paperRegistered: true }).form).toBe('hybrid');
    expect(evidenceOf('form', { paperRegistered: true })?.rule).toBe('form.paper_register');
  });

  it('is null for machine-generated mail', () => {
    expect(labelsOf({ machineGenerated: true, text: 'gửi kèm bản giấy' }).form).toBeNull();
    expect(evidenceOf('form', { machineGenerated: true })).toMatchObject({ value: null, rule: 'form.machine_generated' });
  });

  it('exports the phrases it looks for', () => {
    expect(HYBRID_PHRASES).toContain('bản giấy');
    expect(HYBRID_PHRASES).toContain('qua đường bưu điện');
  });
});

describe('digitization', () => {
  it('is born_digital when every document attachment is born digital', () => {
    expect(labelsOf({ attachments: [bornPdf, docx] }).digitization).toBe('born_digital');
    expect(evidenceOf('digitization', { attachments: [bornPdf, docx] })).toMatchObject({
      rule: 'digitization.born_digital',
      detail: 'Văn bản điện tử gốc (có lớp chữ): 2888-UBND-VX.pdf, du-thao.docx',
    });
  });

  it('is scanned when every document attachment is scanned', () => {
    expect(labelsOf({ attachments: [scannedPdf, photo] }).digitization).toBe('scanned');
    expect(evidenceOf('digitization', { attachments: [scannedPdf] })?.rule).toBe('digitization.scanned');
  });

  it('is mixed when born-digital and scanned documents come together', () => {
    expect(labelsOf({ attachments: [bornPdf, scannedPdf] }).digitization).toBe('mixed');
    expect(evidenceOf('digitization', { attachments: [bornPdf, scannedPdf] })?.rule).toBe('digitization.mixed');
  });

  it('is mixed when one PDF is itself mixed', () => {
    expect(labelsOf({ attachments: [{ ...bornPdf, digitization: 'mixed' }] }).digitization).toBe('mixed');
  });

  it('is none without attachments', () => {
    expect(labelsOf({ attachments: [] }).digitization).toBe('none');
    expect(evidenceOf('digitization', { attachments: [] })?.rule).toBe('digitization.none');
  });

  it('ignores attachments that are not documents', () => {
    const attachments: LabelAttachment[] = [
      { filename: 'hoso.zip', kind: 'archive', digitization: 'none', signed: false },
      { filename: 'smime.p7s', kind: 'signature', digitization: 'none', signed: true },
      { filename: 'ghichu.txt', kind: 'text', digitization: 'none', signed: false },
    ];
    expect(labelsOf({ attachments }).digitization).toBe('none');
    expect(labelsOf({ attachments: [...attachments, scannedPdf] }).digitization).toBe('scanned');
  });
});

describe('signed', () => {
  it('is true when any attachment is signed', () => {
    expect(labelsOf({ attachments: [bornPdf, signedPdf] }).signed).toBe(true);
    expect(evidenceOf('signed', { attachments: [signedPdf] })).toMatchObject({
      value: true,
      rule: 'signed.attachment',
      detail: 'Có chữ ký số: QD-15.signed.pdf',
    });
  });

  it('counts an S/MIME signature part', () => {
    const p7s: LabelAttachment = { filename: 'smime.p7s', kind: 'signature', digitization: 'none', signed: true };
    expect(labelsOf({ attachments: [bornPdf, p7s] }).signed).toBe(true);
  });

  it('is false otherwise', () => {
    expect(labelsOf().signed).toBe(false);
    expect(evidenceOf('signed')?.rule).toBe('signed.none');
  });
});

describe('flow', () => {
  it('comes from the flow table, with the rule as evidence', () => {
    expect(labelsOf().flow).toBe('to_province_pc');
    expect(evidenceOf('flow')).toEqual({
      label: 'flow',
      value: 'to_province_pc',
      rule: 'flow.to_province_pc',
      detail: 'sở, ban, ngành (000.00.03.H30) → UBND tỉnh (000.00.00.H30)',
    });
  });

  it('describes a party outside the state by its kind and address', () => {
    expect(evidenceOf('flow', { receiver: company })).toMatchObject({
      value: 'with_enterprise',
      rule: 'flow.non_state',
      detail: 'sở, ban, ngành (000.00.03.H30) → doanh nghiệp (lienhe@congtyabc.vn)',
    });
  });
});

describe('secret', () => {
  it.each([
    ['a line holding the marking', 'CÔNG VĂN\nMẬT\nKính gửi: …'],
    ['a stamp in brackets', 'Kính gửi: UBND tỉnh [TỐI MẬT] …'],
    ['the gravest grade', 'TUYỆT MẬT\nSố: 12/KH-CA'],
    ['a line in sentence case', 'Tối mật\nKính gửi: …'],
    ['the grade in a document header', 'Độ khẩn: Hỏa tốc; Độ mật: Mật'],
    ['the grade label without accents', 'Do mat: Toi mat'],
    ['the grade label in capitals', 'ĐỘ KHẨN: THƯỢNG KHẨN. ĐỘ MẬT: MẬT'],
  ])('is true for %s', (_what, text) => {
    expect(labelsOf({ text }).secret).toBe(true);
  });

  it('reads a marking in the subject', () => {
    expect(labelsOf({ subject: '[MẬT] Kế hoạch bảo đảm an ninh' }).secret).toBe(true);
    expect(evidenceOf('secret', { subject: '[MẬT] Kế hoạch bảo đảm an ninh' })).toEqual({
      label: 'secret',
      value: true,
      rule: 'secret.marking',
      detail: 'Dấu độ mật «MẬT» trong tiêu đề thư',
    });
  });

  it.each([
    ['[Mật] in sentence case', '[Mật] Báo cáo nhân sự', 'Mật'],
    ['(Tối mật) in parentheses', '(Tối mật) Phương án nhân sự', 'Tối mật'],
    ['[ tuyệt mật ] with spaces', '[ tuyệt mật ] Chỉ đạo', 'tuyệt mật'],
  ])('reads a grade in brackets opening the subject: %s', (_what, subject, marking) => {
    expect(labelsOf({ subject }).secret).toBe(true);
    expect(evidenceOf('secret', { subject })?.detail).toBe(`Dấu độ mật «${marking}» trong tiêu đề thư`);
  });

  it.each([
    ['a bracketed word that is no grade', '[Khẩn] Báo cáo'],
    ['a bracketed phrase that holds the word', '[Bảo mật thông tin] Hướng dẫn'],
    ['brackets later in the subject', 'Báo cáo [mật khẩu mới]'],
    ['urgency, not secrecy', 'HỎA TỐC - Ứng phó mưa lũ'],
  ])('does not read %s as a grade', (_what, subject) => {
    expect(labelsOf({ subject }).secret).toBe(false);
  });

  it('names the grade found', () => {
    expect(findSecretMarking('', 'Độ mật: Tuyệt mật')?.marking).toBe('Tuyệt mật');
    expect(findSecretMarking('', 'Kính gửi: [TỐI  MẬT] UBND tỉnh')?.marking).toBe('TỐI MẬT');
    expect(findSecretMarking('', 'tối   mật')?.marking).toBe('Tối mật');
  });

  it.each([
    ['bí mật kinh doanh', 'Thông tin là bí mật kinh doanh của công ty.'],
    ['mật khẩu', 'Đề nghị đổi mật khẩu hộp thư công vụ.'],
    ['mật độ', 'Mật độ dân số của xã tăng.'],
    ['mật thiết', 'Phối hợp mật thiết với Sở Nội vụ.'],
    ['mật ong', 'Hỗ trợ hộ nuôi ong lấy mật ong.'],
    ['BẢO VỆ BÍ MẬT NHÀ NƯỚC', 'KẾ HOẠCH THỰC HIỆN CÔNG TÁC BẢO VỆ BÍ MẬT NHÀ NƯỚC'],
    ['MẬT KHẨU in capitals', 'HƯỚNG DẪN ĐỔI MẬT KHẨU'],
    ['BẢO MẬT', 'QUY CHẾ BẢO MẬT THÔNG TIN'],
    ['an all-caps title about honey', 'ĐỀ ÁN PHÁT TRIỂN NGHỀ NUÔI ONG LẤY MẬT'],
    ['the grade label in capitals with an ordinary grade', 'ĐỘ MẬT: THƯỜNG'],
    ['an ordinary grade', 'Độ mật: Thường'],
    ['mật in a sentence', 'Văn bản cần được quản lý chặt chẽ, giữ mật theo quy định.'],
  ])('is false for %s', (_what, text) => {
    expect(labelsOf({ text }).secret).toBe(false);
  });

  it('says so in the evidence when there is no marking', () => {
    expect(evidenceOf('secret')).toMatchObject({ value: false, rule: 'secret.none' });
  });

  it('exports the three grades', () => {
    expect(new Set(SECRET_MARKINGS)).toEqual(new Set(['Mật', 'Tối mật', 'Tuyệt mật']));
  });
});

describe('labelExchange', () => {
  it('gives one piece of evidence for each label', () => {
    const { labels, evidence } = labelExchange(input({ attachments: [signedPdf], text: 'Gửi kèm bản giấy.' }));
    expect(labels).toEqual({ form: 'hybrid', digitization: 'born_digital', signed: true, flow: 'to_province_pc', secret: false });
    expect(evidence.map((e) => e.label)).toEqual(['form', 'digitization', 'signed', 'flow', 'secret']);
    for (const e of evidence) expect(e.detail.length).toBeGreaterThan(0);
  });
});

describe('isMachineGenerated', () => {
  const no = { machine: false, reason: null };

  it('passes ordinary mail', () => {
    expect(isMachineGenerated({ 'content-type': 'multipart/mixed; boundary=x' }, 'V/v kế hoạch năm 2026', 'vanthu@stc.sonminh.gov.vn')).toEqual(no);
  });

  it('passes mail whose Auto-Submitted is "no"', () => {
    expect(isMachineGenerated({ 'auto-submitted': 'no' }, 'Báo cáo', 'a@stc.sonminh.gov.vn')).toEqual(no);
  });

  it('passes a human subject that only mentions out of office', () => {
    expect(isMachineGenerated({}, 'Re: Out of office schedule for Tet', 'a@stc.sonminh.gov.vn').machine).toBe(false);
  });

  it('catches a delivery status report', () => {
    expect(
      isMachineGenerated({ 'content-type': 'multipart/report; report-type=delivery-status; boundary="b"' }, 'Undelivered', 'x@y.vn'),
    ).toEqual({ machine: true, reason: 'bounce: content-type multipart/report; report-type=delivery-status' });
  });

  it('catches a read receipt', () => {
    expect(
      isMachineGenerated({ 'content-type': 'multipart/report; report-type="disposition-notification"' }, 'Đã đọc: Báo cáo', 'a@b.vn').reason,
    ).toMatch(/^read_receipt/);
    expect(isMachineGenerated({ 'content-type': 'message/disposition-notification' }, 'x', 'a@b.vn').reason).toMatch(/^read_receipt/);
  });

  it('catches a bare delivery-status part', () => {
    expect(isMachineGenerated({ 'content-type': 'message/delivery-status' }, '', null).reason).toMatch(/^bounce/);
  });

  it.each(['MAILER-DAEMON@mail.sonminh.gov.vn', 'postmaster@sonminh.gov.vn'])('catches mail from %s', (from) => {
    expect(isMachineGenerated({}, 'Thư không gửi được', from)).toEqual({ machine: true, reason: `bounce: from ${from.split('@')[0]?.toLowerCase()}` });
  });

  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto_reply: auto-submitted auto-replied'],
    [{ 'auto-submitted': 'auto-generated' }, 'auto_reply: auto-submitted auto-generated'],
    [{ 'x-autoreply': 'yes' }, 'auto_reply: x-autoreply'],
    [{ 'x-autorespond': 'Out of office' }, 'auto_reply: x-autorespond'],
    [{ precedence: 'auto_reply' }, 'auto_reply: precedence auto_reply'],
    [{ precedence: 'Junk' }, 'auto_reply: precedence junk'],
  ])('catches the header %j', (headers, reason) => {
    expect(isMachineGenerated(headers, 'Báo cáo', 'a@b.vn')).toEqual({ machine: true, reason });
  });

  it('passes Precedence: list, which official mailing lists use', () => {
    expect(isMachineGenerated({ precedence: 'list' }, 'Thông báo', 'a@b.vn').machine).toBe(false);
  });

  it('passes Precedence: bulk, which mass-mailed circulars to every commune carry', () => {
    expect(isMachineGenerated({ precedence: 'bulk' }, 'Công văn số 125/UBND-VP', 'vanthu@sonminh.gov.vn')).toEqual({ machine: false, reason: null });
  });

  it.each([
    'Auto: Báo cáo quý III',
    'Tự động trả lời: V/v kế hoạch',
    'Trả lời tự động: V/v kế hoạch',
    'Out of Office: Kế hoạch',
    'Automatic reply: Kế hoạch',
    'Tu dong tra loi: ke hoach',
    'Undeliverable: Báo cáo',
  ])('catches the subject %j', (subject) => {
    expect(isMachineGenerated({}, subject, 'a@stc.sonminh.gov.vn').machine).toBe(true);
  });
});

describe('labels toward another receiver of the same mail', async () => {
  const { relabelForReceiver } = await import('../../src/domain/labels.js');
  const party = (agencyCode: string | null, agencyLevel: Party['agencyLevel'], kind: Party['kind'], address: string): Party => ({
    address, name: null, kind, agencyCode, agencyLevel, matchedBy: agencyCode ? 'address' : 'free_mail', roles: ['to'],
  });
  it('keeps form, digitization, signed and secret and recomputes only the flow with its evidence', () => {
    const sender = party('000.00.03.H30', 'department', 'agency', 'stc@sonminh.gov.vn');
    const toDept = party('000.00.02.H30', 'department', 'agency', 'snv@sonminh.gov.vn');
    const toCitizen = party(null, null, 'individual', 'dan@gmail.com');
    const base = labelExchange({ subject: 'Công văn', text: 'Bản chính gửi qua đường bưu điện.', attachments: [], sender, receiver: toDept, hasDocument: true, machineGenerated: false });
    const other = relabelForReceiver(base, sender, toCitizen);
    expect(base.labels.flow).toBe('inter_agency');
    expect(other.labels).toEqual({ ...base.labels, flow: 'with_individual' });
    expect(other.evidence.find((e) => e.label === 'flow')?.rule).toBe('flow.non_state');
    expect(other.evidence.find((e) => e.label === 'form')).toEqual(base.evidence.find((e) => e.label === 'form'));
  });
});

describe('folding a text joined from parts (the message body and its attachments) from the parts’ foldings', () => {
  const alphabet = ['a', 'B', 'ả', 'Ấ', 'đ', 'Đ', 'ư', '1', '-', '/', ' ', ' ', '\n', '\t', '\r\n', '\u00a0', '😀', 'e\u0301', '\u0300'];
  // A small deterministic generator: the same cases every run.
  let seed = 2026;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const part = () => Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('');

  it('gives the same folded text and the same source index for every folded character as folding the joined text', () => {
    for (let c = 0; c < 500; c++) {
      const parts = Array.from({ length: 1 + rand(5) }, part);
      const joined = parts.join('\n');
      const direct = foldForTest(joined);
      const starts: number[] = [];
      let at = 0;
      for (const p of parts) {
        starts.push(at);
        at += p.length + 1;
      }
      const composed = joinFolded(parts.map(foldForTest), starts);
      expect(composed.text).toBe(direct.text);
      for (let i = 0; i <= direct.text.length + 1; i++) expect(composed.at(i)).toBe(direct.at(i));
    }
  });

  it('labels the same with the parts given as without', () => {
    const parts = ['Kính gửi các sở.\n', '  Bản chính sẽ được gửi\nqua đường bưu điện.', '', 'ĐỘ MẬT: Mật\n'];
    const base = { subject: 'Công văn', attachments: [], sender: stc, receiver: ppc, hasDocument: true, machineGenerated: false };
    const joined = labelExchange({ ...base, text: parts.join('\n') });
    expect(labelExchange({ ...base, text: parts.join('\n'), textParts: parts })).toEqual(joined);
    expect(joined.labels).toMatchObject({ form: 'hybrid', secret: true });
  });
});
