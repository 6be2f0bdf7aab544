import type { Executor } from '../../db/database.ts';
import { AppError } from '../../shared/errors.ts';
import { addressesRepository } from './addresses.repository.ts';
import { formatIpv4, hostAddresses, hostCount, parseCidr, parseIpv4, type Ipv4Block } from './ipv4.ts';

export interface AddressPlan {
  /** Blocks public addresses are handed out from. */
  publicPool: Ipv4Block[];
  /** Public addresses one team may hold at once. */
  publicPerTeam: number;
  /** The block every team network uses (networks are isolated per team, so blocks repeat). */
  privateBlock: Ipv4Block;
}

export interface ChosenAddresses {
  networkId: string;
  privateIpv4: string;
  publicIpv4: string | null;
}

/** Parses the address configuration; throws on a value that is not a CIDR block. */
export function addressPlan(opts: { publicPool: string[]; publicPerTeam: number; privateCidr: string }): AddressPlan {
  const block = (c: string) => {
    const b = parseCidr(c);
    if (!b) throw new Error(`not an IPv4 CIDR block: ${c}`);
    return b;
  };
  return { publicPool: opts.publicPool.map(block), publicPerTeam: opts.publicPerTeam, privateBlock: block(opts.privateCidr) };
}

/**
 * Hands out addresses: a private IPv4 in the team's network of the region (made on first use)
 * for every compute, and a public IPv4 from the platform's pool when asked, within the team's
 * quota. Choosing happens under a per-pool transaction lock, and every held address is a row
 * that partial unique indexes keep unique, so no address is ever held by two computes. A
 * released public address goes back last in line (never-used addresses first, then the one
 * released longest ago), so DNS records still pointing at it age out before it is reused.
 *
 * Use inside the creating transaction: `choose` (locks, picks), insert the compute, then `hold`.
 */
export class AddressAllocator {
  constructor(private readonly plan: AddressPlan) {}

  get publicPerTeam(): number {
    return this.plan.publicPerTeam;
  }

  async choose(ex: Executor, input: { teamId: string; region: string; withPublicIp: boolean; now: Date }): Promise<ChosenAddresses> {
    // Lock order: team network, then the public pool (the same for everyone: no deadlock).
    await addressesRepository.lockPool(ex, `private:${input.teamId}:${input.region}`);
    let network = await addressesRepository.network(ex, input.teamId, input.region);
    if (!network) {
      await addressesRepository.insertNetwork(ex, { teamId: input.teamId, region: input.region, cidr: this.plan.privateBlock.cidr, createdAt: input.now });
      network = (await addressesRepository.network(ex, input.teamId, input.region))!;
    }
    const block = parseCidr(network.cidr)!;
    const heldPrivate = new Set(await addressesRepository.heldPrivate(ex, network.id));
    const privateIpv4 = firstFree(block, heldPrivate);
    if (!privateIpv4) throw new AppError('CONFLICT', `The team's private network ${network.cidr} in ${input.region} is full: destroy a compute first.`);

    let publicIpv4: string | null = null;
    if (input.withPublicIp) {
      await addressesRepository.lockPool(ex, 'public');
      const held = await addressesRepository.countHeldPublic(ex, input.teamId);
      if (held >= this.plan.publicPerTeam) {
        throw new AppError(
          'PUBLIC_IP_LIMIT_REACHED',
          `The team holds ${held} public IPv4 address${held === 1 ? '' : 'es'}, its limit (${this.plan.publicPerTeam}): create the compute without a public IP, destroy one that has one, or ask support to raise the limit.`,
        );
      }
      publicIpv4 = await this.choosePublic(ex);
      if (!publicIpv4) throw new AppError('SERVICE_UNAVAILABLE', 'No public IPv4 address is free right now: create the compute without a public IP, or try again later.');
    }
    return { networkId: network.id, privateIpv4, publicIpv4 };
  }

  /** Records the chosen addresses as held by `computeId` (after the compute row exists). */
  async hold(ex: Executor, chosen: ChosenAddresses, input: { teamId: string; region: string; computeId: string; now: Date }): Promise<void> {
    const common = { region: input.region, teamId: input.teamId, computeId: input.computeId, allocatedAt: input.now };
    await addressesRepository.insert(ex, { ...common, kind: 'private', address: chosen.privateIpv4, networkId: chosen.networkId });
    if (chosen.publicIpv4) await addressesRepository.insert(ex, { ...common, kind: 'public', address: chosen.publicIpv4 });
  }

  /** Gives back every address of a destroyed compute. */
  async release(ex: Executor, computeId: string, now: Date): Promise<number> {
    return addressesRepository.releaseFor(ex, computeId, now);
  }

  /**
   * Prefix length and gateway (the block's first host) of a compute's addresses, for the guest's
   * static configuration. A public address outside today's pool (the pool was changed) gets none.
   */
  guestNetwork(privateIpv4: string, publicIpv4: string | null): { privateNet: { prefix: number; gateway: string }; publicNet: { prefix: number; gateway: string } | null } {
    const netOf = (b: Ipv4Block) => ({ prefix: b.prefix, gateway: formatIpv4(b.network + 1) });
    const ip = publicIpv4 === null ? null : parseIpv4(publicIpv4);
    const pool = ip === null ? undefined : this.plan.publicPool.find((b) => ip >= b.network && ip < b.network + b.size);
    // Team networks all use the configured private block (private_networks.cidr records it).
    return { privateNet: netOf(this.plan.privateBlock), publicNet: pool ? netOf(pool) : null };
  }

  /** Total public addresses in the pool. */
  publicCapacity(): number {
    return this.plan.publicPool.reduce((n, b) => n + hostCount(b), 0);
  }

  private async choosePublic(ex: Executor): Promise<string | null> {
    const held = new Set(await addressesRepository.heldPublic(ex));
    const released = await addressesRepository.releasedPublic(ex);
    let oldest: { address: string; at: number } | null = null;
    for (const block of this.plan.publicPool) {
      for (const a of hostAddresses(block)) {
        if (held.has(a)) continue;
        const at = released.get(a);
        if (at === undefined) return a;
        if (!oldest || at.getTime() < oldest.at) oldest = { address: a, at: at.getTime() };
      }
    }
    return oldest?.address ?? null;
  }
}

function firstFree(block: Ipv4Block, held: Set<string>): string | null {
  for (const a of hostAddresses(block)) if (!held.has(a)) return a;
  return null;
}
