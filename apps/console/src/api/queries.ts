import { QueryClient, useQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import { ApiError, unwrap } from './errors.ts';

/**
 * React Query hooks over the SDK. Pages use these hooks only, never the client, so changing
 * how the console talks to the API touches this folder alone.
 */

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // A 4xx will not change by asking again; the network and 5xx might.
        retry: (failureCount, error) => failureCount < 2 && (!(error instanceof ApiError) || error.isTransient),
      },
    },
  });
}

export const queryKeys = {
  health: ['health'] as const,
  specifications: ['computes', 'specifications'] as const,
  regions: ['regions'] as const,
  images: ['images'] as const,
};

/** `GET /api/v1/health` (no auth): service status and whether sandbox providers are active. */
export function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/health', { signal }))).data,
    staleTime: 60_000,
    refetchInterval: 5 * 60_000,
  });
}

/** Compute sizes, in the order the platform lists them. */
export function useSpecifications() {
  return useQuery({
    queryKey: queryKeys.specifications,
    queryFn: async ({ signal }) => {
      const body = await unwrap(api.GET('/computes/specifications', { params: { query: { limit: 100 } }, signal }));
      return { items: body.data, total: body.meta.total };
    },
    staleTime: 10 * 60_000,
  });
}

/** Hosting regions, each with the country its data stays in. */
export function useRegions() {
  return useQuery({
    queryKey: queryKeys.regions,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/regions', { signal }))).data,
    staleTime: 10 * 60_000,
  });
}

/** Bootable images. */
export function useImages() {
  return useQuery({
    queryKey: queryKeys.images,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/images', { signal }))).data,
    staleTime: 10 * 60_000,
  });
}
