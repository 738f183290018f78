import { NotBuiltPanel } from '../../components/not-built-panel';

/** Live vitals: the clinician's view of the beds on their unit. */
export function LiveScreen() {
  return (
    <NotBuiltPanel
      purpose="A grid of the beds on your unit with their latest numerics, trend lines and alarm states (high, low, signal lost), updated up to ten times a second. Opening a bed will show its recent history."
      forWhom="clinicians"
    />
  );
}
