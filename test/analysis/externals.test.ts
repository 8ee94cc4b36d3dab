/**
 * The address partition: atoms are found by binary search over
 * buildExternals' order, and must be exactly the atoms a scan would find.
 */
import * as fc from 'fast-check';
import { atomsOverlapping, buildExternals } from '../../lib/analysis/externals';
import { IpFamily } from '../../lib/core/cidr';

const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, b, p]) => `10.${a}.${b}.0/${p}`);
const v6 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 128 })).map(([a, p]) => `fd00:${a.toString(16)}::/${p}`);

test('property: atomsOverlapping finds the atoms a scan of every atom finds, for any partition and range', () => {
  fc.assert(fc.property(fc.array(fc.oneof(v4, v6), { maxLength: 12 }), fc.constantFrom(IpFamily.IPV4, IpFamily.IPV6), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 24n }),
    (blocks, family, start, length) => {
      const atoms = buildExternals(blocks, 7);
      const end = start + length;
      const scanned = atoms.filter((x) => x.external!.family === family && x.external!.end >= start && x.external!.start <= end);
      expect(atomsOverlapping(atoms, family, start, end).map((x) => x.idx)).toEqual(scanned.map((x) => x.idx));
    }), { numRuns: 200 });
});

test('one address finds the one atom that holds it, in either family', () => {
  const atoms = buildExternals(['10.0.0.0/8', '10.1.0.0/16', 'fd00::/8'], 0);
  const one = (family: IpFamily, at: bigint) => atomsOverlapping(atoms, family, at, at).map((x) => x.id);
  expect(one(IpFamily.IPV4, 0x0a010203n)).toEqual(['10.1.0.0/16']);
  expect(one(IpFamily.IPV4, 0x0a020000n)).toEqual(['10.2.0.0/15,10.4.0.0/14,10.8.0.0/13,10.16.0.0/12,10.32.0.0/11,10.64.0.0/10,10.128.0.0/9']);
  expect(one(IpFamily.IPV4, 0n)).toEqual(['0.0.0.0/5,8.0.0.0/7']);
  expect(one(IpFamily.IPV6, 0xfd00n << 112n)).toEqual(['fd00::/8']);
});
