// The CPU caching allocator (native/src/cachingAllocator.cc, src/tensor/cpuCache.ts): a freed block of 32 MiB+ serves
// the next allocation of the same size; its contents never leak into ops that promise values; live + cached
// bytes stay within the live peak plus the slack, evicting least recently freed blocks; emptyCpuCache gives
// everything back; SSDKIT_CPU_CACHE=0 leaves libtorch's own allocator.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuCacheStats, emptyCpuCache, empty, full, torchVersion, zeros, type Tensor } from '../../src/tensor/index.js';

const MiB = 2 ** 20;
const installed = cpuCacheStats().installed;
const skip = installed ? false : 'the caching allocator is not installed in this build (libtorch 2.x or SSDKIT_CPU_CACHE=0)';
// float32 elements for `mib` MiB
const elems = (mib: number) => Math.round((mib * MiB) / 4);

test('a freed large block serves the next allocation of the same size, and small ones bypass the cache', { skip }, () => {
  const before = cpuCacheStats();
  empty([elems(40)]).dispose();
  const mid = cpuCacheStats();
  assert.equal(mid.cachedBytes - before.cachedBytes >= 40 * MiB, true, 'the freed 40 MiB block is cached');
  const t = empty([elems(40)]);
  const after = cpuCacheStats();
  assert.equal(after.hits, mid.hits + 1, 'the same size again is a hit');
  assert.equal(after.misses, mid.misses);
  assert.equal(after.cachedBytes, mid.cachedBytes - 40 * MiB);
  t.dispose();
  const s0 = cpuCacheStats();
  empty([1000]).dispose();  // 4 KB and 8 MiB: glibc's heap
  empty([elems(8)]).dispose();
  const s1 = cpuCacheStats();
  assert.deepEqual([s1.hits, s1.misses, s1.cachedBytes], [s0.hits, s0.misses, s0.cachedBytes]);
});

test('a reused block holds the new op\'s values, not the old tensor\'s', { skip }, () => {
  const n = elems(33);
  full([n], 7).dispose();
  const hits = cpuCacheStats().hits;
  const z = zeros([n]);
  assert.equal(cpuCacheStats().hits, hits + 1, 'zeros reused the freed block');
  assert.equal(z.abs().max().item(), 0);
  z.dispose();
});

test('live + cached bytes stay within the live peak plus the slack: least recently freed blocks are evicted', { skip }, () => {
  emptyCpuCache();
  const start = cpuCacheStats();
  const bound = () => {
    const s = cpuCacheStats();
    return { s, limit: s.peakBytes + Math.max(32 * MiB, s.peakBytes / 64) };
  };
  // 12 distinct sizes of 32..43 MiB allocated and freed one by one: 450 MiB in all, above the bound
  for (let i = 0; i < 12; i++) {
    const t: Tensor = empty([elems(32 + i)]);
    t.dispose();
    const { s, limit } = bound();
    assert.ok(s.liveBytes + s.cachedBytes <= limit + 1, `after size ${32 + i} MiB: live ${s.liveBytes} + cached ${s.cachedBytes} > ${limit}`);
  }
  const end = cpuCacheStats();
  assert.ok(end.evictions > start.evictions, 'blocks were evicted');
  // the most recently freed size is still cached, the first one (least recently freed) is not
  const hits = end.hits;
  empty([elems(43)]).dispose();
  assert.equal(cpuCacheStats().hits, hits + 1, 'the last freed size is a hit');
  empty([elems(32)]).dispose();
  assert.equal(cpuCacheStats().hits, hits + 1, 'the first freed size was evicted: a miss');
  emptyCpuCache();
  assert.equal(cpuCacheStats().cachedBytes, 0);
});

test('SSDKIT_CPU_CACHE=0 leaves libtorch\'s allocator; builds against libtorch 1.x install the cache by default', () => {
  const probe = `import { cpuCacheStats, empty } from '${new URL('../../src/tensor/index.js', import.meta.url).href}';
    empty([10 << 20]).dispose(); empty([10 << 20]).dispose(); console.log(JSON.stringify(cpuCacheStats()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, SSDKIT_CPU_CACHE: '0' } });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as ReturnType<typeof cpuCacheStats>;
  assert.deepEqual([s.installed, s.hits, s.misses, s.liveBytes], [false, 0, 0, 0]);
  if (process.env.SSDKIT_CPU_CACHE !== '0' && torchVersion().startsWith('1.')) assert.equal(installed, true);
});
