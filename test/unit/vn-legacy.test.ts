// Legacy Vietnamese encodings (src/domain/vn-legacy.ts): the TCVN3, VNI and windows-1258 tables
// over every Vietnamese letter, detection on administrative text, and the texts it must leave alone.
import { describe, expect, it } from 'vitest';
import {
  VIETNAMESE_LETTERS,
  decodeByFont,
  decodeTcvn3,
  decodeVni,
  decodeWindows1258,
  decodeWindows1258Misread,
  detectLegacyEncoding,
  encodeTcvn3,
  encodeVni,
  encodeWindows1258,
  fontEncoding,
  isVietnameseSyllable,
  repairVietnamese,
} from '../../src/domain/vn-legacy.js';
import { extractRefs, splitRefs } from '../../src/domain/refs.js';

const LOWER = VIETNAMESE_LETTERS.slice(0, 67);
const UPPER = VIETNAMESE_LETTERS.slice(67);
/** The capitals TCVN3 (VN3) has codes of its own for. */
const TCVN3_CAPITALS = ['Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ'];

/** What a program that read 8-bit bytes as windows-1252 shows (mailparser with charset=windows-1252). */
const as1252 = (bytes: Buffer) => new TextDecoder('windows-1252').decode(bytes);

describe('the Vietnamese alphabet', () => {
  it('has 134 letters outside ASCII, 67 small and their 67 capitals, all distinct and in NFC', () => {
    expect(VIETNAMESE_LETTERS).toHaveLength(134);
    expect(new Set(VIETNAMESE_LETTERS).size).toBe(134);
    for (const c of VIETNAMESE_LETTERS) {
      expect(c.normalize('NFC')).toBe(c);
      expect(c).toHaveLength(1);
    }
    expect(UPPER).toEqual(LOWER.map((c) => c.toUpperCase()));
    expect(LOWER).toContain('đ');
    expect(LOWER).toContain('ỵ');
    expect(LOWER.join('')).toContain('ăằắẳẵặ');
  });
});

describe('TCVN3 (ABC, .VnTime)', () => {
  it('agrees with glibc TCVN5712-1 on every byte VN3 uses', () => {
    // The VN3 bytes, and what `iconv -f TCVN5712-1 -t UTF-8` gives for them.
    const bytes = '¡¢£¤¥¦§¨©ª«¬\u00ad®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ';
    const glibc = 'ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ';
    expect(decodeTcvn3(bytes)).toBe(glibc);
    expect(encodeTcvn3(glibc)).toBe(bytes);
  });

  it('round-trips every small letter and the seven capitals it has codes for, one byte each', () => {
    const codes = new Set<string>();
    for (const c of [...LOWER, ...TCVN3_CAPITALS]) {
      const enc = encodeTcvn3(c);
      expect(enc).toHaveLength(1);
      expect(enc.charCodeAt(0)).toBeGreaterThanOrEqual(0xa1);
      expect(enc.charCodeAt(0)).toBeLessThanOrEqual(0xfe);
      codes.add(enc);
      expect(decodeTcvn3(enc)).toBe(c);
    }
    expect(codes.size).toBe(74);
  });

  it('writes the other capitals with the small letter\'s code, as .VnTime typists did', () => {
    for (const c of UPPER.filter((u) => !TCVN3_CAPITALS.includes(u))) {
      expect(encodeTcvn3(c)).toBe(encodeTcvn3(c.toLowerCase()));
      expect(decodeTcvn3(encodeTcvn3(c))).toBe(c.toLowerCase());
    }
    expect(encodeTcvn3('Ủy ban')).toBe('ñy ban');
  });

  it('round-trips every capital through an upper-case font (.VnTimeH)', () => {
    for (const c of UPPER) expect(decodeTcvn3(encodeTcvn3(c, { upper: true }), { upper: true })).toBe(c);
    const heading = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
    const typed = encodeTcvn3(heading, { upper: true });
    expect(typed).toBe('céng hßa x· héi chñ nghÜa viÖt nam');
    expect(decodeTcvn3(typed, { upper: true })).toBe(heading);
    expect(decodeByFont('uû ban nh©n d©n', '.VnTimeH')).toBe('UỶ BAN NHÂN DÂN');
  });

  it('reads the samples agencies send', () => {
    expect(decodeTcvn3('Uû ban nh©n d©n')).toBe('Uỷ ban nhân dân');
    expect(decodeTcvn3('C«ng v¨n')).toBe('Công văn');
    expect(decodeTcvn3('§éc lËp - Tù do - H¹nh phóc')).toBe('Độc lập - Tự do - Hạnh phúc');
    expect(decodeTcvn3('N§-CP')).toBe('NĐ-CP');
  });

  it('reads VN1 capitals in the positions VN3 leaves free, and leaves windows-1252 quotes and dashes', () => {
    expect(decodeTcvn3('\u00c0n')).toBe('Ắn');
    expect(decodeTcvn3('\u201cb¸o c¸o\u201d \u2013 30\u00b0C')).toBe('\u201cbáo cáo\u201d \u2013 30\u00b0C');
  });

  it('reads symbol-font codes from the private-use area (U+F0xx) as their bytes', () => {
    expect(decodeTcvn3('C\uf0abng v\uf0a8n')).toBe('Công văn');
  });
});

describe('VNI (VNI-Times)', () => {
  it('round-trips every one of the 134 letters', () => {
    for (const c of VIETNAMESE_LETTERS) {
      const enc = encodeVni(c);
      expect(enc.length).toBeGreaterThanOrEqual(1);
      expect(enc.length).toBeLessThanOrEqual(2);
      expect(decodeVni(enc)).toBe(c);
    }
  });

  it('reads the samples agencies send, and capitals with small marks', () => {
    expect(decodeVni('Coâng vaên')).toBe('Công văn');
    expect(decodeVni('UÛy ban nhaân daân')).toBe('Ủy ban nhân dân');
    expect(decodeVni('ñöôïc ngöôøi')).toBe('được người');
    expect(decodeVni('COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM')).toBe('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(decodeVni('Aù Eâ')).toBe('Á Ê');
    expect(decodeVni('QÑ-UBND')).toBe('QĐ-UBND');
  });

  it('encodes capitals as the small spelling upper-cased', () => {
    expect(encodeVni('Ủy ban')).toBe('UÛy ban');
    expect(encodeVni('ĐỘC LẬP')).toBe('ÑOÄC LAÄP');
  });
});

describe('windows-1258', () => {
  it('round-trips every letter through the code page (iconv-lite), precomposed or with a combining tone', () => {
    for (const c of VIETNAMESE_LETTERS) {
      const bytes = encodeWindows1258(c);
      expect(bytes.length).toBeLessThanOrEqual(2);
      expect(decodeWindows1258(bytes)).toBe(c);
      // The same bytes shown as windows-1252 mojibake, then repaired.
      expect(decodeWindows1258Misread(as1252(bytes))).toBe(c);
    }
  });

  it('uses a combining tone mark where the code page has no precomposed letter', () => {
    expect([...encodeWindows1258('ệ')]).toEqual([0xea, 0xf2]);
    expect([...encodeWindows1258('à')]).toEqual([0xe0]);
    expect(as1252(encodeWindows1258('Việt Nam'))).toBe('Viêòt Nam');
  });
});

describe('fonts', () => {
  it('tells the encoding and the capitals-only fonts by name', () => {
    expect(fontEncoding('.VnTime')).toEqual({ encoding: 'tcvn3', upper: false });
    expect(fontEncoding('.VnArial')).toEqual({ encoding: 'tcvn3', upper: false });
    expect(fontEncoding('.VnTimeH')).toEqual({ encoding: 'tcvn3', upper: true });
    expect(fontEncoding('.VnArial NarrowH')).toEqual({ encoding: 'tcvn3', upper: true });
    expect(fontEncoding("'.VnTime'")).toEqual({ encoding: 'tcvn3', upper: false });
    expect(fontEncoding('VNI-Times')).toEqual({ encoding: 'vni', upper: false });
    expect(fontEncoding('VNI-Helve')).toEqual({ encoding: 'vni', upper: false });
    for (const f of ['Times New Roman', 'Arial', 'Vn', 'Calibri', '', null, undefined]) expect(fontEncoding(f)).toBeNull();
  });

  it('decodes by font and leaves text in other fonts as it is', () => {
    expect(decodeByFont('C«ng v¨n', '.VnTime')).toBe('Công văn');
    expect(decodeByFont('Coâng vaên', 'VNI-Times')).toBe('Công văn');
    expect(decodeByFont('Công văn', 'Times New Roman')).toBe('Công văn');
    // Converted to Unicode with Unikey but still named .VnTime: left as it is.
    expect(decodeByFont('Công văn số 12', '.VnTime')).toBe('Công văn số 12');
  });
});

describe('Vietnamese syllables', () => {
  it('accepts well-formed syllables', () => {
    for (const w of ['công', 'văn', 'số', 'nghĩa', 'quốc', 'quyết', 'gì', 'giữa', 'uỷ', 'ủy', 'khuya', 'thuở', 'người', 'được', 'tỉnh', 'huyện', 'xã', 'kính', 'ký', 'oanh', 'khoẻ', 'Việt', 'ĐỘC']) {
      expect(isVietnameseSyllable(w), w).toBe(true);
    }
  });

  it('rejects what no Vietnamese syllable is', () => {
    for (const w of ['école', 'für', 'très', 'año', 'ubnd', 'strasse', 'â', 'ăi', 'họcs', 'cê', 'kan', 'ghô', 'bảt', 'hàt', 'fỹ', 'à̀a', 'x2']) {
      expect(isVietnameseSyllable(w), w).toBe(false);
    }
  });
});

// Administrative sentences: capitals only where TCVN3 has them (ASCII, Ă Â Ê Ô Ơ Ư Đ).
const SENTENCES = [
  'Kính gửi: Sở Tài chính tỉnh Sơn Minh',
  'Thực hiện Công văn số 2888/UBND-VX ngày 12 tháng 12 năm 2013 của UBND tỉnh về tăng cường sử dụng văn bản điện tử.',
  'Đề nghị các cơ quan, đơn vị báo cáo kết quả thực hiện trước ngày 15 tháng 10 năm 2026.',
  'Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;',
  'Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Giám đốc các sở, ban, ngành chịu trách nhiệm thi hành.',
  'Nơi nhận: Như trên; Lưu: VT, VP.',
  'V/v báo cáo tình hình sử dụng thư điện tử công vụ quý III năm 2026',
  'Độc lập - Tự do - Hạnh phúc',
  'Sở Giáo dục và Đào tạo hướng dẫn các trường triển khai kế hoạch năm học mới.',
  'Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy đảng quán triệt, tổ chức thực hiện nghiêm túc Chỉ thị.',
  'Tờ trình số 45/TTr-SNV về việc phê duyệt đề án vị trí việc làm',
  'Thông báo kết luận của Chủ tịch UBND tỉnh tại cuộc họp ngày 20/8/2026',
];

describe('detection and repair of administrative text', () => {
  it.each(SENTENCES)('TCVN3: %s', (s) => {
    const found = detectLegacyEncoding(encodeTcvn3(s));
    expect(found.encoding).toBe('tcvn3');
    expect(found.confidence).toBeGreaterThanOrEqual(0.5);
    expect(repairVietnamese(encodeTcvn3(s))).toMatchObject({ text: s, encoding: 'tcvn3' });
  });

  it.each(SENTENCES)('VNI: %s', (s) => {
    expect(repairVietnamese(encodeVni(s))).toMatchObject({ text: s, encoding: 'vni' });
  });

  it.each(SENTENCES)('windows-1258 read as windows-1252: %s', (s) => {
    expect(repairVietnamese(as1252(encodeWindows1258(s)))).toMatchObject({ text: s, encoding: 'windows-1258' });
  });

  it('repairs a whole letter in each encoding, capitals and all for VNI and windows-1258', () => {
    const letter = [
      'ỦY BAN NHÂN DÂN TỈNH SƠN MINH',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      ...SENTENCES,
    ].join('\r\n');
    expect(repairVietnamese(encodeVni(letter)).text).toBe(letter);
    expect(repairVietnamese(as1252(encodeWindows1258(letter))).text).toBe(letter);
    // TCVN3 in .VnTime has no code for Ỷ, Ỉ, Ộ …: those capitals come back small.
    expect(repairVietnamese(encodeTcvn3(letter)).text).toBe(decodeTcvn3(encodeTcvn3(letter)));
    expect(repairVietnamese(encodeTcvn3(letter)).text).toContain('Độc lập - Tự do - Hạnh phúc');
  });

  it('finds the reference in a TCVN3 subject once repaired: 123/UBND-VX, a Công văn', () => {
    const { text, encoding } = repairVietnamese('C«ng v¨n sè 123/UBND-VX');
    expect(encoding).toBe('tcvn3');
    expect(text).toBe('Công văn số 123/UBND-VX');
    const refs = extractRefs(text);
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ ref: '123/UBND-VX', kind: 'Công văn' });
    expect(splitRefs(text).transmitted.map((r) => r.ref)).toEqual(['123/UBND-VX']);
  });

  it('finds a Quyết định in VNI once repaired, with its Đ', () => {
    const { text } = repairVietnamese(encodeVni('Quyết định số 15/QĐ-UBND ngày 02/01/2026 của UBND tỉnh'));
    expect(extractRefs(text)[0]).toMatchObject({ ref: '15/QĐ-UBND', kind: 'Quyết định', date: '2026-01-02' });
  });

  it('converts a short subject', () => {
    expect(repairVietnamese(encodeTcvn3('Thông báo')).text).toBe('Thông báo');
    expect(repairVietnamese(encodeTcvn3('Báo cáo tháng 9')).text).toBe('Báo cáo tháng 9');
    expect(repairVietnamese(encodeVni('Giấy mời họp')).text).toBe('Giấy mời họp');
  });

  it('keeps Unicode lines (a quoted reply) inside a TCVN3 body', () => {
    const body = [encodeTcvn3('Đề nghị các đơn vị báo cáo kết quả thực hiện.'), '> Vào ngày 10/8, Sở Nội vụ đã viết:', '> Kính gửi các cơ quan, đơn vị.'].join('\n');
    const r = repairVietnamese(body);
    expect(r.encoding).toBe('tcvn3');
    expect(r.text).toBe('Đề nghị các đơn vị báo cáo kết quả thực hiện.\n> Vào ngày 10/8, Sở Nội vụ đã viết:\n> Kính gửi các cơ quan, đơn vị.');
  });

  it('reads only a sample of a long text to decide, and converts all of it quickly', () => {
    const long = encodeTcvn3(SENTENCES.join('\n') + '\n').repeat(2000);
    const t0 = Date.now();
    const r = repairVietnamese(long);
    expect(r.encoding).toBe('tcvn3');
    expect(r.text.endsWith('Thông báo kết luận của Chủ tịch UBND tỉnh tại cuộc họp ngày 20/8/2026\n')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('text that is not legacy-encoded Vietnamese is left alone', () => {
  const NEGATIVE: Array<[string, string]> = [
    ['Unicode Vietnamese', SENTENCES.join('\n')],
    ['Unicode Vietnamese, decomposed (NFD)', SENTENCES.join('\n').normalize('NFD')],
    ['Unicode Vietnamese capitals', 'ỦY BAN NHÂN DÂN TỈNH SƠN MINH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc'],
    ['Unicode short words', 'Là và có ở đó, ý tôi là thế à?'],
    ['English', 'Dear colleagues, please find attached the quarterly report. The meeting is on Monday at 9:00. Best regards.'],
    ['English with Latin-1 symbols', 'The price is £50 (about €58), © 2024 Café Ltd. Temperature 30°C ± 2°, ½ cup, résumé and naïve coöperation.'],
    ['French', "Où est la forêt ? C'est là-bas, près de l'hôtel. Il était une fois un élève très doué qui aimait le théâtre et les crêpes à la crème. Voilà, déjà fini, à bientôt !"],
    ['German', 'Die Größe der Straße überrascht. Für schöne Mädchen und Jungen gibt es ein Geschäft mit Äpfeln, Öl und Süßigkeiten. Grüße aus Köln.'],
    ['Spanish', 'El niño está en la habitación. Mañana iremos a la playa, también con José y María. ¿Dónde está el baño? ¡Qué día más bonito!'],
    ['Portuguese', 'A informação não está disponível. São Paulo e João vão à praça amanhã; a mãe e as irmãs também estão lá.'],
    ['Italian', 'Però la città è bella; può darsi che lui sia già lì. Così è la vita, perché no?'],
    ['Swedish', 'Jag bor på en gård, så vi går dit och är glada över det. Må bra och hälsa på oss nästa år.'],
    ['Latin-1 punctuation', '«Bonjour» — ¿qué? ¡Sí! · § 3 ¶ 2 ª º ¹ ² ³ ¼ ¾ × ÷ ¬ ¯ ´ ¸ ¨'],
    ['numbers and codes', '2888/UBND-VX 43/2011/NĐ-CP 59-CV/TU 0123456789 H30.21 000.00.00.H30'],
    ['empty', ''],
  ];

  it.each(NEGATIVE)('%s', (_name, text) => {
    const found = detectLegacyEncoding(text);
    expect(found.encoding).toBeNull();
    expect(found.confidence).toBeLessThan(0.5);
    expect(repairVietnamese(text)).toEqual({ text: text.normalize('NFC'), encoding: null, confidence: found.confidence });
  });
});
