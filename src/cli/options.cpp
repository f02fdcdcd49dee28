#include "cli/options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace why502::cli {
namespace {

void add_inputs(CLI::App& app, options& o) {
    app.add_option("--error-log", o.error_logs, "NGINX error log (repeatable; .gz allowed; - is stdin)");
    app.add_option("--audit-log", o.audit_logs, "audit log in any supported form (repeatable; .gz allowed)");
    app.add_option("--policy", o.policy, "binary SELinux policy (e.g. policy.33)");
    app.add_option("--tz", o.tz,
                   "zone of every local-time stamp in the inputs (IANA name); default: local zone");
    app.add_option("--since", o.since, "start of the time window (2026-07-01T10:00:00, -1h, today, boot)");
    app.add_option("--until", o.until, "end of the time window");
    app.add_option("--nginx-conf", o.nginx_conf,
                   "live mode: read this NGINX configuration instead of nginx -T");
    app.add_option("--root", o.root, "read host facts and logs from a collected tree (sosreport, copy of /)");
    app.add_flag("--no-probe", o.no_probe, "live mode: never connect to backends");
    app.add_flag("-v,--verbose", o.verbose, "long detail: evidence, alternatives, explanations");
    app.add_flag("--no-color", o.no_color, "no colour even on a terminal (NO_COLOR is honoured too)");
    app.add_option("-j,--jobs", o.jobs, "reader threads (default: one per core, at most 4)");
}

}  // namespace

result<parsed> parse_options(int argc, char** argv) {
    options o;
    CLI::App app{"why502: why NGINX returns 502/504, and the least-privilege fix", "why502"};
    app.set_version_flag("--version", "why502 0.1.0");
    app.require_subcommand(0, 1);
    add_inputs(app, o);
    app.add_option("--format", o.format, "text|json|markdown|html")
        ->check(CLI::IsMember({"text", "json", "markdown", "html"}));

    auto* diag = app.add_subcommand("diagnose", "diagnose (the default): live host, or the given files");
    add_inputs(*diag, o);
    diag->add_option("--format", o.format, "text|json|markdown|html")
        ->check(CLI::IsMember({"text", "json", "markdown", "html"}));

    auto* fix = app.add_subcommand(
        "fix", "print the least-privilege fixes as a script or Ansible tasks; --apply runs them");
    add_inputs(*fix, o);
    fix->add_option("--format", o.format, "sh|ansible")->check(CLI::IsMember({"sh", "ansible"}));
    fix->add_flag("--all", o.all, "include the alternatives (commented out)");
    fix->add_flag("--apply", o.apply, "run the fix (root; asks before each command)");
    fix->add_flag("--yes", o.yes, "with --apply: do not ask");

    auto* explain =
        app.add_subcommand("explain", "explain single pasted lines (NGINX error line or audit record)");
    explain->add_option("--policy", o.policy, "binary SELinux policy");
    explain->add_option("--tz", o.tz, "zone of local-time stamps");
    explain->add_option("--format", o.format, "text|json")->check(CLI::IsMember({"text", "json"}));
    explain->add_flag("--no-color", o.no_color, "no colour");
    explain->add_option("line", o.lines, "lines to explain (default: standard input)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        std::fputs(app.help().c_str(), stdout);
        if (!app.get_subcommands().empty()) std::fputs(app.get_subcommands().front()->help().c_str(), stdout);
        return parsed{std::nullopt, 0};
    } catch (const CLI::CallForVersion&) {
        std::puts("why502 0.1.0");
        return parsed{std::nullopt, 0};
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
        return user_error{msg};
    }
    if (fix->parsed()) o.cmd = command::fix;
    if (explain->parsed()) o.cmd = command::explain;
    if (o.cmd != command::fix && (o.all || o.apply || o.yes))
        return user_error{"--all, --apply and --yes go with 'why502 fix'"};
    if (o.yes && !o.apply) return user_error{"--yes goes with --apply"};
    if (o.format.empty()) o.format = o.cmd == command::fix ? "sh" : "text";
    if (!o.root.empty() && !o.live())
        return user_error{"--root reads a collected tree: do not name input files with it"};
    if (!o.nginx_conf.empty() && !o.live())
        return user_error{"--nginx-conf is for live mode (no input files)"};
    return parsed{std::move(o), 0};
}

}  // namespace why502::cli
