#include "cli/apply.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/text.hpp"
#include "policy/policy.hpp"

namespace why502::cli {
namespace {

// Offline inputs are "from this host" only when every one is a file under this host's
// /var/log: fixing this host from someone else's logs would change the wrong machine.
bool inputs_from_this_host(const options& o) {
    if (o.live()) return o.root.empty() || o.root == "/";
    auto local = [](const std::string& p) {
        if (p == "-") return false;
        std::error_code ec;
        auto c = std::filesystem::canonical(p, ec);
        return !ec && c.string().rfind("/var/log/", 0) == 0;
    };
    for (const auto& p : o.error_logs)
        if (!local(p)) return false;
    for (const auto& p : o.audit_logs)
        if (!local(p)) return false;
    return true;
}

bool confirm(const std::string& cmd) {
    FILE* tty = std::fopen("/dev/tty", "r+");
    if (!tty) return false;
    fmt::print(tty, "run: {}\nproceed? [y/N] ", text::escape_terminal(cmd));
    std::fflush(tty);
    char buf[16] = {};
    bool yes = std::fgets(buf, sizeof buf, tty) && (buf[0] == 'y' || buf[0] == 'Y');
    std::fclose(tty);
    return yes;
}

// The commands were built word by word with text::shell_quote, so /bin/sh sees exactly
// those words; no log byte reaches it unquoted.
int run_command(const std::string& cmd) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool appliable(const diagnose::fix& f) {
    if (f.commands.empty()) return false;
    for (const auto& c : f.changes)
        if (c.kind == "manual") return false;
    return true;
}

}  // namespace

result<int> apply(const options& o, const diagnose::diagnosis& d) {
    if (geteuid() != 0) return user_error{"fix --apply must run as root (it changes SELinux settings)"};
    if (!inputs_from_this_host(o))
        return user_error{
            "fix --apply refuses to change this host from logs that are not its own (inputs outside "
            "/var/log, or --root): print the script with 'why502 fix' and run it on the right host"};
    if (d.findings.empty()) {
        fmt::print("nothing to fix: no findings\n");
        return 0;
    }
    int applied = 0;
    std::vector<const diagnose::finding*> done;
    for (const auto& f : d.findings) {
        const diagnose::fix* chosen = nullptr;
        for (const auto& x : f.fixes)
            if (appliable(x)) {
                chosen = &x;
                break;
            }
        if (!chosen) {
            fmt::print("{} at {}: no automatic fix; see 'why502 -v' for the checks to run\n", f.cause,
                       text::escape_terminal(f.upstream.address));
            continue;
        }
        fmt::print("{} at {}: {}\n", f.cause, text::escape_terminal(f.upstream.address),
                   text::escape_terminal(chosen->summary));
        for (const auto& cmd : chosen->commands) {
            if (!o.yes && !confirm(cmd)) {
                fmt::print("skipped by the operator; stopping\n");
                return 1;
            }
            fmt::print("+ {}\n", text::escape_terminal(cmd));
            std::fflush(stdout);
            int rc = run_command(cmd);
            if (rc != 0) {
                fmt::print(stderr, "why502: command failed with status {}: {}\n", rc,
                           text::escape_terminal(cmd));
                return 1;
            }
        }
        ++applied;
        done.push_back(&f);
    }
    // Check again: the logs still hold the old failures, so ask the host's policy whether
    // each denied access is allowed now.
    auto live = policy::load_live();
    if (!live) {
        fmt::print("applied {} fix(es); cannot re-check: {}\n", applied,
                   text::escape_terminal(live.error().message));
        return applied ? 0 : 1;
    }
    int remaining = 0;
    for (const auto* f : done) {
        if (!f->selinux) continue;
        std::string target = f->selinux->target_type;
        if (f->upstream.port)
            if (auto pl = live.value()->port_type("tcp", *f->upstream.port)) target = pl->type;
        bool ok = true;
        for (const auto& perm : f->selinux->permissions)
            ok = ok && live.value()->allowed({f->selinux->source_type, target, f->selinux->tclass, perm});
        fmt::print("{} at {}: {}\n", f->cause, text::escape_terminal(f->upstream.address),
                   ok ? "fixed (the policy now allows the access)" : "STILL DENIED");
        remaining += !ok;
    }
    return remaining ? 1 : 0;
}

}  // namespace why502::cli
