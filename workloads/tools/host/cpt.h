/* tools/host/cpt.h - cpt_mark does nothing natively. */
static inline void cpt_mark(const char *label) { (void)label; }
