// Temporary directories for tests. Each is removed after its test file has run (test/setup.ts
// registers removeTempDirs as an afterAll hook), so a test run leaves nothing in os.tmpdir(),
// whether its tests passed or failed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A new empty directory under os.tmpdir(), named cptbench-<prefix>-XXXXXX. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cptbench-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Remove every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
