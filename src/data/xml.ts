// Bounded XML parsing for annotation files (spec §8.1 reads VOC XML): refuses files that are too large or too
// deeply nested before building anything, validates syntax, and returns plain objects (fast-xml-parser, values
// kept as strings). Every refusal, the parser's own (entity count and size, external entities, names like
// __proto__) included, is an XmlError naming the file, with quoted input cut short.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlLimits {
  /** Largest accepted file, in bytes (default 1 MiB; VOC annotations are ~1 KB). */
  maxBytes?: number;
  /** Deepest accepted element nesting (default 16; VOC needs 4). */
  maxDepth?: number;
}

export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

export class XmlError extends Error {}

/** Parses `text` (from `file`, for messages). Element lists named in `arrays` always come back as arrays. */
export function parseBoundedXml(text: string, file: string, arrays: readonly string[] = [], limits: XmlLimits = {}): XmlNode {
  const maxBytes = limits.maxBytes ?? 1 << 20;
  const maxDepth = limits.maxDepth ?? 16;
  if (text.length > maxBytes) throw new XmlError(`${file}: XML is ${text.length} bytes, more than the ${maxBytes} allowed`);
  const depth = nestingDepth(text);
  if (depth > maxDepth) throw new XmlError(`${file}: XML nests ${depth} elements deep, more than the ${maxDepth} allowed`);
  let valid: ReturnType<typeof XMLValidator.validate>;
  try {
    valid = XMLValidator.validate(text);
  } catch (err) {
    throw new XmlError(`${file}: malformed XML: ${clip(errMessage(err))}`);
  }
  if (valid !== true) {
    const e = valid.err;
    throw new XmlError(`${file}: malformed XML at line ${e.line}, column ${e.col}: ${clip(e.msg)}`);
  }
  const arraySet = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    maxNestedTags: maxDepth,
    processEntities: { enabled: true, maxEntityCount: 16, maxExpandedLength: 4096 },
    isArray: (name) => arraySet.has(name),
  });
  try {
    return parser.parse(text) as XmlNode;
  } catch (err) {
    // The parser's own limits (nesting, entity count and size, external entities) and its refusal of names
    // like __proto__ come back as plain Errors without the file.
    throw new XmlError(`${file}: unsupported XML: ${clip(errMessage(err))}`);
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `s` cut to `max` characters for messages (parsers quote input, which may be huge). */
export function clip(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/**
 * Maximum element nesting, by a linear scan that skips comments, CDATA, declarations, processing instructions
 * and quoted attribute values (a `>` or `/>` inside quotes does not end a tag).
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const c = text[lt + 1];
    const gt = c === '?' || c === '!' ? text.indexOf('>', lt + 1) : tagEnd(text, lt + 1);
    if (gt < 0) break;
    if (c === '?' || c === '!') {
      // ignore
    } else if (c === '/') {
      if (depth > 0) depth--; // stray closing tags do not buy depth for later ones
    } else if (text[gt - 1] !== '/') {
      depth++;
      if (depth > max) max = depth;
    }
    i = gt + 1;
  }
  return max;
}

/** Index of the `>` closing the tag that starts before `from`, skipping quoted attribute values, or -1. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let j = from; j < text.length; j++) {
    const ch = text.charCodeAt(j);
    if (quote !== 0) {
      if (ch === quote) quote = 0;
    } else if (ch === 0x22 || ch === 0x27) {
      quote = ch;
    } else if (ch === 0x3e) {
      return j;
    }
  }
  return -1;
}

/** The text of a child element, or undefined. */
export function xmlText(node: XmlValue | undefined, key: string): string | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const v = node[key];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  if (v !== undefined && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '';
  return undefined;
}

/** A child element, or undefined. */
export function xmlChild(node: XmlValue | undefined, key: string): XmlNode | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const v = node[key];
  if (Array.isArray(v)) return typeof v[0] === 'object' && !Array.isArray(v[0]) ? (v[0] as XmlNode) : undefined;
  return typeof v === 'object' ? v : undefined;
}
