#pragma once

#include "cli/options.hpp"

namespace why502::cli {

// `why502 explain [LINE...]`: the pasted lines (arguments, else standard input) are
// diagnosed exactly like files: an NGINX line and an AVC pasted together are joined.
int run_explain(const options& o);

}  // namespace why502::cli
