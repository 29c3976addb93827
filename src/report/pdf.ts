// The report as an A4 PDF (pdf-lib), from the report model: the administrative heading in two
// columns, the title, the summary, a table per KPI with its chart, the ranking, the agencies below
// target, and an appendix with every agency's figures; page numbers at the foot. DejaVu Serif is
// embedded as subsets with a ToUnicode map, so the Vietnamese text is selectable, searchable and
// extractable (the tests read it back with pdfjs-dist). Margins after Nghị định 30/2020/NĐ-CP
// (left 30 mm, right 20 mm, top and bottom 20 mm). Pure apart from the font files (fonts.ts); the
// output is the same for the same model (dates are the model's issue date).
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import type { KpiId } from '../domain/kpi.js';
import type { ChartImage } from './chart.js';
import { fontBytes } from './fonts.js';
import { formatInt, formatPercent, formatPoints, type ReportLang } from './format.js';
import { rt } from './i18n.js';
import type { KpiSection, ReportModel } from './model.js';

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const ML = 85;
const MR = 57;
const MT = 57;
const MB = 62;
const CW = PAGE_W - ML - MR;

const BLACK = rgb(0.07, 0.07, 0.07);
const GREY = rgb(0.37, 0.42, 0.48);
const RED = rgb(0.7, 0.15, 0.12);
const GREEN = rgb(0.08, 0.42, 0.18);
const HEAD_BG = rgb(0.91, 0.93, 0.95);
const RULE = rgb(0.6, 0.64, 0.69);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
}

type Align = 'left' | 'center' | 'right';

interface Cell {
  text: string;
  align?: Align;
  bold?: boolean;
  color?: ReturnType<typeof rgb>;
}

/** A page writer: a cursor going down, new pages as needed. */
class Writer {
  page!: PDFPage;
  y = 0;
  constructor(
    readonly doc: PDFDocument,
    readonly f: Fonts,
  ) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage([PAGE_W, PAGE_H]);
    this.y = PAGE_H - MT;
  }

  /** Room for `h` more points on this page, else a new page. */
  ensure(h: number): void {
    if (this.y - h < MB) this.newPage();
  }

  /** Widths by font, size and text: pdf-lib lays out with fontkit on every call, and words repeat. */
  private widths = new Map<PDFFont, Map<string, number>>();

  width(text: string, font: PDFFont, size: number): number {
    let m = this.widths.get(font);
    if (!m) {
      m = new Map();
      this.widths.set(font, m);
    }
    const key = `${size}|${text}`;
    let w = m.get(key);
    if (w === undefined) {
      w = font.widthOfTextAtSize(text, size);
      if (m.size > 50_000) m.clear();
      m.set(key, w);
    }
    return w;
  }

  /** Lines of `text` that fit `max` points (words never split unless one is wider than a line). */
  wrap(text: string, font: PDFFont, size: number, max: number): string[] {
    const out: string[] = [];
    for (const para of text.split('\n')) {
      let line = '';
      for (const word of para.split(/\s+/).filter(Boolean)) {
        const next = line ? `${line} ${word}` : word;
        if (this.width(next, font, size) <= max || !line) line = next;
        else {
          out.push(line);
          line = word;
        }
      }
      out.push(line);
    }
    return out;
  }

  drawLine(text: string, x: number, baseline: number, font: PDFFont, size: number, color = BLACK, align: Align = 'left', boxW = 0): void {
    const w = this.width(text, font, size);
    const dx = align === 'center' ? (boxW - w) / 2 : align === 'right' ? boxW - w : 0;
    this.page.drawText(text, { x: x + dx, y: baseline, size, font, color });
  }

  /** A paragraph at the cursor, wrapped to the content width. */
  para(text: string, o: { size?: number; font?: PDFFont; color?: ReturnType<typeof rgb>; align?: Align; indent?: number; after?: number } = {}): void {
    const size = o.size ?? 12;
    const font = o.font ?? this.f.regular;
    const lead = size * 1.35;
    const indent = o.indent ?? 0;
    for (const line of this.wrap(text, font, size, CW - indent)) {
      this.ensure(lead);
      this.y -= lead;
      this.drawLine(line, ML + indent, this.y + size * 0.28, font, size, o.color ?? BLACK, o.align ?? 'left', CW - indent);
    }
    this.y -= o.after ?? 4;
  }

  heading(text: string, size = 12.5): void {
    this.ensure(size * 4);
    this.y -= 6;
    this.para(text, { size, font: this.f.bold, after: 3 });
  }

  /** A table with a header row repeated on each page; cells wrap. */
  table(widths: number[], head: Cell[], rows: Cell[][], o: { size?: number } = {}): void {
    const size = o.size ?? 10;
    const lead = size * 1.25;
    const pad = 3;
    const layout = (cells: Cell[], bold: boolean) => {
      const lines = cells.map((c, i) => this.wrap(c.text, c.bold || bold ? this.f.bold : this.f.regular, size, (widths[i] ?? 40) - 2 * pad));
      return { lines, h: Math.max(...lines.map((l) => l.length)) * lead + 2 * pad };
    };
    const draw = (cells: Cell[], bold: boolean, bg: boolean, laid = layout(cells, bold)) => {
      const { lines, h } = laid;
      let x = ML;
      const top = this.y;
      cells.forEach((c, i) => {
        const w = widths[i] ?? 40;
        if (bg) this.page.drawRectangle({ x, y: top - h, width: w, height: h, color: HEAD_BG });
        this.page.drawRectangle({ x, y: top - h, width: w, height: h, borderColor: RULE, borderWidth: 0.6 });
        (lines[i] ?? []).forEach((l, j) => {
          this.drawLine(l, x + pad, top - pad - (j + 1) * lead + size * 0.3, c.bold || bold ? this.f.bold : this.f.regular, size, c.color ?? BLACK, c.align ?? (bold ? 'center' : 'left'), w - 2 * pad);
        });
        x += w;
      });
      this.y -= h;
    };
    const headH = layout(head, true).h;
    this.ensure(headH + lead * 2 + 2 * pad);
    draw(head, true, true);
    for (const r of rows) {
      const laid = layout(r, false);
      if (this.y - laid.h < MB) {
        this.newPage();
        draw(head, true, true);
      }
      draw(r, false, false, laid);
    }
    this.y -= 8;
  }

  image(img: PDFImage, widthPx: number, heightPx: number): void {
    const w = Math.min(CW, widthPx * 0.7);
    const h = (heightPx / widthPx) * w;
    this.ensure(h + 6);
    this.y -= h + 4;
    this.page.drawImage(img, { x: ML + (CW - w) / 2, y: this.y, width: w, height: h });
    this.y -= 6;
  }
}

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII'];
const APPENDIX_KPIS: KpiId[] = ['K1', 'K1s', 'K4e', 'K4h', 'K5', 'K6', 'K7'];

function statusCell(k: KpiSection, i: number, lang: ReportLang): Cell {
  const r = k.rows[i];
  if (!r) return { text: '' };
  // The ratio column already says that a paper register is needed.
  if (r.needsPaperRegister) return { text: '—', align: 'center', color: GREY };
  if (r.met === true) return { text: rt(lang, 'met'), color: GREEN, bold: true };
  if (r.met === false) return { text: rt(lang, 'below'), color: RED, bold: true };
  return { text: '—', align: 'center' };
}

function heading(w: Writer, m: ReportModel): void {
  const f = w.f;
  const hd = m.heading;
  const leftW = CW * 0.44;
  const rightW = CW - leftW;
  const size = 11;
  const lead = size * 1.3;
  // Each column keeps a gutter: the two headings never touch, as in the printed form.
  const gutter = 10;
  const left: Array<[string, PDFFont]> = [];
  if (hd.parentIssuer) for (const l of w.wrap(hd.parentIssuer, f.regular, size, leftW - gutter)) left.push([l, f.regular]);
  for (const l of w.wrap(hd.issuer, f.bold, size, leftW - gutter)) left.push([l, f.bold]);
  // The national heading is one line by rule: a line wider than its column is set smaller.
  const fit = (t: string, font: PDFFont, max: number) => Math.min(max, (max * (rightW - gutter)) / w.width(t, font, max));
  const right: Array<[string, PDFFont, number]> = [
    [hd.nation, f.bold, fit(hd.nation, f.bold, size)],
    [hd.motto, f.bold, fit(hd.motto, f.bold, size + 0.5)],
  ];
  const top = w.y;
  left.forEach(([t, font], i) => w.drawLine(t, ML, top - (i + 1) * lead, font, size, BLACK, 'center', leftW - gutter));
  right.forEach(([t, font, s], i) => w.drawLine(t, ML + leftW + gutter, top - (i + 1) * lead, font, s, BLACK, 'center', rightW - gutter));
  const ruleL = top - left.length * lead - 5;
  const lc = ML + (leftW - gutter) / 2;
  w.page.drawLine({ start: { x: lc - 30, y: ruleL }, end: { x: lc + 30, y: ruleL }, thickness: 0.7, color: BLACK });
  const ruleR = top - 2 * lead - 5;
  const mw = w.width(hd.motto, f.bold, (right[1] as [string, PDFFont, number])[2]);
  const rx = ML + leftW + gutter;
  w.page.drawLine({ start: { x: rx + (rightW - gutter - mw) / 2, y: ruleR }, end: { x: rx + (rightW - gutter + mw) / 2, y: ruleR }, thickness: 0.7, color: BLACK });
  w.drawLine(`${rt(m.lang, 'number')}: ${hd.number}`, ML, ruleL - lead, f.regular, size, BLACK, 'center', leftW - gutter);
  w.drawLine(hd.placeDate, rx, ruleR - lead, f.italic, fit(hd.placeDate, f.italic, size), BLACK, 'center', rightW - gutter);
  w.y = Math.min(ruleL, ruleR) - lead - 14;
  w.para(rt(m.lang, 'titlePrefix').toUpperCase(), { size: 13.5, font: f.bold, align: 'center', after: 0 });
  w.para(m.periodTitle, { size: 13, font: f.bold, align: 'center', after: 0 });
  if (m.subtitle) w.para(m.subtitle, { size: 12.5, font: f.bold, align: 'center', after: 0 });
  w.y -= 10;
}

/** The report as an A4 PDF, with the charts of `charts` embedded. */
export async function renderReportPdf(m: ReportModel, charts: ChartImage[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f: Fonts = {
    regular: await doc.embedFont(fontBytes('serif'), { subset: true, features: { liga: false } }),
    bold: await doc.embedFont(fontBytes('serifBold'), { subset: true, features: { liga: false } }),
    italic: await doc.embedFont(fontBytes('serifItalic'), { subset: true, features: { liga: false } }),
  };
  const issued = new Date(`${m.heading.issuedOn}T00:00:00+07:00`);
  doc.setTitle(m.subtitle ? `${m.title} — ${m.subtitle}` : m.title, { showInWindowTitleBar: true });
  doc.setAuthor(m.heading.issuer);
  doc.setSubject(`${m.heading.number} — ${m.period}`);
  doc.setLanguage(m.lang === 'vi' ? 'vi-VN' : 'en');
  doc.setCreator('edocwatch');
  doc.setProducer('edocwatch (pdf-lib)');
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  const images = new Map<string, { img: PDFImage; c: ChartImage }>();
  for (const c of charts) images.set(c.id, { img: await doc.embedPng(c.png), c });

  const lang = m.lang;
  const w = new Writer(doc, f);
  heading(w, m);
  let sec = 0;
  const h2 = (key: string) => w.heading(`${ROMAN[sec++]}. ${rt(lang, key).toUpperCase()}`);

  h2('section.summary');
  for (const p of m.summary) w.para(p, { size: 12, indent: 0, after: 5 });

  h2('section.kpis');
  const widths = [CW * 0.26, CW * 0.12, CW * 0.12, CW * 0.17, CW * 0.14, CW * 0.19];
  for (const k of m.kpis) {
    w.heading(`${k.id}. ${k.name} (${rt(lang, 'directive')} 15/CT-TTg, ${k.clause})`, 11.5);
    w.para(k.measure, { size: 10.5, font: f.italic, color: GREY, after: 2 });
    w.table(
      widths,
      [rt(lang, 'scope'), rt(lang, 'numerator'), rt(lang, 'denominator'), rt(lang, 'ratio'), rt(lang, 'target'), rt(lang, 'status')].map((text) => ({ text })),
      k.rows.map((r, i) => [
        { text: r.label },
        { text: formatInt(r.numerator, lang), align: 'right' },
        { text: formatInt(r.denominator, lang), align: 'right' },
        { text: r.display, align: 'right' },
        { text: k.target?.text ?? '—', align: 'right' },
        statusCell(k, i, lang),
      ]),
    );
    if (k.k7)
      w.para(`${rt(lang, 'accounts')}: ${formatInt(k.k7.accounts, lang)}; ${rt(lang, 'activeAccounts')}: ${formatInt(k.k7.activeAccounts, lang)}; ${rt(lang, 'sent')}: ${formatInt(k.k7.sent, lang)}; ${rt(lang, 'received')}: ${formatInt(k.k7.received, lang)}.`, { size: 11 });
    const trend = k.trend.map((t) => `${rt(lang, t.kind)} (${t.label}): ${formatPercent(t.ratio, lang)}${t.delta === null ? '' : ` (${formatPoints(t.delta, lang)})`}`).join('; ');
    if (trend) w.para(`${trend}.`, { size: 11 });
    if (k.below.length) w.para(`${rt(lang, 'below')} (${formatInt(k.below.length, lang)}): ${k.below.map((b) => `${b.name} (${formatPercent(b.ratio, lang)})`).join('; ')}.`, { size: 11, color: RED });
    const img = k.chartId ? images.get(k.chartId) : undefined;
    if (img) w.image(img.img, img.c.width, img.c.height);
  }

  if (m.ranking) {
    h2('section.ranking');
    const img = images.get('ranking');
    if (m.ranking.rows.length === 0) w.para(rt(lang, 'none'));
    else {
      w.para(`${m.ranking.by}: ${m.ranking.name}.`, { size: 11.5 });
      if (img) w.image(img.img, img.c.width, img.c.height);
    }
  }
  if (m.scope.kind === 'province') {
    h2('section.below');
    if (m.belowTarget.length === 0) w.para(rt(lang, 'none'));
    else
      w.table(
        [CW * 0.5, CW * 0.22, CW * 0.28],
        [rt(lang, 'agency'), rt(lang, 'code'), rt(lang, 'belowKpis')].map((text) => ({ text })),
        m.belowTarget.map((b) => [{ text: b.name }, { text: b.code }, { text: b.kpis.join(', '), color: RED }]),
      );
  }
  h2('section.notes');
  for (const n of m.notes) w.para(`– ${n}`, { size: 11, after: 2 });
  if (m.signer) {
    w.ensure(110);
    w.y -= 18;
    w.drawLine(m.signer.title.toUpperCase(), ML + CW / 2, w.y, f.bold, 12, BLACK, 'center', CW / 2);
    w.drawLine(m.signer.name, ML + CW / 2, w.y - 80, f.bold, 12, BLACK, 'center', CW / 2);
    w.y -= 90;
  }

  if (m.scope.kind === 'province' && m.agencies.length > 0) {
    w.newPage();
    w.heading(`${lang === 'vi' ? 'PHỤ LỤC' : 'APPENDIX'}: ${rt(lang, 'section.agencies').toUpperCase()}`);
    const aw = (CW - 150) / APPENDIX_KPIS.length;
    w.table(
      [150, ...APPENDIX_KPIS.map(() => aw)],
      [{ text: rt(lang, 'agency') }, ...APPENDIX_KPIS.map((k) => ({ text: k }))],
      m.agencies.map((a) => [
        { text: `${a.name} (${a.code})` },
        ...APPENDIX_KPIS.map((k): Cell => {
          const v = a.kpis[k];
          return { text: `${v.needsPaperRegister ? '—' : formatPercent(v.ratio, lang)}\n${formatInt(v.numerator, lang)}/${formatInt(v.denominator, lang)}`, align: 'right', color: v.met === false ? RED : BLACK };
        }),
      ]),
      { size: 8 },
    );
  }

  const pages = doc.getPages();
  pages.forEach((p, i) => {
    const label = `${rt(lang, 'page')} ${i + 1}/${pages.length}`;
    const size = 9;
    p.drawText(label, { x: ML + (CW - f.regular.widthOfTextAtSize(label, size)) / 2, y: 30, size, font: f.regular, color: GREY });
  });
  return Buffer.from(await doc.save({ useObjectStreams: true }));
}
