/* forges.c — the table of forges. Adding a forge is one line here. */
#include "forge.h"
#include "github.h"

#include <string.h>

const struct forge *const rr_forges[] = {
	&forge_github,
	NULL,
};

const struct forge *forge_find(const char *name)
{
	size_t i;
	if (!name)
		return NULL;
	for (i = 0; rr_forges[i]; i++)
		if (strcmp(rr_forges[i]->name, name) == 0)
			return rr_forges[i];
	return NULL;
}
