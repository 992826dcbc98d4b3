/**
 * Address classification: every form that names this machine or a private network is refused,
 * including IPv6 forms embedding an IPv4 address and names with a trailing dot.
 */
import { describe, expect, it } from 'vitest';
import { hostKind, ipAddressKind } from '../src/lib/ip-address.js';

describe('ipAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.8.7', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['[::7f00:1]', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['[2002:7f00:1::]', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'private'],
    ['100.100.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['255.255.255.255', 'private'],
    ['::', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::a00:1', 'private'],
    ['2002:a00:1::1', 'private'],
    ['2002:c0a8:101::', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['fe80::1%eth0', 'private'],
    ['fec0::1', 'private'],
    ['[fec0::1]', 'private'],
    ['feff::1', 'private'],
    ['ff02::1', 'private'],
    ['2001:0:4136:e378::1', 'private'],
    ['64:ff9b:1::1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2002:808:808::1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['1:2:3:4:5:6:7:8', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(ipAddressKind(address)).toBe(kind);
  });

  it.each(['example.com', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3', '12345::1', ':::', '::ffff:1.2.3.999', ''])(
    '%s is not an address',
    (text) => {
      expect(ipAddressKind(text)).toBeNull();
    },
  );
});

describe('hostKind (URL host literals)', () => {
  const host = (url: string) => hostKind(new URL(url).hostname);
  it('sees loopback through trailing dots, embedded IPv4 and URL-parser normalisation', () => {
    for (const url of [
      'https://localhost./',
      'https://a.localhost./',
      'https://LOCALHOST/',
      'https://[::7f00:1]/',
      'https://[2002:7f00:1::]/',
      'https://[::ffff:127.0.0.1]/',
      'https://0x7f.1/',
      'https://2130706433/',
    ]) {
      expect(host(url), url).toBe('loopback');
    }
    for (const url of ['https://[fec0::1]/', 'https://[::ffff:a00:1]/', 'https://[2002:a9fe:a9fe::]/', 'https://169.254.169.254./']) {
      expect(host(url), url).toBe('private');
    }
  });

  it('cannot judge a DNS name from its literal', () => {
    expect(host('https://vm/')).toBe('public');
    expect(host('https://app.example.com./')).toBe('public');
  });
});
