// The plugin surface of the C/R core: everything a C/R design may use, and nothing else
// (eslint.config.js keeps src/plugins to this file, the kernel's index and their own folder).
// A design implements the three extension points and plugs into the shared machinery: the
// CheckpointModel, the checkpoint frame, the restart recipe, image I/O, the trace.

// The extension points, their tokens, and what a plugin is to the registry.
export * from "./interfaces.ts";
export { definePlugin, type PluginBinding, type PluginManifest } from "./plugin.ts";
// The CheckpointModel, and the per-task layout any codec can gain.
export * from "./model.ts";
export * from "./tty-wire.ts";
export * from "./model-events.ts";
export { asPerTask, PerTaskCodec, type PerTaskParts } from "./per-task.ts";
// Errors: a CrError carries the errno the syscall returns.
export * from "./errors.ts";
// Jobs (a C/R syscall waiting for its kthread) and image I/O.
export { CrJob, finishJob, refuse, spawnJob, waitForJob } from "./job.ts";
// Checksums every codec may use (CRC-32, zlib's polynomial).
export { crc32, Crc32 } from "./checksum.ts";
// Authenticated images: the codec plugins' sign/verify options (HMAC-SHA256).
export { keyOptions, SignedCodec, withKeys } from "./signed.ts";
export { discardImage, imageFd, readImageFile, restartImageFd, writeImage, type ImageFd } from "./image-io.ts";
export { bulkMemory, pageMemory, pageMemoryRun } from "./page-memory.ts";
export { adjoinsEnd, runView } from "../../machine/mm/runs.ts";
export { copyImageBytes, imageCrc32, imageCrc32Job, PagedImage, type ImageBytes } from "./paged-image.ts";
export { IdIndex } from "./id-index.ts";
export { crc32Job, crc32Split, OFFLOAD_FROM, type CrcJob } from "./crc-worker.ts";
export { crc32Combine } from "./crc-combine.ts";
export { RunningCrc } from "./crc-running.ts";
// Checkpoint: the frame an initiator's steps run in, the freeze, the dump.
export { startCheckpoint, type CheckpointSteps } from "./checkpoint.ts";
export { Freezing } from "./freezing.ts";
export { CheckpointTarget, dumpContainer, killContainer } from "./dump.ts";
export { containerTasks } from "./collect/collect.ts";
// Whose credentials a checkpoint or restart may handle (CAP_CHECKPOINT_RESTORE's rules).
export { credsBeyond, mayCheckpointRestore } from "./creds.ts";
// Restart: reading the model, the recipe and the hooks a creator gives it.
export { readModel, readPerTask } from "./read-model.ts";
export { Restart, restartImage, spawnRestart, type ForkedTasks, type KernelTasks, type TaskCreation } from "./restart.ts";
export type { Restorer } from "./restore/restorer.ts";
export { restoreTaskState, resumeTask } from "./restore/task.ts";
// The trace of every checkpoint and restart.
export { CrOp, crTrace, CrTrace, type CrOpRecord, type CrStep } from "./trace.ts";
