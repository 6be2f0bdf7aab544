import { describe, expect, it } from 'vitest';
import { formatIpv4, hostAddresses, hostCount, parseCidr, parseIpv4 } from './ipv4.ts';

describe('IPv4 blocks', () => {
  it('parses addresses and network blocks, refusing host bits and bad octets', () => {
    expect(parseIpv4('10.0.0.5')).toBe(167772165);
    expect(formatIpv4(4294967295)).toBe('255.255.255.255');
    expect(parseIpv4('10.0.0.256')).toBeNull();
    expect(parseIpv4('10.0.0')).toBeNull();
    expect(parseIpv4('01.0.0.1')).toBeNull();
    expect(parseCidr('192.0.2.0/24')).toEqual({ cidr: '192.0.2.0/24', network: 3221225984, prefix: 24, size: 256 });
    expect(parseCidr('10.0.0.1/16')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0')).toBeNull();
  });

  it('hands out hosts from .2 up, keeping network, gateway and broadcast', () => {
    const block = parseCidr('198.51.100.0/29')!;
    expect([...hostAddresses(block)]).toEqual(['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6']);
    expect(hostCount(block)).toBe(5);
    expect([...hostAddresses(parseCidr('198.51.100.0/31')!)]).toEqual([]);
    expect(hostCount(parseCidr('10.0.0.0/16')!)).toBe(65533);
  });
});
