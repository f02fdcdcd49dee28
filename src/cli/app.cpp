#include "cli/app.hpp"

#include <cstdio>

namespace why502::cli {

int run(int, char**) {
    std::fputs("why502: not built yet\n", stderr);
    return 2;
}

}  // namespace why502::cli
