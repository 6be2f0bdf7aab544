import { z } from 'zod';

export const RegionResponseSchema = z
  .object({
    id: z.number().int().describe('Numeric region id.'),
    region: z.string().describe('Region slug used when creating resources.').meta({ example: 'KGL-1' }),
    name: z.string().describe('Display name.').meta({ example: 'Kigali-1' }),
    countryCode: z.string().describe('ISO 3166-1 country where the region keeps its data.').meta({ example: 'RW' }),
  })
  .meta({ id: 'RegionResponse' });

export const ImageResponseSchema = z
  .object({
    image: z.string().describe('Image slug used when creating a compute.').meta({ example: 'UBUNTU-24.04' }),
    imageName: z.string().describe('Operating system or application name.').meta({ example: 'Ubuntu' }),
    version: z.string().meta({ example: '24.04' }),
    displayName: z.string().meta({ example: '24.04 LTS' }),
  })
  .meta({ id: 'ImageResponse' });

export const SpecificationResponseSchema = z
  .object({
    id: z.string().describe('Specification id (UUID).'),
    specification: z.string().describe('Size slug used when creating or upsizing a compute; S means shared CPU.').meta({ example: 'S-1C' }),
    vcpus: z.number().int().describe('Virtual CPUs.'),
    memoryMb: z.number().describe('Memory in MB.'),
    storageGb: z.number().describe('SSD storage in GB.'),
  })
  .meta({ id: 'SpecificationResponse' });

export type RegionResponse = z.output<typeof RegionResponseSchema>;
export type ImageResponse = z.output<typeof ImageResponseSchema>;
export type SpecificationResponse = z.output<typeof SpecificationResponseSchema>;
