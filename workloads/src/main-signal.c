/* main-signal: the program itself is killed by a signal with the default
 * action.
 *
 * It handles SIGTERM once, then restores SIG_DFL, blocks SIGTERM and sends it
 * to itself (it stays pending), writes a line to stderr, leaves one line in
 * the stdout buffer unflushed, and unblocks SIGTERM: the process dies at
 * once, the buffered line is never written, and the exit status is 128 + 15
 * (qemu-riscv32 kills itself with the same signal; cptbench reports 128+N).
 * The program is an ordinary process, not an init: nothing protects it from
 * its own default-action signals.
 */
#include <stdio.h>
#include <stdlib.h>
#include "cpt.h"
#include "os.h"

static volatile int handled;
static void on_term(int sig) { handled++; }

int main(void)
{
	cpt_mark("main-signal:start");
	os_signal(SIGTERM, on_term, 0, NULL);
	kill(getpid(), SIGTERM);
	printf("SIGTERM with a handler: handled %d time(s)\n", handled);
	os_signal(SIGTERM, SIG_DFL, 0, NULL);
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	kill(getpid(), SIGTERM);
	sigset_t p;
	sigpending(&p);
	printf("SIG_DFL, blocked, sent: pending %s\n", sigismember(&p, SIGTERM) ? "yes" : "no");
	fflush(stdout);
	fprintf(stderr, "unblocking SIGTERM\n");
	printf("this line stays in the stdout buffer and is lost\n");
	cpt_mark("main-signal:unblock");
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	printf("not reached\n");
	return 0;
}
