// The quick conformance run of `npm test`: every design (initiator × creator × codec) on a few
// workloads that between them use threads (threads, thread-signals), pipes (pipe-tree,
// pipe-signal), files (fs-basic, fork-files), signals (thread-signals, pipe-signal) and fork
// (fork-tree, pipe-tree, fork-files with execve and shared fd tables), at every point they mark
// and one seeded random point, in both modes and on both targets. The full matrix (every
// workload, 20 random points for the first design) is `npm run test:conformance`, the eight
// matrix-shard files; this one keeps a broken design from passing `npm test`.
import { quickConformanceSuite } from "./suite.ts";

quickConformanceSuite(["threads", "thread-signals", "pipe-tree", "pipe-signal", "fs-basic", "fork-tree", "fork-files"], 1);
