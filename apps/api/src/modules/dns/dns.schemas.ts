import { z } from 'zod';
import { EDITABLE_TYPES } from './records.ts';

const time = (what: string) => z.string().describe(`${what} (ISO 8601).`);

export const DomainCreateSchema = z
  .object({
    name: z.string().min(1).max(253).describe('The domain, e.g. example.rw (IDNs accepted).').meta({ example: 'example.rw' }),
    autoImport: z.boolean().optional().describe('Read the records the current DNS host serves, for review (default true).'),
  })
  .meta({ id: 'DomainCreateRequest' });

export const DomainParamsSchema = z.object({ name: z.string().min(1).max(253).describe('The domain.') });
export const RrsetParamsSchema = DomainParamsSchema.extend({
  recordName: z.string().min(1).max(253).describe('`@` for the apex, else relative to the domain (`www`, `*.dev`).'),
  type: z.string().min(1).max(10).describe(`One of ${EDITABLE_TYPES.join(', ')}.`),
});

export const DomainResponseSchema = z
  .object({
    name: z.string(),
    status: z.enum(['ACTIVATING', 'ACTIVE', 'INACTIVE']),
    nameservers: z.array(z.string()).describe('Set these at your registrar.'),
    delegatedTo: z.array(z.string()).describe('Nameservers the last check found.'),
    awaitingParentDelegation: z.boolean(),
    serial: z.number().int(),
    recordSets: z.number().int(),
    createdAt: time('Added'),
    checkedAt: time('Last delegation check').nullable(),
    statusChangedAt: time('Last status change'),
  })
  .meta({ id: 'DomainResponse' });

const RecordSchema = z.object({
  value: z.string().min(1).max(4096).describe('Presentation format, e.g. `192.0.2.1`, `10 mail.example.rw.`.'),
  comment: z.string().max(255).optional(),
}).meta({ id: 'DnsRecord' });

export const RrsetPutSchema = z
  .object({ ttl: z.number().int().optional().describe('Seconds; the installation default when absent.'), records: z.array(RecordSchema).min(1).max(100) })
  .meta({ id: 'RrsetRequest' });

export const RrsetResponseSchema = z
  .object({ name: z.string().describe('`@` or relative name.'), fqdn: z.string(), type: z.string(), ttl: z.number().int(), records: z.array(RecordSchema), updatedAt: time('Changed') })
  .meta({ id: 'RrsetResponse' });

export const ImportReviewSchema = z
  .object({
    method: z.enum(['axfr', 'lookup']),
    foundAt: time('Found'),
    rrsets: z.array(RrsetResponseSchema.extend({ conflict: z.string().nullable().describe('Why it cannot be saved as is.') })),
  })
  .meta({ id: 'DnsImportReview' });

export const ImportAcceptSchema = z
  .object({ accept: z.array(z.object({ name: z.string().min(1).max(253), type: z.string().min(1).max(10) })).max(1000).optional().describe('Rrsets to save; all when absent.') })
  .meta({ id: 'DnsImportAccept' });

export const ImportResultSchema = z
  .object({ saved: z.array(RrsetResponseSchema), skipped: z.array(z.object({ name: z.string(), type: z.string(), reason: z.string() })) })
  .meta({ id: 'DnsImportResult' });

export const ReverseDnsParamsSchema = z.object({ id: z.string().min(1).max(100).describe('Compute ID.') });
export const ReverseDnsSchema = z
  .object({ ipv4: z.string().describe('The compute\'s public IPv4.'), name: z.string().max(253).nullable().describe('Host name of its PTR record, or null.') })
  .meta({ id: 'ReverseDns' });
