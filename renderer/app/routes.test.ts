import { describe, expect, it } from 'vitest';
import { hrefFor, parseHash, SCREENS, type Route } from './routes';

describe('hash routes', () => {
  it('reads every screen and the settings pages', () => {
    for (const screen of SCREENS.filter((s) => s.id !== 'settings')) {
      expect(parseHash(`#${screen.path}`)).toEqual({ screen: screen.id });
    }
    expect(parseHash('#/settings/node')).toEqual({ screen: 'settings', page: 'node' });
    expect(parseHash('#/settings/users')).toEqual({ screen: 'settings', page: 'users' });
  });

  it('maps other spellings to one canonical route', () => {
    expect(parseHash('')).toEqual({ screen: 'live' });
    expect(parseHash('#/')).toEqual({ screen: 'live' });
    expect(parseHash('#/settings')).toEqual({ screen: 'settings', page: 'node' });
    expect(parseHash('#/audit/')).toEqual({ screen: 'audit' });
  });

  it('says when there is no such page', () => {
    expect(parseHash('#/nope')).toEqual({ screen: 'not_found', path: '/nope' });
    expect(parseHash('#/live/3')).toEqual({ screen: 'not_found', path: '/live/3' });
    expect(parseHash('#/settings/keys')).toEqual({ screen: 'not_found', path: '/settings/keys' });
    expect(parseHash('#/settings/node/x')).toEqual({ screen: 'not_found', path: '/settings/node/x' });
  });

  it('round-trips', () => {
    const routes: Route[] = [{ screen: 'exports' }, { screen: 'settings', page: 'node' }];
    for (const route of routes) expect(parseHash(hrefFor(route))).toEqual(route);
  });
});
