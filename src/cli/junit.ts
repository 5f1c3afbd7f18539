// Results as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters) read: one
// <testsuite> per design, one <testcase> per cell or outcome; a failure carries its reason and an
// unsupported cell is <skipped> with its reason.

export interface JunitCase {
  name: string;
  classname: string;
  verdict: "pass" | "fail" | "unsupported";
  reason?: string;
  /** Seconds, when measured. */
  time?: number;
}

export interface JunitSuite {
  name: string;
  cases: JunitCase[];
}

const esc = (s: string): string =>
  // Characters XML 1.0 cannot carry at all are dropped; the five specials are escaped.
  // eslint-disable-next-line no-control-regex
  s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

export function renderJunit(name: string, suites: readonly JunitSuite[]): string {
  const count = (cs: readonly JunitCase[], v: JunitCase["verdict"]): number => cs.filter((c) => c.verdict === v).length;
  const all = suites.flatMap((s) => s.cases);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${esc(name)}" tests="${all.length}" failures="${count(all, "fail")}" skipped="${count(all, "unsupported")}">`];
  for (const s of suites) {
    out.push(`  <testsuite name="${esc(s.name)}" tests="${s.cases.length}" failures="${count(s.cases, "fail")}" skipped="${count(s.cases, "unsupported")}">`);
    for (const c of s.cases) {
      const time = c.time !== undefined ? ` time="${c.time.toFixed(3)}"` : "";
      const open = `    <testcase name="${esc(c.name)}" classname="${esc(c.classname)}"${time}`;
      const reason = esc(c.reason ?? "(no reason recorded)");
      if (c.verdict === "pass") out.push(`${open}/>`);
      else if (c.verdict === "fail") out.push(`${open}>`, `      <failure message="${reason}"/>`, "    </testcase>");
      else out.push(`${open}>`, `      <skipped message="${reason}"/>`, "    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
