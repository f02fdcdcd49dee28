// The program as an ordered list of steps over one state. Each step either lets the
// run go on or ends it with an exit status; errors are values, turned into one line on
// stderr and status 2 here.
#include "cli/app.hpp"

#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <future>
#include <optional>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "cli/apply.hpp"
#include "cli/explain.hpp"
#include "cli/live.hpp"
#include "cli/options.hpp"
#include "cli/read_inputs.hpp"
#include "diagnose/diagnose.hpp"
#include "ingest/input.hpp"
#include "policy/policy.hpp"
#include "render/render.hpp"

namespace why502::cli {
namespace {

struct state {
    options opts;
    diagnose::time_window window;
    std::unique_ptr<policy::policy_view> policy;
    // A policy file is parsed on its own thread while the logs are read.
    std::future<why502::result<std::unique_ptr<policy::policy_view>>> policy_loading;
    std::vector<std::string> warnings;
    diagnose::evidence_store store;
    std::vector<std::string> files;
    std::vector<diagnose::input_summary> inputs;
    diagnose::diagnosis result;
    live_context live;
    std::string output;
};

struct run_result {
    bool proceed = true;
    int exit_code = 0;
    static run_result next() { return {}; }
    static run_result stop(int code) { return {false, code}; }
};

run_result fail(const user_error& e) {
    fmt::print(stderr, "why502: {}\n", text::escape_terminal(e.message));
    return run_result::stop(2);
}

run_result set_zone(state& s) {
    if (!s.opts.tz.empty())
        if (auto r = timeutil::set_input_zone(s.opts.tz); !r) return fail(r.error());
    int64_t now = timeutil::now_ms();
    if (!s.opts.since.empty()) {
        auto t = timeutil::parse_time_bound(s.opts.since, now);
        if (!t) return fail({"--since: " + t.error().message});
        s.window.since_ms = *t;
    }
    if (!s.opts.until.empty()) {
        auto t = timeutil::parse_time_bound(s.opts.until, now);
        if (!t) return fail({"--until: " + t.error().message});
        s.window.until_ms = *t;
    }
    if (s.window.since_ms && s.window.until_ms && *s.window.since_ms > *s.window.until_ms)
        return fail({"--since is after --until"});
    s.store = diagnose::evidence_store(s.window);
    return run_result::next();
}

run_result collect_host(state& s) {
    if (!s.opts.live()) return run_result::next();
    s.live = collect_live(s.opts);
    for (const auto& w : s.live.warnings) s.warnings.push_back(w);
    return run_result::next();
}

run_result load_policy(state& s) {
    if (!s.opts.policy.empty()) {
        // A missing or unreadable file is said at once; its contents are checked when
        // the logs have been read (parsing takes tens of milliseconds, reading longer).
        if (::access(s.opts.policy.c_str(), R_OK) != 0) {
            auto p = policy::load_binary(s.opts.policy);  // for its error message
            if (!p) return fail(p.error());
            s.policy = std::move(p.value());
        } else {
            s.policy_loading =
                std::async(std::launch::async, [path = s.opts.policy] { return policy::load_binary(path); });
        }
        return run_result::next();
    }
    if (s.opts.live()) {
        if (auto p = load_live_policy(s.live)) {
            s.policy = std::move(*p);
            return run_result::next();
        }
    }
    s.policy = policy::builtin_rhel();
    s.warnings.push_back(
        "no SELinux policy was read (use --policy FILE, e.g. /etc/selinux/targeted/policy/policy.33): fixes "
        "come from built-in knowledge of the RHEL targeted policy and are assumed, not verified");
    return run_result::next();
}

unsigned worker_count(const options& o) {
    if (o.jobs) return std::min(o.jobs, 16u);
    unsigned hc = std::thread::hardware_concurrency();
    return std::clamp(hc, 1u, 4u);
}

run_result read_logs(state& s) {
    read_options ro;
    ro.workers = worker_count(s.opts);
    ro.window = s.window;
    ingest::progress meter(isatty(STDERR_FILENO));
    ro.meter = &meter;
    auto error_logs = s.opts.live() ? s.live.error_logs : ingest::order_rotations(s.opts.error_logs);
    auto audit_logs = s.opts.live() ? s.live.audit_logs : ingest::order_rotations(s.opts.audit_logs);
    int stdin_uses = 0;
    for (const auto& p : error_logs) stdin_uses += p == "-";
    for (const auto& p : audit_logs) stdin_uses += p == "-";
    if (stdin_uses > 1) return fail({"standard input (-) can be named only once"});
    // Files are read concurrently (up to --jobs at a time), each split into pieces across
    // --jobs workers: a big file next to a small one still gets every core, and the
    // scheduler shares the cores while both are read. The output does not depend on
    // how the work was split (evidence_store::canonicalize).
    struct task {
        std::string path;
        bool audit;
        uint32_t id;
        std::optional<result<diagnose::input_summary>> out;
        std::unique_ptr<diagnose::evidence_store> store;
    };
    std::vector<task> tasks;
    for (const auto& p : error_logs) tasks.push_back({p, false, 0, std::nullopt, nullptr});
    for (const auto& p : audit_logs) tasks.push_back({p, true, 0, std::nullopt, nullptr});
    for (auto& t : tasks) {
        t.id = static_cast<uint32_t>(s.files.size());
        s.files.push_back(t.path == "-" ? "<stdin>" : t.path);
        t.store = std::make_unique<diagnose::evidence_store>(s.window);
    }
    unsigned threads = std::min<unsigned>(ro.workers, static_cast<unsigned>(tasks.size()));
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < tasks.size();) {
            auto& t = tasks[i];
            t.out = t.audit ? read_audit_log(t.path, t.id, ro, *t.store)
                            : read_error_log(t.path, t.id, ro, *t.store);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    meter.finish();
    for (auto& t : tasks) {
        if (!*t.out) {
            if (s.opts.live()) {
                s.warnings.push_back(t.out->error().message);
                continue;
            }
            return fail(t.out->error());
        }
        s.inputs.push_back(t.out->value());
        s.store.merge(std::move(*t.store));
    }
    s.store.canonicalize();
    for (const auto& in : s.inputs) {
        if (in.malformed)
            s.warnings.push_back(fmt::format("{}: {} malformed line(s) skipped", in.file, in.malformed));
        if (in.overlong)
            s.warnings.push_back(
                fmt::format("{}: {} line(s) longer than 4 MiB skipped", in.file, in.overlong));
        if (!in.truncated.empty()) s.warnings.push_back(fmt::format("{}: {}", in.file, in.truncated));
        if (in.kind == "audit" && in.bytes > 0 && !in.first_ms)
            s.warnings.push_back(fmt::format("{}: no audit record recognised", in.file));
    }
    return run_result::next();
}

run_result await_policy(state& s) {
    if (s.policy_loading.valid()) {
        auto p = s.policy_loading.get();
        if (!p) return fail(p.error());
        s.policy = std::move(p.value());
    }
    if (!s.opts.policy.empty() && s.opts.live() && s.live.booleans_known)
        s.policy->set_booleans(s.live.booleans);
    return run_result::next();
}

run_result run_diagnosis(state& s) {
    diagnose::diagnose_options d;
    d.files = s.files;
    for (const auto& in : s.inputs) {
        if (in.kind == "nginx") d.have_error_log = true;
        if (in.kind == "audit" && in.first_ms) d.have_audit_log = true;
    }
    d.policy = s.policy.get();
    d.worker_user = s.live.nginx_user;
    s.result = diagnose::diagnose(s.store, d);
    auto& r = s.result;
    r.inputs = s.inputs;
    r.policy_source = s.policy->description();
    r.policy_assumed = s.policy->assumed();
    r.booleans_source = s.policy->assumed() ? "built-in defaults (assumed)"
                        : s.policy->booleans_from_host()
                            ? "the host's current values"
                            : "the values stored in the policy file (its defaults)";
    r.time_zone = timeutil::input_zone_name();
    r.live = s.opts.live();
    std::vector<std::string> w = s.warnings;
    for (auto& x : r.warnings) w.push_back(std::move(x));
    r.warnings = std::move(w);
    if (s.opts.live()) enrich_live(s.opts, s.live, s.policy.get(), r);
    return run_result::next();
}

bool use_color(const options& o) {
    if (o.no_color) return false;
    const char* nc = std::getenv("NO_COLOR");
    if (nc && *nc) return false;
    return isatty(STDOUT_FILENO);
}

run_result render_output(state& s) {
    render::options ro;
    ro.color = use_color(s.opts);
    ro.verbose = s.opts.verbose;
    ro.all_fixes = s.opts.all;
    const auto& f = s.opts.format;
    if (s.opts.cmd == command::fix)
        s.output = f == "ansible" ? render::ansible(s.result, ro) : render::shell_script(s.result, ro);
    else if (f == "json")
        s.output = render::json(s.result);
    else if (f == "markdown")
        s.output = render::markdown(s.result, ro);
    else if (f == "html")
        s.output = render::html(s.result, ro);
    else
        s.output = render::text(s.result, ro);
    if (!s.opts.apply) std::fwrite(s.output.data(), 1, s.output.size(), stdout);
    std::fflush(stdout);
    return run_result::next();
}

run_result apply_fixes(state& s) {
    if (s.opts.cmd != command::fix || !s.opts.apply) return run_result::next();
    auto r = apply(s.opts, s.result);
    if (!r) return fail(r.error());
    return run_result::stop(*r);
}

int exit_status(const state& s) {
    return s.result.findings.empty() ? 0 : 1;
}

}  // namespace

int run(int argc, char** argv) {
    auto p = parse_options(argc, argv);
    if (!p) {
        fmt::print(stderr, "why502: {}\n", text::escape_terminal(p.error().message));
        fmt::print(stderr, "Try 'why502 --help'.\n");
        return 2;
    }
    if (!p->opts) return p->exit_code;
    state s;
    s.opts = std::move(*p->opts);
    if (s.opts.cmd == command::explain) {
        if (auto r = set_zone(s); !r.proceed) return r.exit_code;
        return run_explain(s.opts);
    }
    using step = run_result (*)(state&);
    static constexpr step steps[] = {set_zone,     collect_host,  load_policy,   read_logs,
                                     await_policy, run_diagnosis, render_output, apply_fixes};
    for (step st : steps) {
        run_result r = st(s);
        if (!r.proceed) return r.exit_code;
    }
    // The policydb is left to the OS at exit: tearing it down node by node costs more
    // than a tenth of a second's work of a whole diagnosis. (Kept reachable, so a leak
    // checker does not report it.)
    [[maybe_unused]] static policy::policy_view* left_to_exit = nullptr;
    left_to_exit = s.policy.release();
    return exit_status(s);
}

}  // namespace why502::cli
