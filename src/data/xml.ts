// Bounded XML parsing for annotation files (spec §8.1 reads VOC XML): refuses files that are too large or too
// deeply nested before building anything, validates syntax (malformed XML is an error naming the file), and
// returns plain objects (fast-xml-parser, values kept as strings).
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
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const e = valid.err;
    throw new XmlError(`${file}: malformed XML at line ${e.line}, column ${e.col}: ${e.msg}`);
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
  return parser.parse(text) as XmlNode;
}

/** Maximum element nesting, by a linear scan that skips comments, CDATA, declarations and processing instructions. */
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
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) break;
    const c = text[lt + 1];
    if (c === '?' || c === '!') {
      // ignore
    } else if (c === '/') {
      depth--;
    } else if (text[gt - 1] !== '/') {
      depth++;
      if (depth > max) max = depth;
    }
    i = gt + 1;
  }
  return max;
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
