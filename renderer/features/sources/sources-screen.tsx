import { NotBuiltPanel } from '../../components/not-built-panel';

/** Sources: the device feeds and FHIR servers this node ingests from. */
export function SourcesScreen() {
  return (
    <NotBuiltPanel
      purpose="Connect bedside-device feeds (HL7 v2 over MLLP) and FHIR R4 servers, and follow each source's state, message counts and the messages it rejected, with the reason."
      forWhom="facility IT"
    />
  );
}
