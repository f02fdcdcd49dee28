#pragma once

#include "base/result.hpp"
#include "cli/options.hpp"
#include "diagnose/model.hpp"

namespace why502::cli {

// `why502 fix --apply`: runs each finding's least-privilege fix (root only; asks before
// each command unless --yes; stops at the first failure), then checks again whether
// the denied accesses are now allowed. Returns the exit status.
result<int> apply(const options& o, const diagnose::diagnosis& d);

}  // namespace why502::cli
