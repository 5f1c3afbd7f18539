// Golden bytes: the ckpt stream of the minimal model pinned by SHA-256, and its header record
// written out by hand, so any change to the format is a visible, deliberate edit here.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CKPT_HDR_TAIL } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, minimalModel } from "../../support/cr-models.ts";
import { codec, records } from "./ckpt-image.ts";

function hex(s: string): Uint8Array {
  const digits = s.replace(/\/\/[^\n]*|\s+/g, "");
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`bad hex in golden bytes: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

// CKPT_HDR_HEADER, 71 bytes + 1 of padding.
const HEADER = hex(`
  01000000                 // h.type: CKPT_HDR_HEADER (1)
  47000000                 // h.len: 71 (header included, padding excluded)
  00d2a2c00cedfe00         // magic: CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200
  01000000                 // format version 1
  32005352                 // arch 0x52530032: riscv32 (ours)
  00100000                 // page size 4096
  00000000                 // flags: none
  3412000000000000         // clock: meta.clock 0x1234 (s64)
  16000000                 // kernel version: 22 bytes
  63707462656e636820302e312e302072697363763332  // "cptbench 0.1.0 riscv32"
  01000000 74              // producer: 1 byte, "t"
  00                       // padding to 8
`);

// The records after it: the pid namespace table, the task tree, the container.
const PROLOGUE = hex(`
  64000000 28000000        // CKPT_HDR_PIDNS_TREE (100), len 40
  01000000 00000000        //   1 namespace; pad
  01000000 01000000        //   objref 1, id 1
  00000000 01000000        //   parent none (0); allocating
  0100000000000000         //   lastPid 1
  65000000 18000000        // CKPT_HDR_TREE (101), len 24
  01000000 00000000        //   1 task; pad
  02000000 01000000        //   objref 2, task id 1
  06000000 52000000        // CKPT_HDR_CONTAINER (6), len 82
  02000000 01000000        //   init task objref 2, pid namespace objref 1
  01000000 01000000 01000000 01000000 00000000 00000000 00000000 00000000  // counts: pids threadGroups sighands creds mms cowPages shmem inodes
  00000000 00000000 00000000 00000000 00000000                             //         tree pipes files fdTables fsContexts
  00000000                 //   pad
  02000000 2f63            //   treeRoot "/c"
  00000000                 //   freezerGroup ""
  000000000000             //   padding to 8 (82 -> 88)
`);

describe("ckpt golden bytes", () => {
  const image = concat(codec.encode(minimalModel()));

  it("is pinned by its SHA-256", () => {
    expect(image.length).toBe(752);
    expect(createHash("sha256").update(image).digest("hex")).toBe("4475e056ad4fc3ca4034dff0debb0a873266dc0e7c2ffe783780c3ebe0e46bab");
  });

  it("writes the header record byte for byte", () => {
    expect(HEADER.length).toBe(72);
    expect(Buffer.from(image.subarray(0, 72)).toString("hex")).toBe(Buffer.from(HEADER).toString("hex"));
  });

  it("writes the prologue byte for byte", () => {
    expect(Buffer.from(image.subarray(72, 72 + PROLOGUE.length)).toString("hex")).toBe(Buffer.from(PROLOGUE).toString("hex"));
  });

  it("writes shared objects before the task that names them, and the trailer last", () => {
    const types = records(image).map((r) => r.type);
    // header, pidns, tree, container, pid, signal (thread group), sighand, cred, task, tail
    expect(types).toEqual([1, 100, 101, 6, 110, 602, 601, 111, 102, CKPT_HDR_TAIL]);
    const tail = records(image).at(-1)!;
    expect(Buffer.from(image.subarray(tail.at, tail.at + 16)).toString("hex")).toBe("29230000" + "18000000" + "00feeec00c2a2d00");
  });

  it("decodes the fields it pinned", () => {
    const m = codec.decode(image);
    expect(m.meta).toEqual({ clock: 0x1234, producer: "t" });
    expect(m.container).toEqual({ initTaskId: 1, pidNsId: 1, treeRoot: "/c", freezerGroup: "" });
  });
});
