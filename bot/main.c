/* main.c — the rustreview binary: the command line over the forge table. */
#include "../handlers/forge.h"
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv, rr_forges);
}
