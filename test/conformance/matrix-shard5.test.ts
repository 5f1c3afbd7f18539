// Conformance of every registered design (initiator × creator × codec), workloads of shard 5 of 8
// (the shards let vitest spread the workloads over the machine's cores, and CI over its jobs).
import { conformanceSuite } from "./suite.ts";

conformanceSuite({ index: 4, count: 8 });
