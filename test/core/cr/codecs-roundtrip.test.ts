// The codec suite's first part (codec-suite.ts) over every registered codec: round trips, golden
// bytes, views, encode refusals, and streaming or ESPIPE.
import { describe, expect, it } from "vitest";
import { codecSuite } from "./codec-suite.ts";
import { registeredCodecs } from "./codecs.ts";

const codecs = await registeredCodecs();

it("finds the codecs through the plugin manifests", () => {
  expect(codecs.length).toBeGreaterThanOrEqual(2);
  expect(new Set(codecs.map((c) => c.name)).size).toBe(codecs.length);
});

describe.each(codecs.map((c) => [c.name, c] as const))("codec %s", (_, c) => codecSuite(c));
