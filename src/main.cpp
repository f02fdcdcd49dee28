// why502: why does NGINX return 502/504, and the least-privilege fix. See ARCHITECTURE.md.
#include "cli/app.hpp"

int main(int argc, char** argv) {
    return why502::cli::run(argc, argv);
}
