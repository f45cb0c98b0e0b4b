// The order of a running challenge's ideas while its tallies are hidden, as the server
// gives it to each person (board/ideas.py `shuffle_rank`, the same arithmetic): highest
// rank first, ties by the higher id. An idea that arrives live goes where a reload puts
// it, so its place says nothing about when it came.

/** MurmurHash3's 32-bit finalizer (board/ideas.py `_mix32`). */
function mix32(value) {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Where an idea of a hidden-tally challenge stands in one person's order (32 bits). */
export function shuffleRank(viewerId, promptId, ideaId) {
  return mix32(((mix32(((mix32(viewerId) ^ promptId) >>> 0)) ^ ideaId) >>> 0));
}

/** Whether idea `a` comes before idea `b` in the person's order (higher rank, then id). */
export function shuffledBefore(viewerId, promptId, a, b) {
  const rankA = shuffleRank(viewerId, promptId, a);
  const rankB = shuffleRank(viewerId, promptId, b);
  return rankA !== rankB ? rankA > rankB : a > b;
}
