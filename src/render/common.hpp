// Shared by the renderers: wording and facts derived from the model (never computed
// anew), and the checked form of a fix's structured changes that both fix renderers
// (shell script, Ansible) build from. Everything returned here is raw text: each
// renderer escapes it for its own destination.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "diagnose/model.hpp"

namespace why502::render::detail {

// The fix to recommend: the one marked least_privilege, else the first; nullptr if none.
const diagnose::fix* recommended_fix(const diagnose::finding& f);

// Catalogue title of the finding's cause, or the id itself for an unknown id.
std::string cause_title(const diagnose::finding& f);
std::string cause_meaning(const diagnose::finding& f);
std::string cause_check(const diagnose::finding& f);
// "error" | "warning" | "info" from the catalogue ("error" for unknown ids).
std::string_view cause_severity(const diagnose::finding& f);

// "127.0.0.1:3000 (tcp)", "unix:/run/app.sock (unix socket)", "backend (name)".
std::string upstream_label(const diagnose::upstream_ref& u);
// "2026-07-01T10:14:02Z" or "unknown".
std::string time_or_unknown(const std::optional<int64_t>& ms);
// "2026-07-01T10:14:02Z .. 2026-07-01T10:20:11Z", one stamp when both are equal, "" if none.
std::string time_range(const std::optional<int64_t>& first, const std::optional<int64_t>& last);
// "httpd_t -> ntop_port_t tcp_socket { name_connect }".
std::string selinux_access(const diagnose::selinux_detail& s);
// "verified against the policy, grants 1, revokes 0" / "assumed (no policy read)" /
// "not verified" / "for the operator" (a fix made only of manual steps).
std::string fix_proof(const diagnose::fix& x);
// "5 failed requests" / "no failed request logged, 3 denials".
std::string count_phrase(const diagnose::finding& f);
// "1 finding (5 failed requests; 1 confirmed)" style totals for the last line.
std::string totals_line(const diagnose::diagnosis& d);
// What was read: "error.log (nginx, 120 lines, 5 upstream failure lines)", one per input.
std::vector<std::string> input_lines(const diagnose::diagnosis& d);
// The same joined with "; " ("no input" when there is none).
std::string inputs_line(const diagnose::diagnosis& d);
// Overall first/last over findings.
std::optional<int64_t> earliest(const diagnose::diagnosis& d);
std::optional<int64_t> latest(const diagnose::diagnosis& d);
uint64_t total_failures(const diagnose::diagnosis& d);

// A command for display, copyable as it is: verbatim when it holds nothing a terminal
// must not see raw (backslashes stay single, so `\.` in a regex stays `\.`), else
// text::escape_terminal (the command is then shown escaped, and visibly so).
std::string command_for_terminal(std::string_view cmd);
// The same for HTML: entities only, unless something needs escape_html's escapes.
std::string command_for_html(std::string_view cmd);

// ---- the structured changes, checked ---------------------------------------------

struct seboolean_change {
    std::string name;
    bool on = true;
};
struct seport_change {
    std::vector<std::string> ports;  // each "N" or "N-M"
    std::string proto;               // tcp | udp | sctp | dccp
    std::string setype;
    std::string action;  // "add" | "modify" | "" (unknown: try add, then modify)
};
struct sefcontext_change {
    std::string target;  // the regex semanage fcontext takes
    std::string setype;
    std::string ftype;  // a f d c b s l p, or "" for all files
};
struct restorecon_change {
    std::string path;
    bool recursive = true;
};
struct module_change {
    std::string name;
    std::string te;  // policy module source; empty when the fix did not include it
};
// For the operator: shown, never executed.
struct manual_change {
    std::string description;            // args "summary" / "text"
    std::vector<std::string> commands;  // args "command", else the fix's commands
};
using checked_change = std::variant<seboolean_change, seport_change, sefcontext_change, restorecon_change,
                                    module_change, manual_change>;

// Validates one change's arguments (identifiers, ports, absolute paths without
// newlines...). An error names what is unusable; the renderers then skip the change
// with a comment instead of emitting a command built from it.
result<checked_change> check_change(const diagnose::fix& x, const diagnose::fix::change& c);

// A fix's changes; a fix without structured changes becomes one manual change made of
// its commands (shown to the operator, never run).
std::vector<result<checked_change>> checked_changes(const diagnose::fix& x);

bool is_identifier(std::string_view s);

}  // namespace why502::render::detail
