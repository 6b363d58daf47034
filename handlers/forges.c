/* forges.c — the table of forges. Adding a forge is one line here. */
#include "forge.h"
#include "github.h"
#include "gitea.h"
#include "gitlab.h"

#include <string.h>

const struct forge *const rr_forges[] = {
	&forge_github,
	&forge_gitlab,
	&forge_gitea,
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

char **forge_config_slot(struct forge_config *cfg, enum forge_slot slot)
{
	switch (slot) {
	case FORGE_SLOT_WEBHOOK_SECRET: return &cfg->webhook_secret;
	case FORGE_SLOT_URL: return &cfg->api_url;
	case FORGE_SLOT_TOKEN: return &cfg->token;
	case FORGE_SLOT_CA_BUNDLE: return &cfg->ca_bundle;
	case FORGE_SLOT_GIT_URL: return &cfg->git_url;
	case FORGE_SLOT_EXTRA1: return &cfg->extra[0];
	case FORGE_SLOT_EXTRA2: return &cfg->extra[1];
	case FORGE_SLOT_COUNT: break;
	}
	return NULL;
}

struct api_client_options forge_api_options(const struct forge_config *cfg, const char *name)
{
	struct api_client_options opt = { 0 };

	opt.ca_bundle = cfg->ca_bundle;
	opt.user_agent = cfg->user_agent && *cfg->user_agent ? cfg->user_agent
							     : "rustreview/" RR_VERSION;
	opt.gate = &cfg->gate;
	opt.name = name;
	opt.observe = cfg->observe_api;
	opt.observe_ctx = cfg->observe_ctx;
	return opt;
}
