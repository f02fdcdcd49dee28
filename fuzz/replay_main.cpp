// Plain main for fuzz targets when libFuzzer is absent: replays every file named on the
// command line (or every file in a named directory) through LLVMFuzzerTestOneInput, so
// targets are built and exercised on every build and cannot rot.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static int replay(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "%s: cannot open\n", p.c_str());
        return 1;
    }
    std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
    return 0;
}

int main(int argc, char** argv) {
    int failures = 0, n = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) failures += replay(e.path()), ++n;
        } else {
            failures += replay(p), ++n;
        }
    }
    std::fprintf(stderr, "replayed %d inputs\n", n);
    return failures ? 1 : 0;
}
