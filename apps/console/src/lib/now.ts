import { useEffect, useState } from 'react';

/**
 * The current time, updated every `intervalMs`, so relative times ("just now", "5 minutes
 * ago") on a page left open keep telling the truth without new data arriving.
 */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
