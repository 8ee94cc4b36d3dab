import { dns1123LabelError, dns1123SubdomainError, labelKeyError, labelValueError, portNameError, portNumberError } from '../../lib';
import { deepMerge, getPath } from '../../lib/core/merge';

test.each([
  ['tenant-a', undefined],
  ['a', undefined],
  ['Tenant', 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)'],
  ['-a', 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)'],
  ['a.b', 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)'],
  ['', 'is empty'],
  ['x'.repeat(64), 'is 64 characters long, over the limit of 63'],
])('DNS-1123 label %j', (name, error) => {
  expect(dns1123LabelError(name)).toBe(error);
});

test('DNS-1123 subdomains allow dots, up to 253 characters', () => {
  expect(dns1123SubdomainError('calico.tier.allow-dns')).toBeUndefined();
  expect(dns1123SubdomainError('a..b')).toMatch(/^is not a DNS-1123 subdomain/);
  expect(dns1123SubdomainError('a'.repeat(254))).toBe('is 254 characters long, over the limit of 253');
});

test.each([
  ['app', undefined],
  ['app.kubernetes.io/name', undefined],
  ['kubernetes.io/metadata.name', undefined],
  ['Example.com/app', 'has a prefix "Example.com" that is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit)'],
  ['app/', 'has an empty name part'],
  ['-app', 'is not a qualified name (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)'],
])('label key %j', (key, error) => {
  expect(labelKeyError(key)).toBe(error);
});

test('label values may be empty, not over 63 characters, not start with a symbol', () => {
  expect(labelValueError('')).toBeUndefined();
  expect(labelValueError('cloudify-manager')).toBeUndefined();
  expect(labelValueError('_x')).toMatch(/^is not a valid label value/);
  expect(labelValueError('v'.repeat(64))).toBe('is 64 characters long, over the limit of 63');
});

test.each([
  ['http', undefined],
  ['amqp-tls', undefined],
  ['a--b', 'contains "--"'],
  ['5432', 'has no letter'],
  ['HTTP', 'is not an IANA service name (lowercase letters, digits and "-")'],
  ['a-very-long-port-name', 'is 21 characters long, over the limit of 15'],
])('port name %j', (name, error) => {
  expect(portNameError(name)).toBe(error);
});

test('port numbers are whole numbers from 1 to 65535', () => {
  expect(portNumberError(5432)).toBeUndefined();
  expect(portNumberError(0)).toBe('is out of range 1-65535');
  expect(portNumberError(70000)).toBe('is out of range 1-65535');
  expect(portNumberError(80.5)).toBe('is not a whole number');
});

test('deepMerge merges objects key by key and replaces arrays and scalars, like helm -f', () => {
  const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
  expect(deepMerge(base, { a: { c: [3] }, d: 'y', e: true })).toEqual({ a: { b: 1, c: [3] }, d: 'y', e: true });
  expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  expect(getPath({ cni: { chainingMode: 'aws-cni' } }, ['cni', 'chainingMode'])).toBe('aws-cni');
  expect(getPath({ cni: 'x' }, ['cni', 'chainingMode'])).toBeUndefined();
});
