#pragma once

// "Older than" limits given on the command line (`kernels cache prune --older-than`): either a
// point in time (an ISO 8601 date or date-time) or an age counted back from now.
//
//   2026-01-31                    that day, 00:00 UTC
//   2026-01-31T12:30[:45][Z]      UTC when no offset is given
//   2026-01-31T12:30:45+02:00     with an offset (also -05:00, +0200)
//   30d, 12h, 45m, 90s, 2w        an age: a whole number and one unit; several may follow each
//                                 other ("1d12h")

#include <chrono>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

using SystemTime = std::chrono::system_clock::time_point;

// The cut-off `text` names, ages counted back from `now`. invalid_input (saying which forms are
// accepted) for anything else: an empty text, a date that does not exist (2026-02-30), a unit
// other than s/m/h/d/w, a zero or absurdly large age.
[[nodiscard]] Result<SystemTime> parse_time_limit(std::string_view text, SystemTime now);

}  // namespace kernels
