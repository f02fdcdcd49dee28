// Helpers for the renderer tests: byte-level checks and running an external program.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "base/text.hpp"

namespace why502::render::testing {

// The first control byte (other than \n) or C1/bidi code point in s, or npos.
inline size_t first_raw_control(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if ((c < 0x20 && c != '\n') || c == 0x7f) return i;
        // C1 controls as UTF-8 (U+0080..U+009F) and the bidi overrides/isolates.
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return i;
        if (c == 0xE2 && i + 2 < s.size()) {
            auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
            if (b1 == 0x80 && ((b2 >= 0xAA && b2 <= 0xAE) || b2 == 0x8E || b2 == 0x8F)) return i;
            if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return i;
        }
    }
    return std::string_view::npos;
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const std::filesystem::path& p, std::string_view data) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
}

struct run_result {
    int status = -1;  // exit status, or -1 if it did not exit normally
    std::string output;
};

// Runs a /bin/sh command line (built by the test from constants and quoted paths).
inline run_result run(const std::string& command) {
    run_result r;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline std::filesystem::path make_temp_dir(const std::string& tag) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / ("why502-render-" + tag + "-XXXXXX")).string();
    char* made = ::mkdtemp(tmpl.data());
    return made ? std::filesystem::path(made) : std::filesystem::path();
}

inline std::string q(const std::filesystem::path& p) {
    return text::shell_quote(p.string());
}

// /usr/bin/python3 (Debian's, with python3-yaml) rather than whatever is first on PATH.
inline std::string python3() {
    return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

}  // namespace why502::render::testing
