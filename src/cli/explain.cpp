#include "cli/explain.hpp"

#include <cstdio>
#include <iostream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "cli/read_inputs.hpp"
#include "diagnose/diagnose.hpp"
#include "policy/policy.hpp"
#include "render/render.hpp"

namespace why502::cli {

int run_explain(const options& o) {
    std::string text;
    if (!o.lines.empty()) {
        for (const auto& l : o.lines) text += l + "\n";
    } else {
        std::string line;
        while (std::getline(std::cin, line)) text += line + "\n";
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        fmt::print(stderr, "why502: explain: no line given (pass lines as arguments or on standard input)\n");
        return 2;
    }
    // The pasted text becomes an in-memory file read by the same readers as real logs.
    int fd = memfd_create("why502-explain", MFD_CLOEXEC);
    if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        fmt::print(stderr, "why502: explain: cannot buffer the input\n");
        return 2;
    }
    std::string path = fmt::format("/proc/self/fd/{}", fd);

    std::unique_ptr<policy::policy_view> pol;
    std::vector<std::string> warnings;
    if (!o.policy.empty()) {
        auto p = policy::load_binary(o.policy);
        if (!p) {
            fmt::print(stderr, "why502: {}\n", text::escape_terminal(p.error().message));
            return 2;
        }
        pol = std::move(p.value());
    } else {
        pol = policy::builtin_rhel();
        warnings.push_back("no --policy given: SELinux fixes are assumed from built-in RHEL knowledge");
    }
    diagnose::evidence_store store;
    read_options ro;
    ro.workers = 1;
    auto n = read_error_log(path, 0, ro, store);
    auto a = read_audit_log(path, 0, ro, store);
    store.canonicalize();
    ::close(fd);
    if (!n || !a) {
        fmt::print(stderr, "why502: explain: {}\n",
                   text::escape_terminal(!n ? n.error().message : a.error().message));
        return 2;
    }
    diagnose::diagnose_options d;
    d.files = {"<pasted>"};
    d.have_error_log = n->records > 0;
    d.have_audit_log = false;  // a few pasted records do not show that nothing else was logged
    d.policy = pol.get();
    auto result = diagnose::diagnose(store, d);
    result.policy_source = pol->description();
    result.policy_assumed = pol->assumed();
    result.time_zone = timeutil::input_zone_name();
    for (auto& w : result.warnings) warnings.push_back(std::move(w));
    result.warnings = std::move(warnings);
    if (result.findings.empty())
        result.warnings.push_back("no upstream failure or NGINX denial recognised in the given line(s)");
    render::options ro2;
    ro2.verbose = true;
    ro2.color = !o.no_color && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    std::string out = o.format == "json" ? render::json(result) : render::text(result, ro2);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return result.findings.empty() ? 0 : 1;
}

}  // namespace why502::cli
