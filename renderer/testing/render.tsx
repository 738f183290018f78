import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { VitalMeshClient } from '../../shared/api/client';
import type { Role } from '../../shared/roles';
import { AppProviders } from '../app/context';
import { createAppStore, type AppStore } from '../app/store';

/** Renders one screen or panel as a logged-in user, without the shell around it. */
export function renderAs(
  role: Role,
  ui: ReactNode,
  client: VitalMeshClient,
  username = `demo.${role}`,
): { store: AppStore } & ReturnType<typeof render> {
  const store = createAppStore({ session: { user: { username, displayName: `Demo ${role}`, role } } });
  const view = render(
    <AppProviders client={client} store={store}>
      {ui}
    </AppProviders>,
  );
  return { store, ...view };
}
