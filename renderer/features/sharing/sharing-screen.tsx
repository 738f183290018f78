import { NotBuiltPanel } from '../../components/not-built-panel';

/** Sharing: peers, data products and agreements. */
export function SharingScreen() {
  return (
    <NotBuiltPanel
      purpose="Enrol peer facilities by their certificate fingerprints, define versioned data products, and write sharing agreements. An agreement shares nothing until a compliance officer approves it, and only de-identified data leaves this node."
      forWhom="facility IT and compliance officers"
    />
  );
}
