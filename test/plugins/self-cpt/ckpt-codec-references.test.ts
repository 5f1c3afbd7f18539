// The objhash checks: every objref a record names must have been defined earlier in the stream,
// as an object of the kind the field wants; an objref or a model id defined twice, an objref out
// of sequence, a slot filled twice and a task out of tree order are all refused, naming both ends.
// Each image is patched and re-sealed, so the reference check (not the checksum) must catch it.
import { describe, expect, it } from "vitest";
import {
  CKPT_HDR_CONTAINER, CKPT_HDR_CRED, CKPT_HDR_FILE_TABLE, CKPT_HDR_MM, CKPT_HDR_PID, CKPT_HDR_PIDNS_TREE, CKPT_HDR_TASK,
  CKPT_HDR_TREE, CKPT_HDR_VMA, COUNTED,
} from "../../../src/plugins/self-cpt/codec/layout.ts";
import { concat, richModel } from "../../support/cr-models.ts";
import { codec, find, imageError, patched } from "./ckpt-image.ts";

const rich = concat(codec.encode(richModel()));
const dv = new DataView(rich.buffer);
/** Payload word `i` (4-byte index) of a record. */
const word = (rec: { at: number }, i: number): number => dv.getUint32(rec.at + 8 + 4 * i, true);
const setWord = (rec: { at: number }, i: number, v: number) => (d: DataView): void => d.setUint32(rec.at + 8 + 4 * i, v, true);

const task0 = find(rich, CKPT_HDR_TASK);
const TASK_MM = 6, TASK_PID = 1;

describe("ckpt references", () => {
  it("a reference to an objref never defined (dangling)", () => {
    const e = imageError(patched(rich, setWord(task0, TASK_MM, 999)));
    expect(e.message).toMatch(new RegExp(`^CKPT_HDR_TASK at byte ${task0.at}: mm at byte ${task0.at + 8 + 24} refers to objref 999, which is not defined before it`));
    expect(e.offset).toBe(task0.at + 8 + 24);
  });

  it("a reference to an object defined later (forward)", () => {
    const laterMm = find(rich, CKPT_HDR_MM, 1);
    expect(laterMm.at).toBeGreaterThan(task0.at);
    const e = imageError(patched(rich, setWord(task0, TASK_MM, word(laterMm, 0))));
    expect(e.message).toMatch(/mm at byte \d+ refers to objref \d+, which is not defined before it .*a dangling or forward reference/);
  });

  it("a reference to an object of another kind", () => {
    const cred = find(rich, CKPT_HDR_CRED);
    const e = imageError(patched(rich, setWord(task0, TASK_MM, word(cred, 0))));
    expect(e.message).toMatch(new RegExp(`mm at byte \\d+ refers to objref ${word(cred, 0)}, the cred 1 defined at byte ${cred.at + 8}, not a mm`));
  });

  it("a required reference that is 0", () => {
    expect(imageError(patched(rich, setWord(task0, TASK_PID, 0))).message).toMatch(/pid at byte \d+ is 0 \(none\), but a pid is required/);
  });

  it("an objref defined twice", () => {
    const [c1, c2] = [find(rich, CKPT_HDR_CRED, 0), find(rich, CKPT_HDR_CRED, 1)];
    const e = imageError(patched(rich, setWord(c2, 0, word(c1, 0))));
    expect(e.message).toMatch(new RegExp(`objref ${word(c1, 0)} at byte ${c2.at + 8} is defined twice: it is already the cred 1 defined at byte ${c1.at + 8}`));
  });

  it("a model id defined twice within its kind", () => {
    const c2 = find(rich, CKPT_HDR_CRED, 1);
    expect(imageError(patched(rich, setWord(c2, 2, 1))).message).toMatch(/cred id 1 \(objref \d+ at byte \d+\) is defined twice: objref \d+ at byte \d+ has that id too/);
  });

  it("an objref out of sequence", () => {
    const pid = find(rich, CKPT_HDR_PID);
    expect(imageError(patched(rich, setWord(pid, 0, word(pid, 0) + 1))).message).toMatch(/is out of sequence: the next object defined must be objref \d+/);
  });

  it("a slot filled twice, and one outside the counted list", () => {
    const c2 = find(rich, CKPT_HDR_CRED, 1);
    expect(imageError(patched(rich, setWord(c2, 1, 0))).message).toMatch(/slot 0 of creds at byte \d+ is filled twice/);
    expect(imageError(patched(rich, setWord(c2, 1, 99))).message).toMatch(/slot 99 at byte \d+ is outside the 2 creds CKPT_HDR_CONTAINER announced/);
  });

  it("a task out of tree order", () => {
    const tree = find(rich, CKPT_HDR_TREE);
    const second = word(tree, 4);
    expect(imageError(patched(rich, setWord(task0, 0, second))).message).toMatch(/objref \d+ at byte \d+ is not the next task of the tree \(objref \d+, task 1\)/);
  });

  it("a pid namespace whose parent is outside the table (a forward reference inside it is fine)", () => {
    const ns = find(rich, CKPT_HDR_PIDNS_TREE);
    const tree = find(rich, CKPT_HDR_TREE);
    // Namespace 2's parent field (entry 1, word 2) names the first task: the tree is not read yet.
    const e = imageError(patched(rich, setWord(ns, 2 + 6 + 2, word(tree, 2))));
    expect(e.message).toMatch(/^CKPT_HDR_PIDNS_TREE at byte 120: parent at byte 168 refers to objref 3, which is not defined before it/);
    // Namespace 1's parent names namespace 2, defined after it in the same table: accepted.
    const m = richModel();
    m.pidNamespaces[0]!.parentId = 2;
    expect(codec.decode(concat(codec.encode(m))).pidNamespaces[0]!.parentId).toBe(2);
  });

  it("an fd naming a dangling file, a vma naming a cred as its backing", () => {
    const files = find(rich, CKPT_HDR_FILE_TABLE);
    // fd entries start after objref, slot, id, maxFds (s64), count: word 6; entry 0's file ref is word 6 + 2.
    expect(imageError(patched(rich, setWord(files, 8, 4242))).message).toMatch(/file at byte \d+ refers to objref 4242/);
    const vma = find(rich, CKPT_HDR_VMA);
    const cred = find(rich, CKPT_HDR_CRED);
    expect(imageError(patched(rich, setWord(vma, 2, word(cred, 0)))).message).toMatch(/backing at byte \d+ refers to objref \d+, the cred 1 .*not a inode/);
  });

  it("a count CKPT_HDR_CONTAINER announced that the image does not fill", () => {
    const c = find(rich, CKPT_HDR_CONTAINER);
    const pipes = 2 + COUNTED.indexOf("pipes");
    const e = imageError(patched(rich, setWord(c, pipes, 3)));
    expect(e.message).toMatch(/^the trailer at byte \d+ comes early: CKPT_HDR_CONTAINER announced 3 pipes, the image has 2/);
  });
});
