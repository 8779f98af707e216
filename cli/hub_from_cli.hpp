#pragma once

#include "kernels/error.hpp"
#include "kernels/hub/hub_client.hpp"
#include "kernels/model/settings.hpp"

#include "global_options.hpp"

namespace kernels::cli {

// The Hub client every networked command uses: settings from the flags and the environment,
// our user agent, -j for the number of parallel transfers.
[[nodiscard]] Result<HubClient> hub_client_from(const Settings& settings, int jobs = 8);

}  // namespace kernels::cli
