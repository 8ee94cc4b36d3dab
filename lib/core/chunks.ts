/** Where output goes, in chunks. */
export type Write = (chunk: string) => void;

/**
 * A writer that hands `write` chunks of about 64 KB: output written as it is
 * found (a large cluster's millions of rows) without a call per small piece.
 * `flush` writes what is left.
 */
export function buffered(write: Write): { put: (text: string) => void; flush: () => void } {
  let buffer = '';
  return {
    put: (text) => { buffer += text; if (buffer.length >= 65536) { write(buffer); buffer = ''; } },
    flush: () => { if (buffer) write(buffer); buffer = ''; },
  };
}

/** What a streaming writer writes, as one text. */
export function collected(fn: (write: Write) => void): string {
  const parts: string[] = [];
  fn((chunk) => parts.push(chunk));
  return parts.join('');
}
