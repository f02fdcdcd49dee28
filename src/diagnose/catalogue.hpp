// The cause catalogue: one row per cause id (PRODUCT.md's table). Adding a cause is
// adding a row here plus its golden case.
#pragma once

#include <string_view>
#include <vector>

namespace why502::diagnose {

enum class severity : unsigned char { info, warning, error };

struct cause_info {
    std::string_view id;
    std::string_view title;  // short, for summaries
    severity level;
    std::string_view meaning;  // what it means, one or two sentences
    std::string_view check;    // what to check first
};

// nullptr for an unknown id.
const cause_info* find_cause(std::string_view id);
const std::vector<cause_info>& all_causes();

}  // namespace why502::diagnose
