// A ZDTM test's `.desc` file: a Python dict literal that zdtm.py reads with eval()
// ({'flavor': 'h ns', 'flags': 'suid', 'deps': ['/bin/sh']}). This parses the subset those files
// use — dicts, lists, single- or double-quoted strings, integers, True/False/None — and refuses
// anything else with a clear error instead of evaluating it.
import { CptbenchError } from "../../machine/errors.ts";

export type DescValue = string | number | boolean | null | DescValue[] | { [k: string]: DescValue };

/** What zdtm.py reads from a .desc (the fields cptbench acts on; the rest stays in `raw`). */
export interface ZdtmDesc {
  /** Flavours the test may run in: h (host), ns, uns. zdtm.py's default: all three. */
  flavors: string[];
  /** suid, noauto, crfail, excl, nouser, reqrst, ... */
  flags: string[];
  /** Kernel features `criu check --feature` must confirm. */
  features: string[];
  /** The architecture the test is restricted to, if any ('x86_64'). */
  arch: string | null;
  raw: Record<string, DescValue>;
}

const DEFAULT_FLAVORS = ["h", "ns", "uns"];

export function parseDesc(text: string, where: string): ZdtmDesc {
  const raw = text.trim() === "" ? {} : parsePyLiteral(text, where);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new CptbenchError("ZDTM_DESC", `${where}: a .desc must be a dict`);
  const words = (k: string): string[] | null => {
    const v = raw[k];
    if (v === undefined) return null;
    if (typeof v !== "string") throw new CptbenchError("ZDTM_DESC", `${where}: '${k}' must be a string`);
    return v.split(/\s+/).filter((s) => s.length > 0);
  };
  const arch = raw.arch;
  return {
    flavors: words("flavor") ?? DEFAULT_FLAVORS,
    flags: words("flags") ?? [],
    features: words("feature") ?? [],
    arch: typeof arch === "string" ? arch : null,
    raw,
  };
}

/** Parse one Python literal of the subset above. */
export function parsePyLiteral(text: string, where: string): DescValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new CptbenchError("ZDTM_DESC", `${where}: ${what} at offset ${i}`);
  };
  const ws = (): void => {
    while (i < text.length) {
      if (/\s/.test(text[i])) i++;
      else if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
      else break;
    }
  };
  const value = (): DescValue => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const out: Record<string, DescValue> = {};
      for (;;) {
        ws();
        if (text[i] === "}") return i++, out;
        const k = value();
        if (typeof k !== "string") fail("a dict key must be a string");
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        out[k as string] = value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const out: DescValue[] = [];
      for (;;) {
        ws();
        if (text[i] === "]") return i++, out;
        out.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "]") fail("expected ',' or ']'");
      }
    }
    if (c === "'" || c === '"') {
      i++;
      let s = "";
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\") i++;
        s += text[i++];
      }
      if (i >= text.length) fail("unterminated string");
      i++;
      // Adjacent literals concatenate, as in Python ('a' 'b').
      ws();
      if (text[i] === "'" || text[i] === '"') return s + (value() as string);
      return s;
    }
    const m = /^(-?\d+|True|False|None)/.exec(text.slice(i));
    if (m === null) return fail("unsupported literal");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}
