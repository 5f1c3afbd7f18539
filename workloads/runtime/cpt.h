/* cpt.h - checkpoint point markers.
 *
 * cpt_mark(label) marks an interesting point in a workload (e.g. "after
 * allocation", "mid-loop"). Today it does nothing. It is a real, never-inlined
 * function (symbol `cpt_mark`, label pointer in a0) so that a scenario can
 * stop a guest exactly at the call by breaking on that symbol's address, and
 * so that a later runtime can make it a syscall without rebuilding the callers'
 * code shape.
 */
#ifndef RT_CPT_H
#define RT_CPT_H

void cpt_mark(const char *label);

#endif
