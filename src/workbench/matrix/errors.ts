import { CptbenchError } from "../../machine/errors.ts";

/** A bad --shard, an empty matrix, a malformed combination: the user's to fix. Exit status 2. */
export class MatrixError extends CptbenchError {}
