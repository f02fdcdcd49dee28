// `why502 fix --format sh`: a POSIX sh script with one block per finding. Commands are
// built here from the fix's structured changes, never pasted from text: every word is
// either a constant or text::shell_quote of a value check_change validated. Each change
// looks at the current state first, so a second run changes nothing. Manual steps and
// verification commands are printed for the operator, never executed.
#include <set>

#include <fmt/format.h>

#include "base/text.hpp"
#include "render/common.hpp"
#include "render/render.hpp"

namespace why502::render {
namespace {

using text::shell_quote;

// A comment line that log text cannot end early: escape_terminal leaves no newline,
// and command_for_terminal falls back to it for anything but plain text.
std::string comment(std::string_view s, std::string_view prefix = "# ") {
    return std::string(prefix) + text::escape_terminal(s) + "\n";
}
std::string command_comment(std::string_view cmd) {
    return "#   $ " + detail::command_for_terminal(cmd) + "\n";
}

// printf of lines for the operator (each already made terminal-safe by the caller), so
// the script's output cannot drive the terminal that runs it.
std::string say(const std::vector<std::string>& lines, bool to_stderr = false) {
    std::string out = "printf '%s\\n'";
    for (const auto& l : lines) out += " " + shell_quote(l);
    if (to_stderr) out += " >&2";
    return out + "\n";
}

std::string q(std::string_view s) {
    return shell_quote(s);
}

// An extended regex matching a `semanage port -l` line that lists exactly `port` under
// `setype`/`proto`. Only validated identifiers and digits reach it.
std::string port_listed_regex(const detail::seport_change& p, std::string_view port) {
    return fmt::format("^{}[[:space:]]+{}[[:space:]]+(.*[[:space:],])?{}(,|[[:space:]]*$)", p.setype, p.proto,
                       port);
}

struct tools_used {
    std::set<std::string> names;
};

// `shown` is text the block's header already carries (the fix's note), not repeated.
std::string change_commands(const detail::checked_change& c, tools_used& tools, size_t& heredocs,
                            std::string_view shown) {
    std::string out;
    if (const auto* b = std::get_if<detail::seboolean_change>(&c)) {
        tools.names.insert("getsebool");
        tools.names.insert("setsebool");
        out += fmt::format("getsebool {} | grep -q {} || setsebool -P {} {}\n", q(b->name),
                           q(b->on ? " on$" : " off$"), q(b->name), b->on ? "1" : "0");
    } else if (const auto* p = std::get_if<detail::seport_change>(&c)) {
        tools.names.insert("semanage");
        for (const auto& port : p->ports) {
            std::string check = fmt::format("semanage port -l | grep -Eq {}", q(port_listed_regex(*p, port)));
            auto cmd = [&](std::string_view flag) {
                return fmt::format("semanage port {} -t {} -p {} {}", flag, q(p->setype), q(p->proto),
                                   q(port));
            };
            if (p->action == "add")
                out += check + " || " + cmd("-a") + "\n";
            else if (p->action == "modify")
                out += check + " || " + cmd("-m") + "\n";
            // `-a` fails only when a record for exactly this port exists; then `-m`.
            else
                out += check + " || " + cmd("-a") + " 2>/dev/null || " + cmd("-m") + "\n";
        }
    } else if (const auto* fc = std::get_if<detail::sefcontext_change>(&c)) {
        tools.names.insert("semanage");
        std::string ft = fc->ftype.empty() ? std::string() : " -f " + q(fc->ftype);
        out += fmt::format(
            "if ! semanage fcontext -l | grep -F -- {} | awk '{{print $1}}' | grep -Fqx -- {}; then\n",
            q(":" + fc->setype + ":"), q(fc->target));
        out += fmt::format("    if semanage fcontext -l -C | awk '{{print $1}}' | grep -Fqx -- {}; then\n",
                           q(fc->target));
        out += fmt::format("        semanage fcontext -m -t {}{} {}\n", q(fc->setype), ft, q(fc->target));
        out += "    else\n";
        out += fmt::format("        semanage fcontext -a -t {}{} {}\n", q(fc->setype), ft, q(fc->target));
        out += "    fi\nfi\n";
    } else if (const auto* r = std::get_if<detail::restorecon_change>(&c)) {
        tools.names.insert("restorecon");
        // restorecon only changes labels that differ: idempotent as it is.
        out += fmt::format("restorecon {} {}\n", r->recursive ? "-Rv" : "-v", q(r->path));
    } else if (const auto* m = std::get_if<detail::module_change>(&c)) {
        if (m->te.empty()) {
            out += comment("local policy module " + m->name + ": its source was not provided; not installed");
            return out;
        }
        for (const char* t : {"semodule", "checkmodule", "semodule_package"}) tools.names.insert(t);
        std::string te = m->te;
        if (te.back() != '\n') te += '\n';
        // A quoted here-document: no expansion inside; its end marker must not occur
        // as a line of the module text.
        std::string marker = fmt::format("WHY502_TE_END_{}", ++heredocs);
        while (te.find("\n" + marker + "\n") != std::string::npos || te.starts_with(marker + "\n"))
            marker += "_";
        out += fmt::format("if ! semodule -l | grep -Eq {}; then\n", q("^" + m->name + "([[:space:]]|$)"));
        out += "    why502_tmp=$(mktemp -d)\n";
        out += fmt::format("    cat > \"$why502_tmp\"/{}.te <<'{}'\n{}{}\n", m->name, marker, te, marker);
        out +=
            fmt::format("    checkmodule -M -m -o \"$why502_tmp\"/{0}.mod \"$why502_tmp\"/{0}.te\n", m->name);
        out += fmt::format("    semodule_package -o \"$why502_tmp\"/{0}.pp -m \"$why502_tmp\"/{0}.mod\n",
                           m->name);
        out += fmt::format("    semodule -i \"$why502_tmp\"/{}.pp\n", m->name);
        out += "    rm -rf \"$why502_tmp\"\nfi\n";
    } else if (const auto* man = std::get_if<detail::manual_change>(&c)) {
        out += "# Manual step for the operator (printed, not run):\n";
        std::vector<std::string> lines;
        if (!man->description.empty()) {
            if (man->description != shown) out += comment(man->description, "#   ");
            lines.push_back("manual step: " + text::escape_terminal(man->description));
        }
        for (const auto& cmd : man->commands) {
            out += command_comment(cmd);
            lines.push_back("  $ " + detail::command_for_terminal(cmd));
        }
        if (!lines.empty()) out += say(lines);
    }
    return out;
}

// Key for "this exact change was already made above".
std::string signature(const detail::checked_change& c) {
    if (const auto* b = std::get_if<detail::seboolean_change>(&c))
        return "b " + b->name + (b->on ? "1" : "0");
    if (const auto* p = std::get_if<detail::seport_change>(&c)) {
        std::string s = "p " + p->setype + " " + p->proto;
        for (const auto& x : p->ports) s += " " + x;
        return s;
    }
    if (const auto* fc = std::get_if<detail::sefcontext_change>(&c))
        return "f " + fc->setype + " " + fc->ftype + " " + fc->target;
    if (const auto* m = std::get_if<detail::module_change>(&c)) return "m " + m->name;
    return {};  // restorecon and manual steps are repeated where they belong
}

std::string fix_block(const diagnose::fix& x, tools_used& tools, std::set<std::string>& done,
                      size_t& heredocs) {
    std::string out = comment("fix " + x.id + ": " + x.summary + " (" + detail::fix_proof(x) + ")");
    if (!x.note.empty()) out += comment(x.note, "#   ");
    for (const auto& r : detail::checked_changes(x)) {
        if (!r.ok()) {
            out += comment("skipped: " + r.error().message);
            out +=
                say({"why502: skipped an unsafe change: " + text::escape_terminal(r.error().message)}, true);
            continue;
        }
        std::string sig = signature(r.value());
        if (!sig.empty() && !done.insert(sig).second) {
            out += "# (this change is made above for another finding)\n";
            continue;
        }
        out += change_commands(r.value(), tools, heredocs, x.note);
    }
    return out;
}

std::string commented_out(std::string_view block) {
    std::string out;
    size_t start = 0;
    while (start < block.size()) {
        size_t nl = block.find('\n', start);
        std::string_view l = block.substr(start, nl == std::string_view::npos ? block.npos : nl - start);
        out += l.starts_with("#") ? "#" + std::string(l) : "# " + std::string(l);
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return out;
}

}  // namespace

std::string shell_script(const diagnose::diagnosis& d, const options& o) {
    std::string body;
    tools_used tools;
    std::set<std::string> done;
    size_t heredocs = 0;
    size_t index = 0;
    std::vector<std::string> verify;
    for (const auto& f : d.findings) {
        ++index;
        body += fmt::format("\n# ---- {}. ", index) +
                text::escape_terminal(f.cause + ": " + detail::cause_title(f)) + "\n";
        body += comment("upstream " + detail::upstream_label(f.upstream) + "; " + detail::count_phrase(f) +
                        "; " + f.confidence);
        if (f.selinux) body += comment("denied: " + detail::selinux_access(*f.selinux));
        const diagnose::fix* best = detail::recommended_fix(f);
        if (!best) {
            std::string check = detail::cause_check(f);
            body += comment("no fix proposed" + (check.empty() ? std::string() : "; check " + check));
        } else {
            body += fix_block(*best, tools, done, heredocs);
            if (o.all_fixes) {
                for (const auto& x : f.fixes) {
                    if (&x == best) continue;
                    // Alternatives grant more: kept as comments to enable by hand. Their
                    // changes are not recorded as done, since they are not made.
                    std::set<std::string> scratch = done;
                    tools_used unused;
                    body += "# alternative (more privilege), not applied:\n";
                    body += commented_out(fix_block(x, unused, scratch, heredocs));
                }
            } else if (f.fixes.size() > 1) {
                body += fmt::format(
                    "# ({} alternative fix{} with more privilege not shown: why502 --verbose lists "
                    "them)\n",
                    f.fixes.size() - 1, f.fixes.size() == 2 ? "" : "es");
            }
        }
        for (const auto& v : f.verify) verify.push_back(v);
    }

    std::string out = "#!/bin/sh\n";
    out += "# why502 fix: the least-privilege fix for each finding. Review before running.\n";
    out += "# Every change checks the current state first: running it twice changes nothing.\n";
    if (!d.policy_source.empty()) out += comment("policy: " + d.policy_source);
    for (const auto& w : d.warnings) out += comment("warning: " + w);
    out += "set -eu\n";
    if (d.findings.empty()) {
        out += "\n" + say({"why502: no upstream failures found, nothing to fix"});
        return out;
    }
    if (!tools.names.empty()) {
        std::string list;
        for (const auto& t : tools.names) list += (list.empty() ? "" : " ") + t;
        out += fmt::format(
            "for why502_tool in {}; do\n"
            "    command -v \"$why502_tool\" >/dev/null 2>&1 || {{\n"
            "        printf 'why502: %s not found (policycoreutils)\\n' \"$why502_tool\" >&2\n"
            "        exit 1\n"
            "    }}\n"
            "done\n",
            list);
    }
    out += body;
    out += "\n# ---- verification\n";
    if (verify.empty()) {
        out += "# Re-run why502 on new log lines: the findings above should be gone.\n";
        out += say({"why502: done. Re-run why502 on new log lines to verify."});
    } else {
        out += "# Run these to check the fixes worked (printed, not run):\n";
        std::vector<std::string> lines{"why502: done. Verify with:"};
        for (const auto& v : verify) {
            out += command_comment(v);
            lines.push_back("  $ " + detail::command_for_terminal(v));
        }
        out += say(lines);
    }
    return out;
}

}  // namespace why502::render
