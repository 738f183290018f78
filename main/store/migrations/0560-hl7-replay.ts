import type { Migration } from '../migrate';

/**
 * Replay from the quarantine (issue 4: raw messages are kept "for review and replay"): a replayed
 * message is a new row naming the one it was replayed from, so the original keeps its outcome
 * and ACK as they were, and the quarantine can say what its replay became.
 *
 * No foreign key: retention purges the quarantine and accepted messages on their own schedules,
 * so the original may go first, and with foreign keys on every purge of hl7_messages would have to
 * look for replays naming each row. The link is for reading; a purged original is simply gone.
 */
export const m0560: Migration = {
  version: 560,
  name: '0560-hl7-replay',
  up(db) {
    db.exec(`
      ALTER TABLE hl7_messages ADD COLUMN replay_of INTEGER;
      CREATE INDEX hl7_messages_replay_of ON hl7_messages(replay_of) WHERE replay_of IS NOT NULL;
    `);
  },
};
