// Reports (spec §7.7 outputs): aligned per-class AP table, JSON report, pycocotools-style COCO summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VOC07MApMetric, apReport, apReportJSON, formatAPTable, formatCOCOSummary } from '../../src/metrics/index.js';

test('AP table: aligned columns, NaN as n/a, a rule above mAP', () => {
  const text = formatAPTable(['aeroplane', 'cow', 'diningtable', 'mAP'], [0.81234, NaN, 0.5, 0.656], { title: 'VOC07 mAP' });
  const lines = text.split('\n');
  assert.deepEqual(lines, [
    'VOC07 mAP',
    'class            AP',
    '-----------  ------',
    'aeroplane    0.8123',
    'cow             n/a',
    'diningtable  0.5000',
    '===========  ======',
    'mAP          0.6560',
  ]);
  const pct = formatAPTable(['a', 'mAP'], [0.5, 0.25], { percent: true, digits: 1, header: ['category', 'AP (%)'] }).split('\n');
  assert.deepEqual(pct, ['category  AP (%)', '--------  ------', 'a           50.0', '========  ======', 'mAP         25.0']);
  assert.throws(() => formatAPTable(['a'], [1, 2]), /1 names for 2 values/);
});

test('a metric get() goes straight into the table', () => {
  const m = new VOC07MApMetric({ classNames: ['a', 'b'] });
  m.update([[[0, 0, 9, 9]]], [[0]], [[0.9]], [[[0, 0, 9, 9]]], [[0]]);
  const [names, values] = m.get();
  const lines = formatAPTable(names, values).split('\n');
  assert.equal(lines.at(-1), 'mAP    1.0000');
  assert.equal(lines[3], 'b         n/a');
});

test('JSON report: classes with null for NaN, mAP, extra fields, valid JSON', () => {
  const r = apReport(['a', 'b', 'mAP'], [0.5, NaN, 0.5], { metric: 'VOC07MApMetric', images: 3 });
  assert.deepEqual(r, { metric: 'VOC07MApMetric', images: 3, classes: [{ name: 'a', ap: 0.5 }, { name: 'b', ap: null }], mAP: 0.5 });
  const parsed = JSON.parse(apReportJSON(['a', 'mAP'], [0.25, NaN]));
  assert.deepEqual(parsed, { classes: [{ name: 'a', ap: 0.25 }], mAP: null });
});

test('COCO summary in pycocotools layout', () => {
  const stats = [0.3228, 0.573, 0.2729, 0.3664, 0.3345, 0.3951, 0.2907, 0.5532, 0.5714, 0.5778, 0.5441, -1];
  const lines = formatCOCOSummary(stats).split('\n');
  assert.equal(lines.length, 12);
  assert.equal(lines[0], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.323');
  assert.equal(lines[1], ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.573');
  assert.equal(lines[6], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.291');
  assert.equal(lines[11], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000');
});
