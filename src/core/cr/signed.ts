// Authenticated images (issue 17): CRCs catch accidents, not someone who edits an image and fixes
// its checksums. `sign` appends an HMAC-SHA256 (node:crypto) over the whole image; `verify`
// refuses an image that is unsigned, signed with another key or altered, before anything of it
// is used. The key comes from a host file named in the codec plugin's options, never from the
// guest. Any codec is wrapped the same way, so the layout is the codec's own, then:
//
//   image bytes ... | "CPTBSIG1" | u32 algorithm (1 = HMAC-SHA256) | u32 0 | 32-byte MAC
//
// The MAC covers every byte before it (image, magic, algorithm, zero word).
//
// Whole images (decode) are verified before the codec sees a byte. A streamed image is verified
// as it is read, and the decoded model is buffered until the MAC at its end has matched: the
// restart builds no task before that (read-model.ts returns the model only from end()). We buffer
// the model rather than sign per chunk because a chained per-chunk MAC would change every codec's
// stream layout and the pipe chunking, while the model is held until the end anyway (a restart
// creates tasks from a whole model). The codec's own errors on a stream being verified are held
// back too, so an altered image is reported as failing its signature, the more useful message.
import { createHmac, timingSafeEqual, type Hmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CptbenchError } from "../../machine/errors.ts";
import { ImageError, type ImageCodec, type ImageDecoder, type ImageRecord } from "./interfaces.ts";
import type { CheckpointModel } from "./model.ts";
import type { ImageBytes } from "./paged-image.ts";

const MAGIC = "CPTBSIG1";
const ALG_HMAC_SHA256 = 1;
const MAC_SIZE = 32;
/** The signature trailer: magic, algorithm, zero word, MAC. */
export const SIG_SIZE = 8 + 4 + 4 + MAC_SIZE;
/** A shorter key gives an HMAC-SHA256 less strength than its 128-bit floor. */
export const MIN_KEY_BYTES = 16;

/** A key file that cannot be used (missing, unreadable, too short). Exit status 2. */
export class KeyFileError extends CptbenchError {}

/** The raw bytes of a key file: at least MIN_KEY_BYTES, else a KeyFileError naming the file. */
export function readKeyFile(path: string, use: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KeyFileError("KEY_FILE", `cannot read the ${use} key file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (key.length < MIN_KEY_BYTES) {
    throw new KeyFileError("KEY_FILE", `the ${use} key file ${path} holds ${key.length} bytes; a key is raw bytes, at least ${MIN_KEY_BYTES}`);
  }
  return key;
}

/** An image is unsigned, or its signature does not match: refused before it is decoded. */
export class SignatureError extends ImageError {
  override name = "SignatureError";
}

function trailerHead(): Uint8Array {
  const t = new Uint8Array(16);
  for (let i = 0; i < 8; i++) t[i] = MAGIC.charCodeAt(i);
  new DataView(t.buffer).setUint32(8, ALG_HMAC_SHA256, true);
  return t;
}

/** Whether `image` ends in a signature trailer (its magic where one would start). */
export function isSigned(image: Uint8Array): boolean {
  if (image.length < SIG_SIZE) return false;
  const at = image.length - SIG_SIZE;
  for (let i = 0; i < 8; i++) if (image[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * Checks the trailer `sig` (SIG_SIZE bytes) against `mac`, fed every byte before the MAC.
 * `bodyLen` is the image's length without the trailer, for messages.
 */
function checkTrailer(sig: Uint8Array, mac: Hmac, bodyLen: number, what: string): void {
  const dv = new DataView(sig.buffer, sig.byteOffset, sig.byteLength);
  let signed = sig.length === SIG_SIZE;
  for (let i = 0; signed && i < 8; i++) if (sig[i] !== MAGIC.charCodeAt(i)) signed = false;
  if (!signed) throw new SignatureError(`the ${what} image is not signed (no "${MAGIC}" signature at its end), and --verify refuses unsigned images: dump it again with --sign`, bodyLen);
  const alg = dv.getUint32(8, true);
  if (alg !== ALG_HMAC_SHA256 || dv.getUint32(12, true) !== 0) {
    throw new SignatureError(`the ${what} image's signature at byte ${bodyLen} has algorithm ${alg}, not HMAC-SHA256 (1): it was altered or written by another cptbench`, bodyLen + 8);
  }
  mac.update(sig.subarray(0, SIG_SIZE - MAC_SIZE));
  const want = mac.digest();
  if (!timingSafeEqual(want, sig.subarray(SIG_SIZE - MAC_SIZE))) {
    throw new SignatureError(`the ${what} image's HMAC-SHA256 (byte ${bodyLen + 16}) does not match its ${bodyLen} bytes: the image was altered after it was signed, or it was signed with another key`, bodyLen + 16);
  }
}

export interface SignOptions {
  /** Sign every image written with this key. */
  sign?: Uint8Array;
  /** Refuse every image read that is not signed with this key. */
  verify?: Uint8Array;
}

/** `inner`, signing and verifying as `opts` say. */
export class SignedCodec implements ImageCodec {
  readonly name: string;
  readonly streams: boolean;
  readonly formatVersion?: number;
  readonly decoder?: () => ImageDecoder;
  readonly decodeLent?: (image: ImageBytes) => CheckpointModel;

  constructor(readonly inner: ImageCodec, private readonly opts: SignOptions) {
    this.name = inner.name;
    this.streams = inner.streams;
    this.formatVersion = inner.formatVersion;
    if (inner.decoder !== undefined) this.decoder = () => new SignedDecoder(inner.decoder!(), opts.verify, inner.name);
    if (inner.decodeLent !== undefined) this.decodeLent = (image) => this.decodeLentBody(image, inner.decodeLent!.bind(inner));
  }

  sniff(head: Uint8Array): boolean {
    return this.inner.sniff?.(head) === true;
  }

  records(image: Uint8Array): ImageRecord[] {
    if (!isSigned(image)) return this.inner.records?.(image) ?? [];
    const body = image.length - SIG_SIZE;
    return [...(this.inner.records?.(image.subarray(0, body)) ?? []), { offset: body, length: SIG_SIZE, type: -1, name: "signature (HMAC-SHA256)", depth: 0 }];
  }

  *encode(model: CheckpointModel): Generator<Uint8Array> {
    const key = this.opts.sign;
    if (key === undefined) {
      yield* this.inner.encode(model);
      return;
    }
    const mac = createHmac("sha256", key);
    for (const c of this.inner.encode(model)) {
      mac.update(c);
      yield c;
    }
    const head = trailerHead();
    mac.update(head);
    const out = new Uint8Array(SIG_SIZE);
    out.set(head);
    out.set(mac.digest(), head.length);
    yield out;
  }

  decode(image: Uint8Array): CheckpointModel {
    return this.decodeBody(image, (body) => this.inner.decode(body));
  }

  /**
   * decodeLent: a file's pages are verified from a copy of their own (the MAC needs every byte
   * anyway; that copy is then decoded as one), or, not verifying, decoded in place with a
   * signature trailer left off.
   */
  private decodeLentBody(image: ImageBytes, decodeLent: (body: ImageBytes) => CheckpointModel): CheckpointModel {
    if (image instanceof Uint8Array) return this.decodeBody(image, decodeLent);
    if (this.opts.verify !== undefined) return this.decode(image.subarray(0, image.length));
    const tail = image.subarray(Math.max(0, image.length - SIG_SIZE));
    return decodeLent(isSigned(tail) ? image.prefix(image.length - SIG_SIZE) : image);
  }

  /** The signature checked (when verifying) or stripped, then `decode` of the rest. */
  private decodeBody(image: Uint8Array, decode: (body: Uint8Array) => CheckpointModel): CheckpointModel {
    const key = this.opts.verify;
    if (key !== undefined) {
      const body = Math.max(0, image.length - SIG_SIZE);
      const mac = createHmac("sha256", key);
      mac.update(image.subarray(0, body));
      checkTrailer(image.subarray(body), mac, body, this.name);
      return decode(image.subarray(0, body));
    }
    // Not verifying: a signature is just stripped (the codec's own checks still apply).
    return decode(isSigned(image) ? image.subarray(0, image.length - SIG_SIZE) : image);
  }
}

/**
 * The streamed form: the last SIG_SIZE bytes seen are held back (they may be the trailer), the
 * rest goes to the codec's decoder and, when verifying, into the MAC.
 */
class SignedDecoder implements ImageDecoder {
  private readonly mac: Hmac | null;
  private tail = new Uint8Array(0);
  private passed = 0;
  /** The codec's error while verifying: reported only if the signature matched. */
  private held: unknown = null;

  constructor(private readonly inner: ImageDecoder, key: Uint8Array | undefined, private readonly what: string) {
    this.mac = key === undefined ? null : createHmac("sha256", key);
  }

  push(chunk: Uint8Array, borrowed = false): void {
    const all = this.tail.length === 0 ? chunk : concat(this.tail, chunk);
    // A concatenation is this decoder's own copy; the chunk itself is passed on as it came.
    const lent = borrowed && all === chunk;
    const pass = Math.max(0, all.length - SIG_SIZE);
    this.tail = all.slice(pass);
    if (pass === 0) return;
    const out = all.subarray(0, pass);
    this.passed += pass;
    if (this.mac === null) {
      this.inner.push(out, lent);
      return;
    }
    this.mac.update(out);
    if (this.held !== null) return;
    try {
      this.inner.push(out, lent);
    } catch (e) {
      this.held = e;
    }
  }

  end(): CheckpointModel {
    if (this.mac !== null) {
      checkTrailer(this.tail, this.mac, this.passed, this.what);
      if (this.held !== null) throw this.held;
      return this.inner.end();
    }
    // Not verifying: what was held back is the trailer if it looks like one, else image bytes.
    const t = this.tail;
    if (!(t.length === SIG_SIZE && isSigned(t)) && t.length > 0) this.inner.push(t);
    return this.inner.end();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const keyFile = z.strictObject({ keyFile: z.string().min(1).describe("a host file of raw key bytes, at least 16") });
/** The options every codec plugin takes for authenticated images (spread into its schema). */
export const keyOptions = {
  sign: keyFile.optional().describe("sign every image written with an HMAC-SHA256 (core/cr/signed.ts)"),
  verify: keyFile.optional().describe("refuse, before decoding it, every image not signed with this key"),
};
/** Key files as a codec plugin's options name them (`sign: {keyFile}`, `verify: {keyFile}`). */
export interface KeyOptions {
  sign?: { keyFile: string };
  verify?: { keyFile: string };
}

/** `codec` wrapped to sign and/or verify as the plugin options say; itself when they say neither. */
export function withKeys(codec: ImageCodec, o: KeyOptions): ImageCodec {
  if (o.sign === undefined && o.verify === undefined) return codec;
  return new SignedCodec(codec, {
    sign: o.sign === undefined ? undefined : readKeyFile(o.sign.keyFile, "--sign"),
    verify: o.verify === undefined ? undefined : readKeyFile(o.verify.keyFile, "--verify"),
  });
}
