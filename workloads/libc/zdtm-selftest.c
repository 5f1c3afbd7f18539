/*
 * A stand-in for a ZDTM static test (not CRIU's code): zdtm.py's protocol with nothing else, so the
 * runner of `cptbench zdtm` can be tested where CRIU's build is absent, and with outcomes a real
 * test would give only by accident. Like libzdtmtst's test_init(): the launcher forks, the child
 * becomes a session leader and says it is ready (test_daemon()), the launcher writes the child's
 * pid to the pidfile (through a temporary file and rename) and exits 0; the child waits for
 * SIGTERM (test_waitsig()) and writes its verdict as the last line of the outfile.
 *
 *   zdtm-selftest --pidfile=P --outfile=O [--mode=pass|fail|die|deaf|nostart]
 *     pass     PASS after SIGTERM          fail     FAIL after SIGTERM
 *     die      exits before SIGTERM        deaf     ignores SIGTERM (never exits)
 *     nostart  the launcher exits 1 without a pidfile, as test_init() does when it fails
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	size_t n = strlen(name);
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return def;
}

int main(int argc, char **argv)
{
	const char *pidfile = opt(argc, argv, "--pidfile", NULL);
	const char *outfile = opt(argc, argv, "--outfile", NULL);
	const char *mode = opt(argc, argv, "--mode", "pass");
	if (pidfile == NULL || outfile == NULL) {
		fprintf(stderr, "usage: zdtm-selftest --pidfile=P --outfile=O [--mode=pass|fail|die|deaf|nostart]\n");
		return 2;
	}
	if (strcmp(mode, "nostart") == 0) {
		fprintf(stderr, "selftest: test_init failed on purpose\n");
		return 1;
	}
	int out = open(outfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (out < 0) {
		perror("open outfile");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = strcmp(mode, "deaf") == 0 ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	int ready[2];
	if (pipe(ready) < 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		char c;
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			return 1;
		FILE *f = fopen(".selftest.pid.tmp", "w");
		if (f == NULL || fprintf(f, "%d", (int)pid) < 0 || fclose(f) != 0 || rename(".selftest.pid.tmp", pidfile) != 0)
			return 1;
		_exit(0);
	}
	close(ready[0]);
	setsid();
	dprintf(out, "selftest: started in mode %s\n", mode);
	if (write(ready[1], "r", 1) != 1)
		return 1;
	if (strcmp(mode, "die") == 0)
		return 0;
	while (!got_term)
		pause();
	dprintf(out, strcmp(mode, "fail") == 0 ? "FAIL: selftest failed on purpose\n" : "PASS\n");
	return 0;
}
