// The ckpt codec's fixture for the codec suite (test/core/cr/codec-suite*.ts): the stream of the
// minimal model pinned by SHA-256 and its first records written out by hand (so any change to the
// format is a visible, deliberate edit here), the record walk, and the lies about lengths and
// counts it must refuse. ckpt streams, and its CRC-32 trailer makes any damage detected.
import { hex, type CodecFixture } from "../../core/cr/codec-fixture.ts";
import { EncodeError } from "../../../src/plugins/self-cpt/codec/writer.ts";
import { CKPT_HDR_CPU, CKPT_HDR_MM, CKPT_HDR_PGARR, CKPT_HDR_TASK, CKPT_HDR_TREE, pgarrHead } from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { find, patched, records, reseal, uncheckedCodec } from "./ckpt-image.ts";

/** The rich model as a stream without run checksums (the task is at the same offset). */
const unchecked = (): Uint8Array => concat(uncheckedCodec.encode(richModel()));

// CKPT_HDR_HEADER, 71 bytes + 1 of padding.
const HEADER = hex(`
  01000000                 // h.type: CKPT_HDR_HEADER (1)
  47000000                 // h.len: 71 (header included, padding excluded)
  00d2a2c00cedfe00         // magic: CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200
  02000000                 // format version 2 (page arrays)
  32005352                 // arch 0x52530032: riscv32 (ours)
  00100000                 // page size 4096
  01000000                 // flags: CKPT_F_RUN_CSUM (ours)
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

const CKPT_HDR_SIGHAND = 601;

export const codecFixtures: Record<string, CodecFixture> = {
  ckpt: {
    streams: true,
    encodeError: EncodeError,
    golden: {
      length: 768,
      sha256: "ee285e5589bffcd0c132e6acbf00dacadbb2c6e4906a667bf017951cb59bf111",
      spans: [
        { name: "the header record (72 bytes)", at: 0, bytes: HEADER },
        { name: "the prologue", at: 72, bytes: PROLOGUE },
      ],
    },
    boundaries(image) {
      const b = new Set<number>();
      for (const r of records(image)) for (const x of [r.at, r.at + 8, r.at + r.len, r.end]) b.add(x);
      return b;
    },
    minBoundaries: 100,
    truncated: /truncated at byte \d+|without its trailer|it is empty/,
    truncatedAtCut: true,
    damage: "detected",
    reseal,
    lyingLengths: [
      {
        name: "a len that does not fit the type",
        image: (rich) => { const cpu = find(rich, CKPT_HDR_CPU); return patched(rich, (dv) => dv.setUint32(cpu.at + 4, cpu.len - 4, true)); },
        message: (rich) => { const cpu = find(rich, CKPT_HDR_CPU); return new RegExp(`h.len at byte ${cpu.at + 4} is ${cpu.len - 4}, but a CKPT_HDR_CPU is exactly ${cpu.len} bytes long`); },
      },
      {
        name: "a huge len: refused before any payload is buffered",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_TASK).at + 4, 0xffff_fff8, true)),
        message: /h.len at byte \d+ is 4294967288, but a CKPT_HDR_TASK is 192 to 1048584 bytes long/,
        refusedBy: (rich) => find(rich, CKPT_HDR_TASK).at + 8,
      },
      {
        name: "a len shorter than a record header",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_TASK).at + 4, 3, true)),
        message: /h.len at byte \d+ is 3/,
      },
      {
        name: "a len within bounds that runs past the end of the image",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_TREE).at + 4, 8 * 1024 * 1024, true)).subarray(0, 4096),
        message: /^the image is truncated at byte 4096, inside the CKPT_HDR_TREE at byte \d+/,
      },
      {
        // The task's strings come last: 4 bytes fewer and freezerPath's length is cut off. On a
        // stream without run checksums (which would refuse the edit first, at the run's end).
        name: "a len that cuts a record's fields short",
        image: () => { const u = unchecked(); const t = find(u, CKPT_HDR_TASK); return patched(u, (dv) => dv.setUint32(t.at + 4, t.len - 4, true), false); },
        message: (rich) => { const t = find(rich, CKPT_HDR_TASK); return new RegExp(`^CKPT_HDR_TASK at byte ${t.at}: freezerPath length at byte ${t.at + t.len - 4} \\(4 bytes\\) runs past the record's end at byte ${t.at + t.len - 4}`); },
      },
      {
        // 4 more: the record's zero padding becomes payload nobody reads.
        name: "a len that leaves bytes unexplained",
        image: () => { const u = unchecked(); const t = find(u, CKPT_HDR_TASK); return patched(u, (dv) => dv.setUint32(t.at + 4, t.len + 4, true), false); },
        message: (rich) => { const t = find(rich, CKPT_HDR_TASK); return new RegExp(`^CKPT_HDR_TASK at byte ${t.at}: 4 unexplained bytes after its fields \\(byte ${t.at + t.len} to ${t.at + t.len + 4}\\): h.len is wrong`); },
      },
      {
        name: "a count that lies about its table",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_TREE).at + 8, 0x7fff_ffff, true)),
        message: /task count at byte \d+ is 2147483647, but the record holds \d+ bytes after it, not 2147483647 x 8/,
      },
      {
        name: "children announced and never sent: the trailer comes early",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_MM).at + 8 + 16, 0x7fff_ffff, true)),
        message: /expected CKPT_HDR_PGARR at byte \d+ \(\d+ more pages of mm 1\), found CKPT_HDR_\w+/,
      },
      {
        // The first page array (2 pages): nr_pages 3 where h.len makes room for 2. Refused once its
        // head is in, before any memory is taken for its pages.
        name: "a page array's nr_pages that its len has no room for",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_PGARR).at + 8, 3, true)),
        message: /^CKPT_HDR_PGARR at byte \d+: nr_pages at byte \d+ is 3, but its h.len \(\d+\) makes room for 2 pages/,
        refusedBy: (rich) => find(rich, CKPT_HDR_PGARR).at + 8 + pgarrHead(2),
      },
      {
        name: "a page array longer than any, refused before its payload is buffered",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_PGARR).at + 4, 0xffff_fff8, true)),
        message: /h.len at byte \d+ is 4294967288, but a CKPT_HDR_PGARR is 4120 to \d+ bytes long/,
        refusedBy: (rich) => find(rich, CKPT_HDR_PGARR).at + 8,
      },
      {
        // CKPT_HDR_SIGHAND payload: objref, slot, id, n, ...: n is word 3.
        name: "a sighand table longer than any sighand, refused before it is allocated",
        image: (rich) => patched(rich, (dv) => dv.setUint32(find(rich, CKPT_HDR_SIGHAND).at + 8 + 4 * 3, 0x7fff_ffff, true)),
        message: /action count at byte \d+ is 2147483647, over the 1024 a sighand can have/,
      },
    ],
    encodeRefusals: [
      ["a dangling id in the model", (m) => { m.tasks[0]!.mmId = 99; }, /task 1 names mm 99, which is not in the model/],
      ["two objects with one id", (m) => { m.creds[1]!.id = 1; }, /two cred objects have id 1/],
      ["a pipe over pipe-max-size", (m) => { m.pipes[0]!.buffered = new Uint8Array((1 << 20) + 1); }, /over pipe-max-size/],
      ["a record over its bound", (m) => { m.tasks[0]!.comm = "x".repeat(1 << 20); }, /over the format's/],
    ],
    foreign: /^not a ckpt image/,
    variants: { "per-task": { images: "per-task" } },
  },
};
