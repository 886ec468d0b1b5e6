import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { addressSubject, clientAddress, normalizeAddress } from './client-address.ts';

describe('clientAddress', () => {
  it('uses the socket and ignores X-Forwarded-For when no proxy is trusted', () => {
    assert.equal(
      clientAddress({ socket: '192.0.2.7', forwardedFor: '203.0.113.9', trustedHops: 0 }),
      '192.0.2.7',
    );
  });

  it('takes the entry as many places from the right as there are trusted proxies', () => {
    const forwardedFor = '198.51.100.1, 203.0.113.9, 10.0.0.2';
    assert.equal(clientAddress({ socket: '10.0.0.3', forwardedFor, trustedHops: 1 }), '10.0.0.2');
    assert.equal(clientAddress({ socket: '10.0.0.3', forwardedFor, trustedHops: 2 }), '203.0.113.9');
  });

  it('never lets a client-written entry left of the trusted chain decide', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; the one trusted proxy appended what it saw.
    assert.equal(
      clientAddress({ socket: '10.0.0.3', forwardedFor: '1.1.1.1, 203.0.113.9', trustedHops: 1 }),
      '203.0.113.9',
    );
  });

  it('falls back to the first entry when the chain is shorter than the trusted hops', () => {
    assert.equal(
      clientAddress({ socket: '10.0.0.3', forwardedFor: '203.0.113.9', trustedHops: 3 }),
      '203.0.113.9',
    );
  });

  it('falls back to the socket when the forwarded entry is missing or not an address', () => {
    assert.equal(clientAddress({ socket: '10.0.0.3', forwardedFor: undefined, trustedHops: 1 }), '10.0.0.3');
    assert.equal(clientAddress({ socket: '10.0.0.3', forwardedFor: 'unknown', trustedHops: 1 }), '10.0.0.3');
    assert.equal(clientAddress({ socket: undefined, forwardedFor: undefined, trustedHops: 0 }), undefined);
  });
});

describe('normalizeAddress', () => {
  it('unwraps IPv4-mapped IPv6, ports and brackets', () => {
    assert.equal(normalizeAddress('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(normalizeAddress('192.0.2.7:5123'), '192.0.2.7');
    assert.equal(normalizeAddress('[2001:db8::1]:443'), '2001:db8:0:0:0:0:0:1');
  });

  it('writes one IPv6 address one way', () => {
    assert.equal(normalizeAddress('2001:DB8:0:0::1'), normalizeAddress('2001:db8::0:1'));
  });

  it('refuses what is not an address', () => {
    for (const raw of ['', 'unknown', '256.1.1.1', '1.2.3', '2001:db8::1::2', 'g::1', '<script>'])
      assert.equal(normalizeAddress(raw), undefined, raw);
  });
});

describe('addressSubject', () => {
  it('counts IPv4 by address and IPv6 by its /64', () => {
    assert.equal(addressSubject('192.0.2.7'), 'ip:192.0.2.7');
    assert.equal(
      addressSubject(normalizeAddress('2001:db8:1:2::1')),
      addressSubject(normalizeAddress('2001:db8:1:2:ffff::9')),
    );
    assert.notEqual(
      addressSubject(normalizeAddress('2001:db8:1:2::1')),
      addressSubject(normalizeAddress('2001:db8:1:3::1')),
    );
    assert.equal(addressSubject(undefined), 'unknown');
  });
});
