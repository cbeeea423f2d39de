// Hostile inputs for the parser fuzz test (test/data/fuzz.test.ts), all drawn from the seeded Random of
// src/data/random.ts so every failure replays from its case number: generated VOC XML, COCO JSON and LST text
// with hostile values in every field, text and byte mutations of them (truncations, flips, inserted, deleted,
// duplicated and amplified spans, hostile tokens), and handcrafted attacks (deep nesting, entity bombs, huge
// documents, wrong JSON types, duplicated keys, image headers claiming huge sizes).
import { crc32 } from 'node:zlib';
import { Random } from '../../src/data/random.js';

/** Number-like text that parsers get wrong: non-finite, overflowing, signed zero, hex, locale digits... */
export const HOSTILE_NUMBERS: readonly string[] = [
  'NaN', 'Infinity', '-Infinity', '-1', '0', '-0', '1e400', '-1e400', '1e-400', '9'.repeat(400), '0x10', '1e308',
  '4294967296', '9007199254740993', '1.5', '.5', '5.', '1_000', '+7', ' 12 ', '', '  ', 'abc', '12abc', '١٢',
  '\u00a012', 'null', 'true', '0b11', '1e5', '-5e-324', '100000', '2147483648', '1,5', '0.9999999999999999',
];

/** Odd characters: NUL, CR/LF, BOM, replacement char, a lone surrogate, an astral emoji, markup. */
const ODD_CHARS: readonly string[] = ['\u0000', '\r', '\n', '\r\n', '\t', ' ', '\ufeff', '\ufffd', '\ud800', '\udfff', '😀', '<', '>', '&', '"', "'", '/', '\\', '[', ']', '{', '}', ',', ':', '\u2028', '\u0085', '\x7f', '\xff'];

export function pick<T>(rng: Random, items: readonly T[]): T {
  return rng.choice(items);
}

function randomChars(rng: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.random();
    if (r < 0.5) s += String.fromCharCode(32 + rng.randrange(95));
    else if (r < 0.8) s += pick(rng, ODD_CHARS);
    else s += String.fromCharCode(rng.randrange(0x10000));
  }
  return s;
}

/** Characters at which a truncation cuts a structure in half. */
const STRUCTURAL = new Set(['<', '>', '/', '"', ',', '{', '}', '[', ']', ':', '\t', '\n', '&', ';', '=', ' ']);
/** Largest text a mutation may grow to (the parsers' size limits are tested by the handcrafted cases). */
const MAX_MUTATED = 1 << 21;

function mutateOnce(rng: Random, s: string, tokens: readonly string[]): string {
  const at = (): number => rng.randrange(s.length + 1);
  const span = (): [number, number] => {
    const a = at();
    return [a, Math.min(s.length, a + 1 + rng.randrange(rng.bernoulli(0.8) ? 16 : 400))];
  };
  switch (rng.randrange(11)) {
    case 0: // truncate anywhere
      return s.slice(0, at());
    case 1: {
      // truncate just before or after a structural character
      const marks: number[] = [];
      for (let i = 0; i < s.length; i++) if (STRUCTURAL.has(s[i]!)) marks.push(i);
      if (marks.length === 0) return s.slice(0, at());
      return s.slice(0, pick(rng, marks) + rng.randrange(2));
    }
    case 2: {
      const [a, b] = span();
      return s.slice(0, a) + s.slice(b);
    }
    case 3: {
      const [a, b] = span();
      return s.slice(0, b) + s.slice(a, b) + s.slice(b);
    }
    case 4: {
      const p = at();
      return s.slice(0, p) + pick(rng, tokens) + s.slice(p);
    }
    case 5: {
      const p = at();
      return s.slice(0, p) + randomChars(rng, 1 + rng.randrange(8)) + s.slice(p);
    }
    case 6: {
      // flip one character
      if (s.length === 0) return randomChars(rng, 1);
      const p = rng.randrange(s.length);
      return s.slice(0, p) + randomChars(rng, 1) + s.slice(p + 1);
    }
    case 7: {
      // replace a run of digits by a hostile number
      const runs = [...s.matchAll(/[0-9.]+/g)];
      if (runs.length === 0) return s + pick(rng, HOSTILE_NUMBERS);
      const m = pick(rng, runs);
      return s.slice(0, m.index) + pick(rng, HOSTILE_NUMBERS) + s.slice(m.index + m[0].length);
    }
    case 8: {
      // swap two spans
      const [a, b] = span();
      const [c, d] = span();
      if (b > c) return s.slice(c, d) + s.slice(0, c) + s.slice(d);
      return s.slice(0, a) + s.slice(c, d) + s.slice(b, c) + s.slice(a, b) + s.slice(d);
    }
    case 9: {
      // amplify a span (many objects, long names, many lines)
      const [a, b] = span();
      const times = Math.min(1 + rng.randrange(rng.bernoulli(0.1) ? 2000 : 50), Math.floor(MAX_MUTATED / Math.max(1, b - a)));
      return s.slice(0, b) + s.slice(a, b).repeat(times) + s.slice(b);
    }
    default: {
      // change line endings or add a byte-order mark
      const r = rng.randrange(3);
      return r === 0 ? s.replace(/\n/g, '\r\n') : r === 1 ? '\ufeff' + s : s.replace(/\n/g, '\r');
    }
  }
}

/** 1–4 random mutations of `text`, inserting tokens from `tokens` among others. */
export function mutateText(rng: Random, text: string, tokens: readonly string[]): string {
  let s = text;
  const n = 1 + rng.randrange(4);
  for (let k = 0; k < n && s.length <= MAX_MUTATED; k++) s = mutateOnce(rng, s, tokens);
  return s;
}

/** Random bytes read as UTF-8 (invalid sequences become U+FFFD, as readFile(…, 'utf8') does) or Latin-1. */
export function randomText(rng: Random, maxLen = 300): string {
  const b = randomBytes(rng, rng.randrange(maxLen + 1));
  return b.toString(rng.bernoulli(0.5) ? 'utf8' : 'latin1');
}

export function randomBytes(rng: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.randrange(256);
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// VOC XML

export const VOC_TOKENS: readonly string[] = [
  '<object>', '</object>', '<bndbox>', '</bndbox>', '<size>', '</size>', '<annotation>', '</annotation>', '<name>dog</name>',
  '<xmin>', '</xmin>', '<width>', '</width>', '<difficult>1</difficult>', '<!--', '-->', '<![CDATA[', ']]>', '<?xml version="1.0"?>',
  '<!DOCTYPE annotation [<!ENTITY e "dog">]>', '&e;', '&amp;', '&lt;', '&#0;', '&#x110000;', '&bogus;', '<a x="/>">', '<a/>',
  '</a>', '<__proto__>', '</__proto__>', '<constructor>1</constructor>', ...HOSTILE_NUMBERS,
];

function vocNumber(rng: Random, valid: () => number): string {
  return rng.bernoulli(0.8) ? String(valid()) : pick(rng, HOSTILE_NUMBERS);
}

/** A VOC annotation with random objects; most fields valid, some hostile, some missing or repeated. */
export function vocDocument(rng: Random, classes: readonly string[]): string {
  const W = rng.bernoulli(0.9) ? 1 + rng.randrange(1000) : pick(rng, [1, 65535, 100000, 1e9]);
  const H = rng.bernoulli(0.9) ? 1 + rng.randrange(1000) : pick(rng, [1, 65535, 100000, 1e9]);
  const nl = pick(rng, ['\n', '\r\n', '', '\n\t']);
  const parts: string[] = [];
  if (rng.bernoulli(0.3)) parts.push('<?xml version="1.0" encoding="utf-8"?>');
  parts.push('<annotation>', '<folder>VOC2007</folder>', `<filename>${rng.randrange(1e6)}.jpg</filename>`);
  const sizeMode = rng.randrange(10);
  if (sizeMode < 7) parts.push(`<size><width>${vocNumber(rng, () => W)}</width><height>${vocNumber(rng, () => H)}</height><depth>3</depth></size>`);
  else if (sizeMode === 7) parts.push(`<size><width>${W}</width></size>`);
  else if (sizeMode === 8) parts.push(`<size><width>${W}</width><width>${W + 1}</width><height>${H}</height></size><size/>`);
  const nObj = rng.bernoulli(0.97) ? rng.randrange(7) : rng.randrange(300);
  for (let k = 0; k < nObj; k++) {
    const name = rng.bernoulli(0.8) ? pick(rng, classes) : pick(rng, ['', 'unicorn', ' DOG ', '&amp;', '<![CDATA[dog]]>', randomChars(rng, 5), 'x'.repeat(5000)]);
    const x0 = rng.randrange(W + 2);
    const y0 = rng.randrange(H + 2);
    const x1 = x0 + rng.randrange(W + 2);
    const y1 = y0 + rng.randrange(H + 2);
    const coords = [x0, y0, x1, y1].map((v) => vocNumber(rng, () => v));
    const keys = ['xmin', 'ymin', 'xmax', 'ymax'];
    let box = keys.map((key, i) => (rng.bernoulli(0.97) ? `<${key}>${coords[i]}</${key}>` : '')).join('');
    if (rng.bernoulli(0.03)) box += `<xmin>${coords[0]}</xmin>`;
    const bnd = rng.bernoulli(0.95) ? `<bndbox>${box}</bndbox>` : rng.bernoulli(0.5) ? '<bndbox/>' : '';
    const diff = rng.bernoulli(0.8) ? `<difficult>${rng.randrange(2)}</difficult>` : rng.bernoulli(0.5) ? `<difficult>${pick(rng, HOSTILE_NUMBERS)}</difficult>` : '';
    const nameEl = rng.bernoulli(0.95) ? `<name>${name}</name>` : rng.bernoulli(0.5) ? '<name><sub>dog</sub></name>' : '';
    parts.push(rng.bernoulli(0.02) ? '<object/>' : rng.bernoulli(0.02) ? '<object>text</object>' : `<object>${nameEl}<pose>Left</pose>${diff}${bnd}</object>`);
  }
  if (rng.bernoulli(0.05)) parts.push('<!-- a comment <object> -->');
  parts.push('</annotation>');
  return parts.join(nl);
}

/** Handcrafted XML attacks: deep nesting, entity bombs, huge documents, reserved names. */
export function vocAttacks(): { name: string; xml: string; limits?: { maxBytes?: number; maxDepth?: number } }[] {
  const obj = '<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>';
  const head = '<annotation><size><width>10</width><height>10</height></size>';
  let laughs = '<!ENTITY a0 "lol">';
  for (let i = 1; i < 10; i++) laughs += `<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`;
  const quadratic = `<!ENTITY big "${'x'.repeat(50000)}">`;
  return [
    { name: 'nesting 10^5', xml: head + '<a>'.repeat(1e5) + '</a>'.repeat(1e5) + '</annotation>' },
    { name: 'nesting 10^5, raised byte limit', xml: head + '<a>'.repeat(1e5) + '</a>'.repeat(1e5) + '</annotation>', limits: { maxBytes: 1 << 23 } },
    { name: 'nesting 10^5 unclosed', xml: '<a>'.repeat(1e5) },
    { name: 'nesting hidden in attributes', xml: head + '<a x="/>">'.repeat(40) + '</a>'.repeat(40) + '</annotation>' },
    { name: 'nesting hidden in attributes 10^5', xml: head + '<a x="/>">'.repeat(1e5) + '</a>'.repeat(1e5) + '</annotation>', limits: { maxBytes: 1 << 23 } },
    { name: 'nesting hidden in single-quoted attributes', xml: head + "<a x='>'>".repeat(40) + '</a>'.repeat(40) + '</annotation>' },
    { name: 'closing tags first', xml: '</a>'.repeat(1e5) + '<a>'.repeat(1e5) },
    { name: 'nesting inside object', xml: head + '<object>' + '<name>'.repeat(50) + 'dog' + '</name>'.repeat(50) + '</object></annotation>' },
    { name: 'billion laughs', xml: `<?xml version="1.0"?><!DOCTYPE annotation [${laughs}]>${head}<object><name>&a9;</name></object></annotation>` },
    { name: 'quadratic blowup', xml: `<!DOCTYPE annotation [${quadratic}]>${head}<object><name>${'&big;'.repeat(10000)}</name></object></annotation>` },
    { name: 'many entities', xml: `<!DOCTYPE annotation [${Array.from({ length: 40 }, (_, i) => `<!ENTITY e${i} "v">`).join('')}]>${head}<object><name>&e1;</name></object></annotation>` },
    { name: 'external entity', xml: `<!DOCTYPE annotation [<!ENTITY x SYSTEM "file:///etc/passwd">]>${head}<object><name>&x;</name></object></annotation>` },
    { name: 'parameter entity', xml: `<!DOCTYPE annotation [<!ENTITY % p "<!ENTITY q 'dog'>"> %p;]>${head}<object><name>&q;</name></object></annotation>` },
    { name: 'numeric character references', xml: `${head}<object><name>&#0;&#x110000;&#99999999999;&#xD800;</name></object></annotation>` },
    { name: 'over 1 MiB', xml: head + obj.repeat(Math.ceil((1 << 20) / obj.length) + 1) + '</annotation>' },
    { name: 'just under 1 MiB, ~10^4 objects', xml: head + obj.repeat(Math.floor(((1 << 20) - 200) / obj.length)) + '</annotation>' },
    { name: '10^5 empty objects', xml: head + '<object/>'.repeat(1e5) + '</annotation>' },
    { name: 'huge name', xml: head + `<object><name>${'n'.repeat(900000)}</name></object></annotation>` },
    { name: 'huge number', xml: `<annotation><size><width>${'9'.repeat(500)}</width><height>10</height></size>${obj}</annotation>` },
    { name: 'infinite size', xml: `<annotation><size><width>1e400</width><height>Infinity</height></size>${obj}</annotation>` },
    { name: 'infinite difficult', xml: `${head}<object><name>dog</name><difficult>${'9'.repeat(400)}</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>` },
    { name: '__proto__ elements', xml: `<annotation><__proto__><polluted>1</polluted></__proto__><size><width>10</width><height>10</height></size>${obj}</annotation>` },
    { name: 'constructor and prototype elements', xml: `${head}<object><name>dog</name><constructor>1</constructor><prototype>2</prototype><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>` },
    { name: 'NUL bytes', xml: `${head}<object><name>d\u0000og</name>\u0000</object></annotation>` },
    { name: 'unterminated comment', xml: `${head}<!-- ${'x'.repeat(1000)}` },
    { name: 'unterminated CDATA', xml: `${head}<![CDATA[ ${'<a>'.repeat(1000)}` },
    { name: 'many attributes', xml: `<annotation ${Array.from({ length: 20000 }, (_, i) => `a${i}="${i}"`).join(' ')}>${obj}</annotation>` },
    { name: 'attribute with 10^5 quotes', xml: `<annotation a="${'&quot;'.repeat(1e5)}">${obj}</annotation>` },
    { name: 'empty', xml: '' },
    { name: 'BOM only', xml: '\ufeff' },
    { name: 'two roots', xml: head + '</annotation>' + head + '</annotation>' },
    { name: 'text root', xml: '<annotation>just text</annotation>' },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// COCO JSON

/** Text inserted verbatim by toJson (hostile number literals, deep nesting). */
export class Raw {
  constructor(readonly text: string) {}
}

export type JsonLike = null | boolean | number | string | Raw | JsonLike[] | { [k: string]: JsonLike };

const DEEP_ARRAY = new Raw('['.repeat(1e5) + ']'.repeat(1e5));
const DEEP_OBJECT = new Raw('{"a":'.repeat(1e5) + '1' + '}'.repeat(1e5));

/** A value of a random, usually wrong, JSON type. */
export function hostileJson(rng: Random): JsonLike {
  switch (rng.randrange(16)) {
    case 0: return null;
    case 1: return rng.bernoulli(0.5);
    case 2: return pick(rng, [-1, 0, -0.5, 0.5, 1.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, 5e-324]);
    case 3: return new Raw(pick(rng, ['1e400', '-1e400', '-0', '1E-400', '0.0', '123456789012345678901234567890']));
    case 4: return pick(rng, ['', 'abc', '5', '1e400', 'NaN', '../../../etc/passwd', '/abs/x.jpg', 'a\u0000b', 'x'.repeat(rng.bernoulli(0.1) ? 10000 : 100)]);
    case 5: return [];
    case 6: return {};
    case 7: return [1, 2];
    case 8: return [0, 0, 10, 10, 5];
    case 9: return { id: 1 };
    case 10: return [[[[1]]]];
    case 11: // deep nesting is costly to parse: rare here, always in cocoAttacks
      return rng.bernoulli(0.02) ? (rng.bernoulli(0.5) ? DEEP_ARRAY : DEEP_OBJECT) : new Raw('['.repeat(50) + ']'.repeat(50));
    case 12: return ['1', '2', '3', '4'];
    case 13: return [new Raw('1e400'), 0, 1, 1];
    case 14: return { toString: 'x', valueOf: 1, __proto__x: 1 };
    default: return rng.randrange(100);
  }
}

/** JSON text for `v`; objects sometimes get a duplicated key carrying a hostile value. */
export function toJson(rng: Random, v: JsonLike): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return '[' + v.map((x) => toJson(rng, x)).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(rng, x)}`);
    if (entries.length > 0 && rng.bernoulli(0.03)) {
      const k = pick(rng, Object.keys(v));
      entries.splice(rng.randrange(entries.length + 1), 0, `${JSON.stringify(k)}:${toJson(rng, hostileJson(rng))}`);
    }
    if (rng.bernoulli(0.01)) entries.push(`"__proto__":${toJson(rng, hostileJson(rng))}`);
    return '{' + entries.join(',') + '}';
  }
  return JSON.stringify(v);
}

function maybe(rng: Random, p: number, valid: JsonLike): JsonLike {
  return rng.bernoulli(p) ? hostileJson(rng) : valid;
}

/** A COCO instances document with random images, annotations and categories, some fields hostile or missing. */
export function cocoDocument(rng: Random): JsonLike {
  const nCat = rng.bernoulli(0.95) ? 1 + rng.randrange(5) : rng.randrange(2);
  const cats: JsonLike[] = Array.from({ length: nCat }, (_, i) => {
    const c: { [k: string]: JsonLike } = { id: maybe(rng, 0.03, 1 + 3 * i + rng.randrange(3)), name: maybe(rng, 0.03, pick(rng, ['person', 'car', 'dog', '', 'x'.repeat(200)])), supercategory: 'thing' };
    if (rng.bernoulli(0.02)) delete c['name'];
    return c;
  });
  const nImg = rng.bernoulli(0.95) ? rng.randrange(6) : rng.randrange(200);
  const images: JsonLike[] = Array.from({ length: nImg }, (_, i) => {
    const im: { [k: string]: JsonLike } = {
      id: maybe(rng, 0.05, rng.bernoulli(0.9) ? i + 1 : rng.randrange(3)),
      file_name: maybe(rng, 0.05, `${String(i).padStart(12, '0')}.jpg`),
      width: maybe(rng, 0.05, 1 + rng.randrange(800)),
      height: maybe(rng, 0.05, 1 + rng.randrange(800)),
    };
    if (rng.bernoulli(0.3)) im['coco_url'] = maybe(rng, 0.2, pick(rng, ['http://images.cocodataset.org/val2017/x.jpg', 'http://x/../x.jpg', 'x', '', 'http://x/a\u0000b/x.jpg']));
    for (const k of ['id', 'file_name', 'width', 'height']) if (rng.bernoulli(0.02)) delete im[k];
    return im;
  });
  const nAnn = rng.bernoulli(0.95) ? rng.randrange(12) : rng.randrange(500);
  const annotations: JsonLike[] = Array.from({ length: nAnn }, (_, i) => {
    const x = rng.uniform(-10, 700);
    const y = rng.uniform(-10, 700);
    const bbox: JsonLike = [x, y, rng.uniform(-5, 300), rng.uniform(-5, 300)].map((v) => maybe(rng, 0.02, Math.round(v * 100) / 100));
    const a: { [k: string]: JsonLike } = {
      id: maybe(rng, 0.05, 1000 + i),
      image_id: maybe(rng, 0.05, 1 + rng.randrange(Math.max(1, nImg + 1))),
      category_id: maybe(rng, 0.05, 1 + rng.randrange(3 * nCat + 2)),
      bbox: maybe(rng, 0.05, bbox),
      area: maybe(rng, 0.05, Math.round(rng.uniform(-10, 5000))),
      iscrowd: maybe(rng, 0.05, rng.randrange(2)),
    };
    if (rng.bernoulli(0.05)) a['ignore'] = maybe(rng, 0.5, rng.randrange(2));
    for (const k of ['id', 'image_id', 'category_id', 'bbox', 'area']) if (rng.bernoulli(0.02)) delete a[k];
    return a;
  });
  const doc: { [k: string]: JsonLike } = { info: { year: 2017 }, images: maybe(rng, 0.02, images), annotations: maybe(rng, 0.02, annotations), categories: maybe(rng, 0.02, cats) };
  for (const k of ['images', 'annotations', 'categories']) if (rng.bernoulli(0.01)) delete doc[k];
  return rng.bernoulli(0.01) ? hostileJson(rng) : doc;
}

export const JSON_TOKENS: readonly string[] = [
  '{', '}', '[', ']', ',', ':', '"', 'null', 'true', '"images"', '"annotations"', '"categories"', '"bbox":', '"id":', '1e400', '-0',
  '"__proto__":{}', '"\\u0000"', '"\\ud800"', '[[[[[[[[', ']]]]]]]]', ...HOSTILE_NUMBERS,
];

/** Handcrafted COCO attacks: deep nesting at the top and in fields, duplicate keys and ids, path escapes. */
export function cocoAttacks(): { name: string; text: string }[] {
  const cats = '[{"id":1,"name":"person"}]';
  const img = '{"id":1,"file_name":"a.jpg","width":10,"height":10}';
  const ann = '{"id":5,"image_id":1,"category_id":1,"bbox":[1,1,4,4],"area":16}';
  const doc = (images: string, anns: string, categories = cats): string => `{"images":${images},"annotations":${anns},"categories":${categories}}`;
  const deepA = DEEP_ARRAY.text;
  const deepO = DEEP_OBJECT.text;
  return [
    { name: 'top-level array nesting 10^5', text: deepA },
    { name: 'top-level object nesting 10^5', text: deepO },
    { name: 'unclosed nesting 10^5', text: '['.repeat(1e5) },
    { name: 'deep image id', text: doc(`[{"id":${deepA},"file_name":"a.jpg","width":10,"height":10}]`, '[]') },
    { name: 'deep annotation id', text: doc(`[${img}]`, `[{"id":${deepA},"image_id":1,"category_id":1,"bbox":[1,1,4,4]}]`) },
    { name: 'deep image_id', text: doc(`[${img}]`, `[{"id":1,"image_id":${deepA},"category_id":1,"bbox":[1,1,4,4]}]`) },
    { name: 'deep category_id', text: doc(`[${img}]`, `[{"id":1,"image_id":1,"category_id":${deepA},"bbox":[1,1,4,4]}]`) },
    { name: 'deep bbox', text: doc(`[${img}]`, `[{"id":1,"image_id":1,"category_id":1,"bbox":${deepA}}]`) },
    { name: 'deep category', text: doc(`[${img}]`, `[${ann}]`, `[{"id":1,"name":${deepO}}]`) },
    { name: 'deep category id', text: doc(`[${img}]`, `[${ann}]`, `[{"id":${deepA},"name":"x"}]`) },
    { name: 'deep width', text: doc(`[{"id":1,"file_name":"a.jpg","width":${deepA},"height":10}]`, `[${ann}]`) },
    { name: 'deep area', text: doc(`[${img}]`, `[{"id":5,"image_id":1,"category_id":1,"bbox":[1,1,4,4],"area":${deepA}}]`) },
    { name: 'deep coco_url', text: doc(`[{"id":1,"file_name":"a.jpg","width":10,"height":10,"coco_url":${deepA}}]`, `[${ann}]`) },
    { name: 'duplicate keys', text: `{"images":[${img}],"images":5,"annotations":[${ann}],"categories":${cats},"categories":[]}` },
    { name: 'duplicate image ids', text: doc(`[${img},${img},${img}]`, `[${ann}]`) },
    { name: 'duplicate category ids', text: doc(`[${img}]`, `[${ann}]`, '[{"id":1,"name":"a"},{"id":1,"name":"b"}]') },
    { name: 'file_name escapes the root', text: doc('[{"id":1,"file_name":"../../../../etc/passwd","width":10,"height":10}]', `[${ann}]`) },
    { name: 'absolute file_name', text: doc('[{"id":1,"file_name":"/etc/passwd","width":10,"height":10}]', `[${ann}]`) },
    { name: 'NUL in file_name', text: doc('[{"id":1,"file_name":"a\\u0000.jpg","width":10,"height":10}]', `[${ann}]`) },
    { name: 'coco_url escapes the root', text: doc('[{"id":1,"file_name":"a.jpg","width":10,"height":10,"coco_url":"http://x/../a.jpg"}]', `[${ann}]`) },
    { name: 'coco_url not a string', text: doc('[{"id":1,"file_name":"a.jpg","width":10,"height":10,"coco_url":5}]', `[${ann}]`) },
    { name: 'width as a string', text: doc('[{"id":1,"file_name":"a.jpg","width":"10","height":[10]}]', `[${ann}]`) },
    { name: 'width overflows to Infinity', text: doc('[{"id":1,"file_name":"a.jpg","width":1e400,"height":10}]', `[${ann}]`) },
    { name: 'bbox overflows to Infinity', text: doc(`[${img}]`, '[{"id":5,"image_id":1,"category_id":1,"bbox":[1,1,1e400,4]}]') },
    { name: 'area as a string', text: doc(`[${img}]`, '[{"id":5,"image_id":1,"category_id":1,"bbox":[1,1,4,4],"area":"16"}]') },
    { name: 'huge ids', text: doc('[{"id":1e300,"file_name":"a.jpg","width":10,"height":10}]', '[{"id":1e300,"image_id":1e300,"category_id":1,"bbox":[1,1,4,4]}]') },
    { name: 'huge id string', text: doc(`[${img}]`, `[{"id":"${'x'.repeat(1e6)}","image_id":"x","category_id":1,"bbox":[1,1,4,4]}]`) },
    { name: '10^5 annotations', text: doc(`[${img}]`, `[${Array.from({ length: 1e5 }, () => ann).join(',')}]`) },
    { name: '__proto__ keys', text: `{"__proto__":{"images":[]},"images":[${img}],"annotations":[{"__proto__":{"bbox":[1,1,4,4]},"id":5,"image_id":1,"category_id":1}],"categories":${cats}}` },
    { name: 'lone surrogates and NUL', text: doc(`[${img}]`, `[${ann}]`, '[{"id":1,"name":"\\ud800\\u0000"}]') },
    { name: 'empty', text: '' },
    { name: 'BOM', text: '\ufeff' + doc(`[${img}]`, `[${ann}]`) },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// LST

function lstField(rng: Random, valid: number): string {
  return rng.bernoulli(0.93) ? String(valid) : pick(rng, HOSTILE_NUMBERS);
}

/** One LST line: idx, A, B, extra header values, objects, path; fields sometimes hostile or misplaced. */
export function lstLine(rng: Random, normalized: boolean): string {
  const A = rng.bernoulli(0.9) ? 2 + rng.randrange(3) : pick(rng, [0, 1, -1, 1e9, 2.5]);
  const B = rng.bernoulli(0.9) ? 5 + rng.randrange(2) : pick(rng, [0, 4, -5, 1e9, 5.5]);
  const fields: string[] = [String(rng.randrange(1e6)), lstField(rng, A), lstField(rng, B)];
  for (let i = 2; i < (Number.isInteger(A) && A < 10 ? A : 3); i++) fields.push(lstField(rng, rng.randrange(500)));
  const nObj = rng.bernoulli(0.97) ? rng.randrange(5) : rng.randrange(100);
  const scale = normalized ? 1 : 500;
  for (let k = 0; k < nObj; k++) {
    const x0 = rng.uniform(-0.1, 1.05) * scale;
    const y0 = rng.uniform(-0.1, 1.05) * scale;
    const cls = rng.bernoulli(0.95) ? rng.randrange(6) : pick(rng, [-1, 1.5, 1e6, 1e300, 2 ** 53, 4294967295]);
    const obj = [cls, x0, y0, x0 + rng.uniform(-0.1, 0.6) * scale, y0 + rng.uniform(-0.1, 0.6) * scale].map((v) => lstField(rng, Math.round(v * 1000) / 1000));
    const width = Number.isInteger(B) && B < 10 && B >= 5 ? B : 5;
    for (let e = 5; e < width; e++) obj.push(lstField(rng, rng.randrange(2)));
    fields.push(...obj);
  }
  const path = rng.bernoulli(0.9) ? `img/${rng.randrange(1e6)}.jpg` : pick(rng, ['', ' ', '../../etc/passwd', '/abs/a.png', 'a\u0000b.jpg', 'x'.repeat(5000), 'a b.jpg']);
  const sep = (): string => (rng.bernoulli(0.97) ? '\t' : pick(rng, [' ', '\t\t', '  ', ',', '\t ']));
  let line = '';
  fields.forEach((f, i) => (line += (i === 0 ? '' : sep()) + f));
  return line + sep() + path;
}

/** An LST file of 1–8 lines (sometimes hundreds), with mixed line endings. */
export function lstDocument(rng: Random, normalized: boolean): string {
  const n = rng.bernoulli(0.97) ? 1 + rng.randrange(8) : rng.randrange(300);
  const eol = pick(rng, ['\n', '\r\n', '\n\n', '\r']);
  return Array.from({ length: n }, () => lstLine(rng, normalized)).join(eol) + (rng.bernoulli(0.5) ? eol : '');
}

export const LST_TOKENS: readonly string[] = ['\t', '\n', '\r\n', '\r', ' ', '\t\t', '\u0000', '-', 'e', '.', '..', '/', ...HOSTILE_NUMBERS];

/** Handcrafted LST attacks: huge class ids and header sizes, very long lines, odd separators. */
export function lstAttacks(): { name: string; text: string; classes?: string[] }[] {
  const ok = ['0', '2', '5', '1', '0.1', '0.1', '0.5', '0.5', 'a.png'];
  const line = (xs: readonly (string | number)[]): string => xs.join('\t');
  return [
    { name: 'class id 1e300', text: line(['0', '2', '5', '1e300', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'class id 2^32', text: line(['0', '2', '5', String(2 ** 32), '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'class id 10^7', text: line(['0', '2', '5', '10000000', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'class id 2^53 + extra', text: line(['0', '2', '5', '9007199254740993', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'header length 1e300', text: line(['0', '1e300', '5', '1', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'header length -1e300', text: line(['0', '-1e300', '5', '1', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'label width 1e300', text: line(['0', '2', '1e300', '1', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: 'label width 2^53', text: line(['0', '2', '9007199254740992', '1', '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: '10^5 objects on a line', text: line(['0', '2', '5', ...Array.from({ length: 1e5 }, () => ['1', '0.1', '0.1', '0.5', '0.5']).flat(), 'a.png']) },
    { name: 'one field of 10^6 digits', text: line(['0', '2', '5', '1'.repeat(1e6), '0.1', '0.1', '0.5', '0.5', 'a.png']) },
    { name: '10^5 lines', text: Array.from({ length: 1e5 }, () => line(ok)).join('\n') },
    { name: '10^5 blank lines', text: '\n'.repeat(1e5) + line(ok) },
    { name: 'only tabs', text: '\t'.repeat(1e5) },
    { name: 'empty path', text: line([...ok.slice(0, -1), '']) },
    { name: 'NUL in path', text: line([...ok.slice(0, -1), 'a\u0000.png']) },
    { name: 'path escapes the root', text: line([...ok.slice(0, -1), '../../../../etc/passwd']) },
    { name: 'class beyond given classes', text: line(['0', '2', '5', '7', '0.1', '0.1', '0.5', '0.5', 'a.png']), classes: ['a', 'b'] },
    { name: 'hex and exponent numbers', text: line(['0', '0x2', '5e0', '0b1', '1e-1', '.1', '5e-1', '0.5', 'a.png']) },
    { name: 'lone CR line endings', text: [line(ok), line(ok)].join('\r') },
    { name: 'empty', text: '' },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// VOC ImageSets/Main lists: ids become Annotations/{id}.xml and JPEGImages/{id}.jpg

/** Ids that would leave the dataset folder, or are otherwise not plain file names. */
export const HOSTILE_IDS: readonly string[] = [
  '../../../somewhere/x', '..', '.', '/etc/passwd', 'a/../../b', '..\\..\\x', 'C:\\x', 'C:x', 'a\u0000b', '\u0000',
  'sub/dir', 'x/..', '\u001b[2J', 'a\u007fb', '%2e%2e%2f', '....//', `${'../'.repeat(200)}x`,
];

/** One ImageSets list of 0–10 lines (sometimes hundreds): VOC-like ids, some hostile, with optional second words. */
export function imageSetDocument(rng: Random): string {
  const n = rng.bernoulli(0.97) ? rng.randrange(11) : rng.randrange(400);
  const eol = pick(rng, ['\n', '\r\n', '\n\n']);
  const line = (): string => {
    const id = rng.bernoulli(0.9) ? `${2007 + rng.randrange(6)}_${String(rng.randrange(1e6)).padStart(6, '0')}` : pick(rng, HOSTILE_IDS);
    return rng.bernoulli(0.2) ? `${id} ${pick(rng, ['1', '-1', '0'])}` : id;
  };
  return Array.from({ length: n }, line).join(eol);
}

export const IMAGESET_TOKENS: readonly string[] = ['/', '\\', '..', '.', '\u0000', ':', '\n', ' ', '\t', ...HOSTILE_IDS];

// ---------------------------------------------------------------------------------------------------------
// RecordIO (.rec framing, IRHeader, packed label)

const REC_MAGIC = 0xced7230a;
const U32_HOSTILE = [0, 1, 3, 4, 7, 24, 0x1fffffff, 0x20000000, 0x3fffffff, 0x7fffffff, 0xffffffff, 0xced7230a];

/** One record part: magic, lrecord (cflag, length), data, padding. */
export function recordPart(cflag: number, data: Buffer, length = data.length): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(REC_MAGIC, 0);
  head.writeUInt32LE(((cflag << 29) | (length & 0x1fffffff)) >>> 0, 4);
  return Buffer.concat([head, data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

/** An IRHeader payload with `label` floats (flag = its length) and `image` bytes. */
export function irPayload(label: readonly number[], image: Buffer, flag = label.length): Buffer {
  const h = Buffer.alloc(24 + 4 * label.length);
  h.writeUInt32LE(flag >>> 0, 0);
  h.writeBigUInt64LE(7n, 8);
  label.forEach((v, i) => h.writeFloatLE(v, 24 + 4 * i));
  return Buffer.concat([h, image]);
}

/** A .rec file's bytes mutated at the framing level: part headers rewritten with hostile lengths and flags,
 * parts duplicated or cut, payload headers and labels changed; then (sometimes) byte-level mutations. */
export function mutateRecordIO(rng: Random, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const heads: number[] = [];
  for (let i = 0; i + 8 <= b.length; i += 4) if (b.readUInt32LE(i) === REC_MAGIC) heads.push(i);
  const n = 1 + rng.randrange(3);
  for (let k = 0; k < n && heads.length > 0; k++) {
    const h = pick(rng, heads);
    if (h + 8 > b.length) continue;
    switch (rng.randrange(5)) {
      case 0: b.writeUInt32LE(((rng.randrange(8) << 29) | (b.readUInt32LE(h + 4) & 0x1fffffff)) >>> 0, h + 4); break;
      case 1: b.writeUInt32LE(pick(rng, U32_HOSTILE) >>> 0, h + 4); break;
      case 2: if (h + 12 <= b.length) b.writeUInt32LE(pick(rng, U32_HOSTILE) >>> 0, h + 8); break; // IRHeader flag
      case 3: if (h + 36 <= b.length) b.writeFloatLE(pick(rng, [NaN, Infinity, -1, 0, 1e30, 4294967296, 2.5, 1e6]), h + 8 + 24 + 4 * rng.randrange(3)); break;
      default: b = Buffer.concat([b.subarray(0, h), b.subarray(h, h + 8 + rng.randrange(200)), b.subarray(h)]);
    }
  }
  return rng.bernoulli(0.4) ? mutateImage(rng, b) : b;
}

/** Handcrafted RecordIO attacks: lengths claiming far more than the file, endless continuation parts, huge
 * label counts, continuation flags out of order, an empty file. */
export function recordIOAttacks(jpeg: Buffer): { name: string; bytes: Buffer }[] {
  const ok = irPayload([2, 5, 0, 0.1, 0.1, 0.5, 0.5], jpeg);
  const many = Array.from({ length: 20000 }, () => recordPart(2, Buffer.alloc(0)));
  return [
    { name: 'length 2^29-1, 8 bytes of file', bytes: recordPart(0, Buffer.alloc(0), 0x1fffffff) },
    { name: 'first part, then 20000 empty middle parts, no end', bytes: Buffer.concat([recordPart(1, Buffer.alloc(4)), ...many]) },
    { name: 'label count 2^32-1', bytes: recordPart(0, irPayload([2, 5, 0, 0.1, 0.1, 0.5, 0.5], jpeg, 0xffffffff)) },
    { name: 'end part first', bytes: recordPart(3, ok) },
    { name: 'middle part first', bytes: recordPart(2, ok) },
    { name: 'first part of odd length', bytes: Buffer.concat([recordPart(1, Buffer.alloc(5)), recordPart(3, ok)]) },
    { name: 'two first parts', bytes: Buffer.concat([recordPart(1, Buffer.alloc(4)), recordPart(1, ok)]) },
    { name: 'payload shorter than the IRHeader', bytes: recordPart(0, Buffer.alloc(10)) },
    { name: 'NaN label', bytes: recordPart(0, irPayload([2, 5, NaN, 0.1, 0.1, 0.5, 0.5], jpeg)) },
    { name: 'header width 1e9', bytes: recordPart(0, irPayload([1e9, 5, 0, 0.1, 0.1, 0.5, 0.5], jpeg)) },
    { name: 'class 4294967296', bytes: recordPart(0, irPayload([2, 5, 4294967296, 0.1, 0.1, 0.5, 0.5], jpeg)) },
    { name: 'truncated part header', bytes: recordPart(0, ok).subarray(0, 6) },
    { name: 'zeros', bytes: Buffer.alloc(4096) },
    { name: 'empty', bytes: Buffer.alloc(0) },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Images

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG whose IHDR claims width×height (CRC valid), with one small IDAT and IEND. */
export function pngClaiming(width: number, height: number, idat: Buffer = Buffer.from([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Offset of the JPEG's SOFn marker (FFC0–FFCF except C4, C8, CC), or -1. */
export function jpegSofOffset(jpeg: Buffer): number {
  for (let i = 2; i + 9 < jpeg.length; i++) {
    if (jpeg[i] !== 0xff) continue;
    const m = jpeg[i + 1]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return i;
  }
  return -1;
}

/** A copy of `jpeg` whose SOF claims width×height (16-bit fields: at most 65535 each). */
export function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = jpegSofOffset(out);
  if (sof < 0) throw new Error('no SOF marker in the seed JPEG');
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}

/** One random mutation of image bytes, aimed at headers and chunk structure as well as the data. */
export function mutateImage(rng: Random, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const n = 1 + rng.randrange(3);
  for (let k = 0; k < n; k++) {
    const at = (): number => rng.randrange(b.length + 1);
    switch (rng.randrange(9)) {
      case 0:
        b = b.subarray(0, at());
        break;
      case 1: {
        // flip up to 8 random bytes
        const m = 1 + rng.randrange(8);
        for (let i = 0; i < m && b.length > 0; i++) b[rng.randrange(b.length)] = rng.randrange(256);
        break;
      }
      case 2: {
        // flip bytes within the first 40 (signature, IHDR, SOI/APP0/DQT)
        if (b.length > 0) b[rng.randrange(Math.min(40, b.length))] ^= 1 << rng.randrange(8);
        break;
      }
      case 3: {
        const p = at();
        b = Buffer.concat([b.subarray(0, p), randomBytes(rng, 1 + rng.randrange(64)), b.subarray(p)]);
        break;
      }
      case 4: {
        const p = at();
        const q = Math.min(b.length, p + 1 + rng.randrange(64));
        b = Buffer.concat([b.subarray(0, p), b.subarray(q)]);
        break;
      }
      case 5: {
        const p = at();
        const q = Math.min(b.length, p + 1 + rng.randrange(200));
        b = Buffer.concat([b.subarray(0, q), b.subarray(p, q), b.subarray(q)]);
        break;
      }
      case 6: {
        // rewrite the claimed size (PNG IHDR, JPEG SOF) with a random or extreme value
        const dims = [0, 1, 2, 255, 256, 4096, 65535, 100000, 2 ** 31 - 1, 2 ** 32 - 1, rng.randrange(2 ** 16), rng.randrange(2 ** 32)];
        if (b.length >= 33 && b[1] === 0x50) {
          b.writeUInt32BE(pick(rng, dims) >>> 0, 16);
          b.writeUInt32BE(pick(rng, dims) >>> 0, 20);
          if (rng.bernoulli(0.7)) b.writeUInt32BE(crc32(b.subarray(12, 29)) >>> 0, 29);
        } else {
          const sof = jpegSofOffset(b);
          if (sof >= 0 && sof + 9 <= b.length) {
            b.writeUInt16BE(pick(rng, dims) & 0xffff, sof + 5);
            b.writeUInt16BE(pick(rng, dims) & 0xffff, sof + 7);
          }
        }
        break;
      }
      case 7:
        // random tail after a valid signature
        b = Buffer.concat([b.subarray(0, rng.randrange(Math.min(b.length, 40) + 1)), randomBytes(rng, rng.randrange(300))]);
        break;
      default: {
        // change the bit depth / colour type / component count bytes
        if (b.length >= 33 && b[1] === 0x50) {
          b[24] = pick(rng, [0, 1, 2, 4, 8, 16, 255]);
          b[25] = pick(rng, [0, 2, 3, 4, 6, 7, 255]);
          if (rng.bernoulli(0.7)) b.writeUInt32BE(crc32(b.subarray(12, 29)) >>> 0, 29);
        } else {
          const sof = jpegSofOffset(b);
          if (sof >= 0 && sof + 10 <= b.length) b[sof + 9] = pick(rng, [0, 1, 2, 4, 5, 255]);
        }
      }
    }
  }
  return b;
}
