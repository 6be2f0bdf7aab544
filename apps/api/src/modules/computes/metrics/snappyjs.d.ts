/** snappyjs ships no types: the two functions the metrics ingest uses (snappy block format). */
declare module 'snappyjs' {
  /** Throws when the stream is invalid or states an uncompressed length above `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
