// Conformance of every registered design (initiator × creator × codec), workloads of shard 1 of 8
// (the shards let vitest spread the workloads over the machine's cores, and CI over its jobs).
import { conformanceSuite } from "./suite.ts";

conformanceSuite({ index: 0, count: 8 });
