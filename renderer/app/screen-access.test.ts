import { describe, expect, it } from 'vitest';
import { ROLES } from '../../shared/roles';
import { SCREENS } from './routes';
import { mayOpenScreen, mayOpenSettingsPage, SCREEN_NEEDS } from './screen-access';

describe('which screens each role is offered', () => {
  it('offers the audit to compliance only, and patient screens to clinicians only', () => {
    for (const role of ROLES) {
      expect(mayOpenScreen('audit', role)).toBe(role === 'compliance_officer');
      expect(mayOpenScreen('live', role)).toBe(role === 'clinician');
      expect(mayOpenScreen('patients', role)).toBe(role === 'clinician');
    }
  });

  it('offers Settings → Users to IT only, Settings → Node to everyone', () => {
    for (const role of ROLES) {
      expect(mayOpenScreen('settings', role)).toBe(true);
      expect(mayOpenSettingsPage('node', role)).toBe(true);
      expect(mayOpenSettingsPage('users', role)).toBe(role === 'it_admin');
    }
  });

  it('offers a screen with needs to nobody without a role', () => {
    for (const screen of SCREENS) {
      expect(mayOpenScreen(screen.id, undefined)).toBe(SCREEN_NEEDS[screen.id] === undefined);
    }
  });
});
