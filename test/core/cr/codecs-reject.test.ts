// The codec suite's second part (codec-suite-reject.ts) over every registered codec: truncation,
// bit flips, lying lengths and foreign images, each an ImageError that says what and where.
import { describe } from "vitest";
import { codecRejectSuite } from "./codec-suite-reject.ts";
import { registeredCodecs } from "./codecs.ts";

const codecs = await registeredCodecs();

describe.each(codecs.map((c) => [c.name, c] as const))("codec %s rejects malformed images", (_, c) => codecRejectSuite(c, codecs));
