/*
 * cli.h — the rustreview command line: serve, check, rules, explain, jobs,
 * healthcheck, help and --version. Exit status: 0 success, 1 findings (check), 2 error or
 * bad usage (message on stderr).
 */
#ifndef RR_CLI_H
#define RR_CLI_H

#include <stdio.h>

#include "../handlers/forge.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FINDINGS 1
#define CLI_EXIT_ERROR 2

/* forges: the NULL-terminated forge table serve and jobs configure (rr_forges). */
int cli_main(int argc, char **argv, const struct forge *const *forges);

int cli_check(int argc, char **argv);
int cli_rules(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_jobs(int argc, char **argv, const struct forge *const *forges);
int cli_serve(int argc, char **argv, const struct forge *const *forges);
/* GET /healthz of the configured listen address: 0 healthy, 1 not (Docker's HEALTHCHECK). */
int cli_healthcheck(int argc, char **argv);

/*
 * The `rustreview` binary links only what the local commands need (check,
 * rules, explain, help): the service's commands (serve, jobs, healthcheck) run
 * in CLI_SERVICE_BINARY, found beside this process's executable, which this
 * process becomes with the same arguments and environment (execv keeps the
 * process id, so signals and supervisors see no difference). Returns only on
 * failure: CLI_EXIT_ERROR with the reason on stderr. (bot/main_local.c)
 */
#define CLI_SERVICE_BINARY "rustreview-service"
int cli_exec_service(int argc, char **argv);

#endif
