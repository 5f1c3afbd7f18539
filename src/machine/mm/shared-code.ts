// Decoded pages that more than one mm has had in its icache (dupMmap shares them with the child):
// all of those mms have the same bytes under the page and the page after it, since a write to
// either drops the page from the writer's icache; so a shared page is never changed in place
// (Mm.dropStraddle). A leaf, so that mm.ts and fork.ts both reach it without a cycle.
export const sharedCode = new WeakSet<Int32Array>();
