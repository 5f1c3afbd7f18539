// Golden bytes: the cpt layout written out by hand, so it is pinned on any host (little-endian
// always, whatever the machine) and any change to it is a visible, deliberate edit here.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import {
  CPT_OBJ_TRAILER, MAJOR_TAIL_SIZE, SECTION_ORDER,
} from "../../../src/plugins/openvz-cpt/codec/layout.ts";
import { concat, minimalModel } from "../../support/cr-models.ts";

function hex(s: string): Uint8Array {
  const digits = s.replace(/\/\/[^\n]*|\s+/g, "");
  // Buffer.from(.., "hex") stops at the first bad digit: refuse one instead.
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`bad hex in golden bytes: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

// cpt_major_hdr, 80 bytes.
const MAJOR_HDR = hex(`
  791c0163      // cpt_signature: CPT_SIGNATURE0..3
  5000          // cpt_hdrlen 80
  0001          // cpt_image_version 0x0100
  1000          // cpt_os_arch 16: CPT_OS_ARCH_RISCV32 (ours)
  0000          // __cpt_pad1
  00000000      // cpt_ve_features
  00000000      // cpt_ve_features2
  0010          // cpt_pagesize 4096
  0000          // cpt_hz
  3412000000000000  // cpt_start_jiffies64 = meta.clock 0x1234
  ${"00".repeat(48)} // start_sec, start_nsec, cpu_caps[4], kernel_config[4], iptables_mask
`);

// The veinfo section (the first), and the start of the namespace section.
const FIRST_SECTIONS = hex(`
  3800000000000000 01000000 1000 0800  // cpt_section_hdr: cpt_next 56, CPT_SECT_VEINFO, hdrlen 16, align 8
  2800000000000000 12040000 2700 0000  // cpt_object_hdr: cpt_next 40, CPT_OBJ_VEINFO (1042), hdrlen 39, VOID
  01000000                             //   initTaskId 1
  01000000                             //   pidNsId 1
  02000000 2f63                        //   treeRoot "/c"
  00000000                             //   freezerGroup ""
  01000000 74                          //   producer "t"
  00                                   //   padding to 8
  3800000000000000 0a000000 1000 0800  // cpt_section_hdr: cpt_next 56, CPT_SECT_NAMESPACE (10)
  2800000000000000 0a000000 2800 0000  // cpt_object_hdr: cpt_next 40, CPT_OBJ_NAMESPACE (10), hdrlen 40, VOID
  01000000                             //   id 1
  ffffffff                             //   parentId null (CPT_NOINDEX)
  01000000 00000000                    //   flags: allocating; padding
  0100000000000000                     //   lastPid 1 (s64)
  3800000000000000 22000000 1000 0800  // cpt_section_hdr: CPT_SECT_PIDS (34, ours)
`);

describe("cpt golden bytes", () => {
  const image = concat(new CptCodec().encode(minimalModel()));

  it("writes the major header byte for byte", () => {
    expect(MAJOR_HDR.length).toBe(80);
    expect(Buffer.from(image.subarray(0, 80)).toString("hex")).toBe(Buffer.from(MAJOR_HDR).toString("hex"));
  });

  it("writes section and object headers byte for byte", () => {
    const got = image.subarray(80, 80 + FIRST_SECTIONS.length);
    expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(FIRST_SECTIONS).toString("hex"));
  });

  it("ends with a cpt_major_tail indexing every section", () => {
    const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const tail = image.length - MAJOR_TAIL_SIZE;
    expect(MAJOR_TAIL_SIZE).toBe(352);
    expect(dv.getBigUint64(tail, true)).toBe(352n);
    expect(dv.getUint32(tail + 8, true)).toBe(CPT_OBJ_TRAILER);
    expect(dv.getUint16(tail + 12, true)).toBe(352);
    expect(dv.getBigUint64(tail + 24 + 1 * 8, true)).toBe(80n);        // cpt_sections[CPT_SECT_VEINFO]
    expect(dv.getBigUint64(tail + 24 + 10 * 8, true)).toBe(136n);      // cpt_sections[CPT_SECT_NAMESPACE]
    expect(dv.getBigUint64(tail + 24 + 0 * 8, true)).toBe(0xffff_ffff_ffff_ffffn); // CPT_SECT_ERROR: CPT_NULL
    expect(dv.getUint32(image.length - 8, true)).toBe(SECTION_ORDER.length); // cpt_nsect
    expect(Buffer.from(image.subarray(image.length - 4)).toString("hex")).toBe("791c0163");
  });

  it("decodes the header fields it pinned", () => {
    const m = new CptCodec().decode(hex(Buffer.from(image).toString("hex")));
    expect(m.meta).toEqual({ clock: 0x1234, producer: "t" });
    expect(m.container).toEqual({ initTaskId: 1, pidNsId: 1, treeRoot: "/c", freezerGroup: "" });
    expect(m.pidNamespaces).toEqual([{ id: 1, parentId: null, lastPid: 1, allocating: true }]);
    expect(m.pageSize).toBe(4096);
    expect(m.arch).toBe("riscv32");
  });

  it("pins the whole minimal image (1304 bytes) by its SHA-256", () => {
    expect(image.length).toBe(1304);
    expect(createHash("sha256").update(image).digest("hex")).toBe("7a42caa4c34bb35eb58aad032ca2d43716c1e4e12eacfc2ce842e9741307199c");
  });
});
