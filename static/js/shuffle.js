// The order of a running challenge's ideas while its tallies are hidden, as the server
// gives it to each person (board/ideas.py `shuffle_rank`): each idea stands at the first
// 4 bytes of BLAKE2b("<viewer>:<challenge>:<idea>"), read big-endian, highest first, ties
// by the higher id. An idea that arrives live goes where a reload puts it, so its place
// says nothing about when it came. The hash is computed here because browsers offer no
// BLAKE2b (and Web Crypto only in secure contexts); BigInt keeps it short, and a page
// hashes only the ideas it places.

const MASK = (1n << 64n) - 1n;
const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];
// G's word pairs: the four columns, then the four diagonals.
const MIX = [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
  [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14]];

const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & MASK;

function compress(h, block, counter, last) {
  const m = [];
  for (let i = 0; i < 16; i += 1) {
    let word = 0n;
    for (let b = 7; b >= 0; b -= 1) word = (word << 8n) | BigInt(block[i * 8 + b]);
    m.push(word);
  }
  const v = [...h, ...IV];
  v[12] ^= BigInt(counter);
  if (last) v[14] ^= MASK;
  for (let round = 0; round < 12; round += 1) {
    const s = SIGMA[round % 10];
    MIX.forEach(([a, b, c, d], i) => {
      v[a] = (v[a] + v[b] + m[s[2 * i]]) & MASK;
      v[d] = rotr(v[d] ^ v[a], 32n);
      v[c] = (v[c] + v[d]) & MASK;
      v[b] = rotr(v[b] ^ v[c], 24n);
      v[a] = (v[a] + v[b] + m[s[2 * i + 1]]) & MASK;
      v[d] = rotr(v[d] ^ v[a], 16n);
      v[c] = (v[c] + v[d]) & MASK;
      v[b] = rotr(v[b] ^ v[c], 63n);
    });
  }
  for (let i = 0; i < 8; i += 1) h[i] ^= v[i] ^ v[i + 8];
}

/** BLAKE2b of `bytes` (a Uint8Array), unkeyed, `size` bytes long (1-64). */
export function blake2b(bytes, size) {
  const h = [...IV];
  h[0] ^= 0x01010000n ^ BigInt(size);
  const blocks = Math.max(1, Math.ceil(bytes.length / 128));
  for (let n = 0; n < blocks; n += 1) {
    const block = new Uint8Array(128);
    block.set(bytes.subarray(n * 128, n * 128 + 128));
    const last = n === blocks - 1;
    compress(h, block, last ? bytes.length : (n + 1) * 128, last);
  }
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) out[i] = Number((h[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
  return out;
}

/** Where an idea of a hidden-tally challenge stands in one person's order (32 bits). */
export function shuffleRank(viewerId, promptId, ideaId) {
  const digest = blake2b(new TextEncoder().encode(`${viewerId}:${promptId}:${ideaId}`), 4);
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}

/** Whether idea `a` comes before idea `b` in the person's order (higher rank, then id). */
export function shuffledBefore(viewerId, promptId, a, b) {
  const rankA = shuffleRank(viewerId, promptId, a);
  const rankB = shuffleRank(viewerId, promptId, b);
  return rankA !== rankB ? rankA > rankB : a > b;
}
