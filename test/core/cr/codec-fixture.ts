// What the codec suite (codec-suite.ts, codec-suite-reject.ts) needs to know about one codec that
// it cannot find out by itself: the pinned golden bytes, an independent walk of the layout (the
// record boundaries to cut at), how the format words its errors, how it treats damage, and the
// lies about lengths worth telling it. Each plugin's test folder exports its codecs' fixtures from
// `codec-fixtures.ts` (keyed by codec name); codecs.ts finds them by the plugin's name.
import { ImageError, type ImageCodec } from "../../../src/core/cr/interfaces.ts";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";

/** Bytes written out by hand as hex, `// comments` and whitespace allowed. */
export function hex(s: string): Uint8Array {
  const digits = s.replace(/\/\/[^\n]*|\s+/g, "");
  // Buffer.from(.., "hex") stops at the first bad digit: refuse one instead.
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`bad hex in golden bytes: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

/** A run of the golden image pinned byte for byte. */
export interface GoldenSpan {
  name: string;
  at: number;
  bytes: Uint8Array;
}

/** A lie about a length or a count in the rich image, and how the codec must refuse it. */
export interface LyingLength {
  name: string;
  /** The lying image, made from (a copy of) the rich one. */
  image(rich: Uint8Array): Uint8Array;
  /** What the ImageError must say; a function when it names offsets found in the rich image. */
  message: RegExp | ((rich: Uint8Array) => RegExp);
  /** Where the ImageError must say the problem is, when the fixture knows. */
  offset?(rich: Uint8Array): number;
  /**
   * Streaming codecs only: the lie must be refused once the decoder has seen the bytes up to here
   * (so the refusal cannot depend on a payload the lie makes it wait for, nor allocate it).
   */
  refusedBy?(rich: Uint8Array): number;
}

export interface CodecFixture {
  /** Whether the codec can be written and read strictly in order (pinned: a change is deliberate). */
  streams: boolean;
  /** The class of the codec's encode errors. */
  encodeError: new (...args: never[]) => Error;
  /** The minimal model's image: its length and SHA-256, and runs of it written out by hand. */
  golden: { length: number; sha256: string; spans: GoldenSpan[] };
  /** Every record boundary of a well-formed image, by a walk of the layout written for the test. */
  boundaries(image: Uint8Array): Set<number>;
  /** The rich image has at least this many boundaries (the walk saw every record). */
  minBoundaries: number;
  /** How the codec words a truncated image. */
  truncated: RegExp;
  /** Whether a truncation's ImageError points at the cut itself (a streaming reader knows it does). */
  truncatedAtCut: boolean;
  /**
   * "detected": any damage is an ImageError (the format checks its integrity);
   * "survived": damage may decode to some model, but never to anything but a model or ImageError.
   */
  damage: "detected" | "survived";
  /**
   * Re-seals a patched image (e.g. recomputes a checksum), so a lie reaches the check it aims at
   * rather than the integrity check. Identity for formats without one.
   */
  reseal(image: Uint8Array): Uint8Array;
  lyingLengths: LyingLength[];
  /** Encode refusals that only this format has, beyond the suite's common ones. */
  encodeRefusals: [string, (m: CheckpointModel) => void, RegExp][];
  /** How the codec words an image of another format (it must not mistake one for its own). */
  foreign: RegExp;
  /** Plugin options of variants of the codec (e.g. the per-task layout) the suite also runs. */
  variants?: Record<string, Record<string, unknown>>;
}

/** One codec as the suite tests it: made through its plugin's manifest, as a cell makes it. */
export interface CodecUnderTest {
  name: string;
  plugin: string;
  /** A fresh instance, with the plugin's options (defaults if none). */
  make(options?: Record<string, unknown>): ImageCodec;
  /** undefined: the plugin's test folder has no fixture for it (the suite says so and fails). */
  fixture: CodecFixture | undefined;
  /** Where the fixture is (or should be), relative to the repository. */
  fixtureFile: string;
}

/** The ImageError decoding `image` gives (whole, or pushed byte by byte); a failure otherwise. */
export function imageError(codec: ImageCodec, image: Uint8Array, bytewise = false): ImageError {
  try {
    if (!bytewise) codec.decode(image);
    else {
      const d = codec.decoder!();
      for (let i = 0; i < image.length; i++) d.push(image.subarray(i, i + 1));
      d.end();
    }
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`decode threw ${String(e)} instead of an ImageError`, { cause: e });
  }
  throw new Error("decode accepted a malformed image");
}

/** Runs decode; anything but a model or an ImageError fails the test. */
export function decodeOrImageError(codec: ImageCodec, image: Uint8Array): void {
  try {
    codec.decode(image);
  } catch (e) {
    if (!(e instanceof ImageError)) throw new Error(`decode threw ${String(e)} instead of an ImageError`, { cause: e });
  }
}

/** A copy of `image` with `edit` applied. */
export function edited(image: Uint8Array, edit: (dv: DataView, img: Uint8Array) => void): Uint8Array {
  const img = image.slice();
  edit(new DataView(img.buffer), img);
  return img;
}
