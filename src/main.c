/*
 * parley: a verifiable incident exchange and crisis hotline.
 * main only sets up the process and hands over to the command table.
 */
#include "cli/cli.h"

int
main(int argc, char **argv)
{
	return px_cli_main(argc, argv);
}
