import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, clearCache, getJson } from './api';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: ApiError }
  | { state: 'ready'; data: T };

/**
 * The answer to GET `path` (null: nothing to ask), re-asked when `path` changes and after
 * `reload()`, which also forgets the cached answers.
 */
export function useApi<T>(path: string | null): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setLoaded({ state: 'loading' });
    getJson<T>(path).then(
      (data) => current && setLoaded({ state: 'ready', data }),
      (error: unknown) => current && setLoaded({ state: 'error', error: asApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => {
    clearCache();
    setGeneration((value) => value + 1);
  }, []);
  return { ...loaded, reload };
}

export const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : new ApiError(0, 'client', error instanceof Error ? error.message : String(error));
