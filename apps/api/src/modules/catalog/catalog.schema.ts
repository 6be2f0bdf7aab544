import { integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';

/** Hosting regions; seeded by migration. Every region carries the country its data stays in. */
export const regions = pgTable('regions', {
  id: integer('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  countryCode: text('country_code').notNull(),
  position: integer('position').notNull().default(0),
});

/** Bootable images (operating systems and one-click applications); seeded by migration. */
export const images = pgTable('images', {
  slug: text('slug').primaryKey(),
  imageName: text('image_name').notNull(),
  version: text('version').notNull(),
  displayName: text('display_name').notNull(),
  kind: text('kind', { enum: ['os', 'application'] }).notNull(),
  position: integer('position').notNull().default(0),
});

/** Compute sizes ("specifications"); seeded by migration. */
export const specifications = pgTable('specifications', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  vcpus: integer('vcpus').notNull(),
  memoryMb: integer('memory_mb').notNull(),
  storageGb: integer('storage_gb').notNull(),
  position: integer('position').notNull().default(0),
});
