/**
 * Splits Docker's multiplexed log stream (Tty false): frames of [stream, 0, 0, 0, size u32 BE, payload].
 * Stdout and stderr stay interleaved in arrival order, as in a terminal; a non-multiplexed buffer passes through.
 */
export function demuxDockerLog(buffer: Buffer): string {
  const looksMultiplexed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!looksMultiplexed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-count);
}
