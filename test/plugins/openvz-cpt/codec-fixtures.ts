// The cpt codec's fixture for the codec suite (test/core/cr/codec-suite*.ts): its golden bytes
// written out by hand (little-endian always, whatever the host, so any change to the layout is a
// visible, deliberate edit here), the layout walk, and the lies about lengths it must refuse.
// cpt images carry section CRCs (CPT_IMG_SECTION_CRC): any damage is detected. A section's CRC
// is checked after its objects parse, so a lying length still meets its own check first.
import { hex, type CodecFixture } from "../../core/cr/codec-fixture.ts";
import { EncodeError } from "../../../src/plugins/openvz-cpt/codec/writer.ts";
import { CPT_OBJ_PAGES } from "../../../src/plugins/openvz-cpt/codec/layout.ts";
import { first, patched, walk } from "./cpt-image.ts";

// cpt_major_hdr, 80 bytes.
export const MAJOR_HDR = hex(`
  791c0163      // cpt_signature: CPT_SIGNATURE0..3
  5000          // cpt_hdrlen 80
  0001          // cpt_image_version 0x0100
  1000          // cpt_os_arch 16: CPT_OS_ARCH_RISCV32 (ours)
  0100          // cpt_cptbench_flags (ours, OpenVZ's __cpt_pad1): CPT_IMG_SECTION_CRC
  00000000      // cpt_ve_features
  00000000      // cpt_ve_features2
  0010          // cpt_pagesize 4096
  0000          // cpt_hz
  3412000000000000  // cpt_start_jiffies64 = meta.clock 0x1234
  ${"00".repeat(48)} // start_sec, start_nsec, cpu_caps[4], kernel_config[4], iptables_mask
`);

// The veinfo section (the first), and the start of the namespace section.
const FIRST_SECTIONS = hex(`
  4000000000000000 01000000 1800 0800  // cpt_section_hdr: cpt_next 64, CPT_SECT_VEINFO, hdrlen 24, align 8
  3a0fcecf 00000000                    //   cpt_crc32 (ours) of bytes 0..144 but itself; pad
  2800000000000000 12040000 2700 0000  // cpt_object_hdr: cpt_next 40, CPT_OBJ_VEINFO (1042), hdrlen 39, VOID
  01000000                             //   initTaskId 1
  01000000                             //   pidNsId 1
  02000000 2f63                        //   treeRoot "/c"
  00000000                             //   freezerGroup ""
  01000000 74                          //   producer "t"
  00                                   //   padding to 8
  4000000000000000 0a000000 1800 0800  // cpt_section_hdr: cpt_next 64, CPT_SECT_NAMESPACE (10)
  fcceedeb 00000000                    //   cpt_crc32 of bytes 144..208 but itself; pad
  2800000000000000 0a000000 2800 0000  // cpt_object_hdr: cpt_next 40, CPT_OBJ_NAMESPACE (10), hdrlen 40, VOID
  01000000                             //   id 1
  ffffffff                             //   parentId null (CPT_NOINDEX)
  01000000 00000000                    //   flags: allocating; padding
  0100000000000000                     //   lastPid 1 (s64)
  4000000000000000 22000000 1800 0800  // cpt_section_hdr: CPT_SECT_PIDS (34, ours)
`);

const CPT_OBJ_MM = 1, CPT_OBJ_VEINFO = 1042;

export const codecFixtures: Record<string, CodecFixture> = {
  cpt: {
    streams: false,
    encodeError: EncodeError,
    golden: {
      length: 1432,
      sha256: "6207a0934711891a778e4bba7afcc2de33008d42a16fd4aa0f499a9799ed9b4b",
      spans: [
        { name: "the 80-byte cpt_major_hdr", at: 0, bytes: MAJOR_HDR },
        { name: "section and object headers", at: 80, bytes: FIRST_SECTIONS },
      ],
    },
    boundaries: (image) => walk(image).boundaries,
    minBoundaries: 150,
    truncated: /truncated|not a cpt image|runs past|only \d+ (bytes )?remain/,
    truncatedAtCut: false,
    damage: "detected",
    reseal: (image) => image,
    lyingLengths: [
      {
        name: "an object length too large (cpt_next)",
        image: (rich) => patched(rich, (dv) => dv.setUint32(first(rich, CPT_OBJ_MM).start, 0x7fff_fff8, true)),
        message: /CPT_OBJ_MM at byte \d+, mm section says it is 2147483640 bytes long \(cpt_next\) but only \d+ bytes remain/,
      },
      {
        name: "an object length beyond 2^32 (cpt_next's high word)",
        image: (rich) => patched(rich, (dv) => dv.setUint32(first(rich, CPT_OBJ_MM).start + 4, 0xffff_ffff, true)),
        message: /cpt_next/,
      },
      {
        name: "a page count",
        image: (rich) => patched(rich, (dv) => dv.setUint32(first(rich, CPT_OBJ_PAGES).start + 16, 0x00ff_ffff, true)),
        message: /cpt_count \(pages\) at byte \d+ is 16777215, but 16777215 x 4100 bytes cannot fit/,
      },
      {
        name: "a string length",
        image: (rich) => patched(rich, (dv) => dv.setUint32(first(rich, CPT_OBJ_VEINFO).start + 24, 0xffff_fff0, true)),
        message: /treeRoot \(4294967280 bytes\) at byte \d+ .*runs past the end of its object/,
      },
      {
        name: "a header length that is not 80 (cpt_hdrlen)",
        image: (rich) => patched(rich, (dv) => dv.setUint16(4, 88, true)),
        message: /cpt_hdrlen at byte 4 is 88, expected 80/,
      },
    ],
    encodeRefusals: [
      ["an id equal to CPT_NOINDEX", (m) => { m.pipes[0]!.id = 0xffff_ffff; }, /collides with CPT_NOINDEX/],
      ["fields over cpt_hdrlen's 65535 bytes", (m) => { m.tasks[0]!.comm = "x".repeat(70000); }, /over cpt_hdrlen's 65535/],
    ],
    foreign: /^not a cpt image/,
    variants: { "per-task": { images: "per-task" } },
  },
};
