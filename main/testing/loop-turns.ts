/**
 * Counts turns of the event loop until stopped: an immediate that re-queues itself advances once
 * per turn, so the count is how many turns a piece of work let through (one in one piece: none).
 */
export function loopTurns(): { stop(): number } {
  let turns = 0;
  let running = true;
  const turn = () => {
    turns++;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop() {
      running = false;
      return turns;
    },
  };
}
