import { asc } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { images, regions, specifications } from './catalog.schema.ts';

export const catalogRepository = {
  regions: (ex: Executor) => ex.select().from(regions).orderBy(asc(regions.position), asc(regions.id)),
  images: (ex: Executor) => ex.select().from(images).orderBy(asc(images.position), asc(images.slug)),
  specifications: (ex: Executor) => ex.select().from(specifications).orderBy(asc(specifications.position), asc(specifications.slug)),
};
