import { describe, expect, it } from 'vitest';
import { buildNoCloudSeed, guestMac, guestNics, nocloudNetworkConfig } from './qemu.seed.ts';

const COMPUTE = '6f1c2a4e-3b5d-4c7e-9f10-2a3b4c5d6e7f';

describe('NoCloud network-config of the qemu driver', () => {
  it('puts the private address on eth0 with the default route when there is no public one', () => {
    const nics = guestNics(COMPUTE, { privateIpv4: '10.0.0.2', publicIpv4: null, privateNet: { prefix: 16, gateway: '10.0.0.1' } });
    expect(nics).toEqual([
      { role: 'private', name: 'eth0', mac: guestMac(COMPUTE, 0), cidr: '10.0.0.2/16', gateway: '10.0.0.1', defaultRoute: true, block: '10.0.0.0/16', dns: '10.0.255.254' },
    ]);
    expect(nocloudNetworkConfig(nics)).toBe(
      [
        'version: 2',
        'ethernets:',
        '  eth0:',
        '    match:',
        `      macaddress: "${guestMac(COMPUTE, 0)}"`,
        '    set-name: eth0',
        '    dhcp4: false',
        '    addresses: ["10.0.0.2/16"]',
        '    routes:',
        '      - to: default',
        '        via: 10.0.0.1',
        '    nameservers:',
        '      addresses: [10.0.255.254]',
        '',
      ].join('\n'),
    );
  });

  it('adds the public address on eth1, which then takes the default route', () => {
    const nics = guestNics(COMPUTE, {
      privateIpv4: '10.0.0.7',
      publicIpv4: '198.51.100.14',
      privateNet: { prefix: 16, gateway: '10.0.0.1' },
      publicNet: { prefix: 28, gateway: '198.51.100.1' },
    });
    expect(nics.map((n) => [n.name, n.cidr, n.defaultRoute])).toEqual([
      ['eth0', '10.0.0.7/16', false],
      ['eth1', '198.51.100.14/28', true],
    ]);
    // The user-mode network's DNS address is never the guest's own (.14 is the last host of the /28).
    expect(nics[1]).toMatchObject({ block: '198.51.100.0/28', dns: '198.51.100.13' });
    const yaml = nocloudNetworkConfig(nics);
    expect(yaml.match(/to: default/g)).toHaveLength(1);
    expect(yaml).toContain('via: 198.51.100.1');
    expect(guestMac(COMPUTE, 0)).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(guestMac(COMPUTE, 1)).not.toBe(guestMac(COMPUTE, 0));
  });

  it('configures an address whose network is unknown as a /32 without a route', () => {
    const [nic] = guestNics(COMPUTE, { privateIpv4: '10.0.0.2', publicIpv4: null });
    expect(nic).toMatchObject({ cidr: '10.0.0.2/32', gateway: null, defaultRoute: false, block: null, dns: null });
    expect(nocloudNetworkConfig([nic!])).not.toContain('routes');
  });

  it('writes network-config into the seed beside meta-data and user-data', () => {
    const seed = buildNoCloudSeed({
      computeId: COMPUTE, hostName: 'web-1', image: 'UBUNTU-24.04', vcpus: 1, memoryMb: 512, diskGb: 10, sshPublicKeys: [], userData: null,
      network: { privateIpv4: '10.0.0.2', publicIpv4: null, privateNet: { prefix: 16, gateway: '10.0.0.1' } },
    });
    expect(seed.includes('NETWORK-CONFIG;1')).toBe(true);
    expect(seed.includes('addresses: ["10.0.0.2/16"]')).toBe(true);
  });
});
