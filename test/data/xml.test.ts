// Bounded XML parsing (src/data/xml.ts): size and depth limits checked before parsing, syntax errors with
// line numbers, entity expansion that cannot blow up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBoundedXml, nestingDepth, XmlError } from '../../src/data/xml.js';

test('nesting depth ignores comments, CDATA, declarations and self-closing tags', () => {
  assert.equal(nestingDepth('<?xml version="1.0"?><a><b><c/></b><!-- <x><y><z> --><![CDATA[<p><q>]]></a>'), 2);
  assert.equal(nestingDepth('<a>' + '<b>'.repeat(30) + '</b>'.repeat(30) + '</a>'), 31);
});

test('too large, too deep and malformed documents are refused with the file named', () => {
  assert.throws(() => parseBoundedXml('<a>' + 'x'.repeat(200) + '</a>', 'big.xml', [], { maxBytes: 100 }), (e: Error) => e instanceof XmlError && /^big\.xml: XML is 207 bytes, more than the 100 allowed/.test(e.message));
  assert.throws(() => parseBoundedXml('<a>'.repeat(20) + '</a>'.repeat(20), 'deep.xml'), /deep\.xml: XML nests 20 elements deep, more than the 16 allowed/);
  assert.throws(() => parseBoundedXml('<a>\n<b></a>', 'bad.xml'), /bad\.xml: malformed XML at line 2/);
});

test('entity definitions cannot expand (billion laughs stays literal); standard entities decode', () => {
  let ents = '<!ENTITY a0 "lol">';
  for (let i = 1; i < 10; i++) ents += `<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`;
  const doc = parseBoundedXml(`<?xml version="1.0"?><!DOCTYPE annotation [${ents}]><annotation><name>&a9;</name></annotation>`, 'bomb.xml');
  assert.ok(JSON.stringify(doc).length < 200);
  assert.deepEqual(parseBoundedXml('<annotation><name>a &amp; b &lt;</name></annotation>', 'x.xml'), { annotation: { name: 'a & b <' } });
});

test('listed elements always come back as arrays; values stay strings', () => {
  const one = parseBoundedXml('<annotation><object><name>dog</name><difficult>01</difficult></object></annotation>', 'o.xml', ['object']);
  assert.deepEqual(one, { annotation: { object: [{ name: 'dog', difficult: '01' }] } });
});
