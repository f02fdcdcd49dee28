// why502: why does NGINX return 502/504, and the least-privilege fix. See ARCHITECTURE.md.
#include <cstdlib>  // defines __GLIBC__ where it applies

#include "cli/app.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int main(int argc, char** argv) {
#if defined(__GLIBC__)
    // A thread's heap is made writable as it grows, 4 KiB at a time past the 128 KiB it
    // starts with: the policy parser's thread alone did 2,500 mprotect calls, each
    // taking the address-space lock for writing, which the readers' page faults and
    // window mappings wait for. Heaps start with 16 MiB of writable room instead:
    // address space, not memory (pages are only allocated when touched).
    mallopt(M_TOP_PAD, 16 << 20);
#endif
    return why502::cli::run(argc, argv);
}
