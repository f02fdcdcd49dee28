// The command line: one struct, filled by CLI11, checked before anything runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace why502::cli {

enum class command { diagnose, fix, explain };

struct options {
    command cmd = command::diagnose;
    std::vector<std::string> error_logs;
    std::vector<std::string> audit_logs;
    std::string policy;
    std::string tz;
    std::string since, until;
    std::string format;  // "" = the command's default
    std::string nginx_conf;
    std::string root;
    bool no_probe = false;
    bool verbose = false;
    bool all = false;    // fix: list alternatives too
    bool apply = false;  // fix: run it
    bool yes = false;    // fix --apply: do not ask
    bool no_color = false;
    unsigned jobs = 0;               // 0: one per core (at most 4)
    std::vector<std::string> lines;  // explain: pasted lines

    bool live() const { return error_logs.empty() && audit_logs.empty(); }
};

// Parses argv. Returns nullopt with exit code 0 when help/version was printed.
struct parsed {
    std::optional<options> opts;
    int exit_code = 0;
};
result<parsed> parse_options(int argc, char** argv);

}  // namespace why502::cli
