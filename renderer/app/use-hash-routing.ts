import { useEffect } from 'react';
import { hrefFor, parseHash, titleFor } from './routes';
import type { AppStore } from './store';

/**
 * Keeps the store's route in step with the location hash. Links are plain `#/…` anchors, so the
 * browser's own navigation (back, forward, open in new tab) keeps working. A hash with another
 * spelling of a route (empty, `#/settings`) is replaced by its canonical one without a new entry.
 */
export function useHashRouting(store: AppStore): void {
  useEffect(() => {
    const sync = () => {
      const route = parseHash(window.location.hash);
      const canonical = hrefFor(route);
      if (route.screen !== 'not_found' && canonical !== window.location.hash) {
        window.history.replaceState(window.history.state, '', canonical);
      }
      document.title = `${titleFor(route)} · VitalMesh`;
      store.getState().setRoute(route);
    };
    sync();
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, [store]);
}
