import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { catalogRepository } from './catalog.repository.ts';
import type { ImageResponse, RegionResponse, SpecificationResponse } from './catalog.schemas.ts';

interface Catalog {
  regions: RegionResponse[];
  images: ImageResponse[];
  specifications: SpecificationResponse[];
}

/**
 * Regions, images and sizes: reference data that changes only by migration or by staff, read on
 * nearly every console page and API session. It is read from the database and kept for `ttlMs`
 * (0 reads the database on every call), so the hot path costs no query.
 */
export class CatalogService {
  private cached: { at: number; value: Promise<Catalog> } | undefined;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  async regions(): Promise<RegionResponse[]> {
    return (await this.load()).regions;
  }

  async images(): Promise<ImageResponse[]> {
    return (await this.load()).images;
  }

  async specifications(): Promise<SpecificationResponse[]> {
    return (await this.load()).specifications;
  }

  /** Drops the cached copy (after staff change the catalogue). */
  invalidate(): void {
    this.cached = undefined;
  }

  private load(): Promise<Catalog> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = this.read();
    this.cached = { at: now, value };
    value.catch(() => (this.cached = undefined));
    return value;
  }

  private async read(): Promise<Catalog> {
    const [regions, images, specifications] = await Promise.all([
      catalogRepository.regions(this.db),
      catalogRepository.images(this.db),
      catalogRepository.specifications(this.db),
    ]);
    return {
      regions: regions.map((r) => ({ id: r.id, region: r.slug, name: r.name, countryCode: r.countryCode })),
      images: images.map((i) => ({ image: i.slug, imageName: i.imageName, version: i.version, displayName: i.displayName })),
      specifications: specifications.map((s) => ({ id: s.id, specification: s.slug, vcpus: s.vcpus, memoryMb: s.memoryMb, storageGb: s.storageGb })),
    };
  }
}
