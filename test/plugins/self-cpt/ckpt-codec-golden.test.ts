// Golden bytes only ckpt has: the order of its records (shared objects before the task that
// names them, the trailer last) and the trailer's bytes. The header, the prologue and the SHA-256
// of the whole minimal stream are pinned in this folder's codec-fixtures.ts and checked by the
// codec suite (test/core/cr/codecs-roundtrip.test.ts).
import { describe, expect, it } from "vitest";
import { CKPT_HDR_TAIL } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel } from "../../support/cr-models.ts";
import { codec, records } from "./ckpt-image.ts";

describe("ckpt golden bytes", () => {
  const image = concat(codec.encode(minimalModel()));

  it("writes shared objects before the task that names them, and the trailer last", () => {
    const types = records(image).map((r) => r.type);
    // header, pidns, tree, container, pid, signal (thread group), sighand, cred, task, tail
    expect(types).toEqual([1, 100, 101, 6, 110, 602, 601, 111, 102, CKPT_HDR_TAIL]);
    const tail = records(image).at(-1)!;
    expect(Buffer.from(image.subarray(tail.at, tail.at + 16)).toString("hex")).toBe("29230000" + "18000000" + "00feeec00c2a2d00");
  });
});
