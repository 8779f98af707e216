#pragma once

// The Hub API layer on top of HttpClient (reference/hub-api.md), in one include:
//
// * hub_types.hpp      RepoRef, HubEndpoint, and what the Hub's answers mean once parsed;
// * hub_requests.hpp   pure request builders (refs, info, tree pages, resolve HEAD/GET,
//                      kernel-status.toml, organization overview);
// * hub_responses.hpp  pure response parsers, with every untrusted value checked;
// * hub_errors.hpp     X-Error-Code mapping, the model-type fallback rule, the offline error;
// * user_agent.hpp     the User-Agent header;
// * hub_client.hpp     HubClient: the calls for one repo and the batch helpers for many.
//
// Builders and parsers are pure so that a caller can run one stage for many repos in a single
// HttpClient::perform batch; HubClient does exactly that for the lock's stages.

#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_requests.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/hub/user_agent.hpp"
