// A pre-flight walk over a binary policy's symbol tables, before libsepol parses it.
//
// libsepol 3.4 trusts each symbol table's declared size (nprim) when it validates the
// policy: a damaged count such as 0x00ff0008 makes validate_policydb build a "gap"
// bitmap bit by bit in quadratic time, an apparent hang. Every such count sits in the
// header of one of the eight symbol tables, so this walk reads just far enough to check
// them. It only ever rejects on a positive finding; where it cannot follow the format
// it says "unknown" and libsepol decides.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace why502::policy::detail {

struct image_check {
    enum class verdict { plausible, implausible, unknown } result = verdict::unknown;
    int symtabs_read = 0;  // symbol tables walked
    std::string reason;    // for implausible / unknown
};

image_check check_policy_image(std::string_view image);

}  // namespace why502::policy::detail
