#include "render/common.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "diagnose/catalogue.hpp"

namespace why502::render::detail {

using diagnose::diagnosis;
using diagnose::finding;
using diagnose::fix;

const fix* recommended_fix(const finding& f) {
    for (const auto& x : f.fixes)
        if (x.least_privilege) return &x;
    return f.fixes.empty() ? nullptr : &f.fixes.front();
}

std::string cause_title(const finding& f) {
    const auto* c = diagnose::find_cause(f.cause);
    return c ? std::string(c->title) : f.cause;
}

std::string cause_meaning(const finding& f) {
    const auto* c = diagnose::find_cause(f.cause);
    return c ? std::string(c->meaning) : std::string();
}

std::string cause_check(const finding& f) {
    const auto* c = diagnose::find_cause(f.cause);
    return c ? std::string(c->check) : std::string();
}

std::string_view cause_severity(const finding& f) {
    const auto* c = diagnose::find_cause(f.cause);
    if (!c) return "error";
    switch (c->level) {
        case diagnose::severity::info:
            return "info";
        case diagnose::severity::warning:
            return "warning";
        case diagnose::severity::error:
            break;
    }
    return "error";
}

std::string upstream_label(const diagnose::upstream_ref& u) {
    std::string kind;
    if (u.transport == "unix")
        kind = "unix socket";
    else if (!u.port && !u.path)
        kind = "name";
    else
        kind = u.transport;
    return fmt::format("{} ({})", u.address.empty() ? std::string("unknown upstream") : u.address, kind);
}

std::string time_or_unknown(const std::optional<int64_t>& ms) {
    return ms ? timeutil::iso8601_utc(*ms) : std::string("unknown");
}

std::string time_range(const std::optional<int64_t>& first, const std::optional<int64_t>& last) {
    if (!first && !last) return {};
    if (!first || !last || *first == *last) return timeutil::iso8601_utc(first ? *first : *last);
    return timeutil::iso8601_utc(*first) + " .. " + timeutil::iso8601_utc(*last);
}

std::string selinux_access(const diagnose::selinux_detail& s) {
    std::string perms;
    for (const auto& p : s.permissions) {
        if (!perms.empty()) perms += ' ';
        perms += p;
    }
    return fmt::format("{} -> {} {} {{ {} }}", s.source_type, s.target_type, s.tclass, perms);
}

std::string fix_proof(const fix& x) {
    bool manual_only = std::all_of(x.changes.begin(), x.changes.end(),
                                   [](const fix::change& c) { return c.kind == "manual"; });
    if (manual_only && !x.verified && !x.assumed && !x.grants) return "for the operator to check";
    std::string out;
    if (x.assumed)
        out = "assumed (no policy read)";
    else
        out = x.verified ? "verified against the policy" : "not verified";
    if (x.grants) out += fmt::format(", grants {}", *x.grants);
    if (x.revokes) out += fmt::format(", revokes {}", *x.revokes);
    return out;
}

std::string count_phrase(const finding& f) {
    std::string out = f.count == 0   ? std::string("no failed request logged")
                      : f.count == 1 ? std::string("1 failed request")
                                     : fmt::format("{} failed requests", f.count);
    if (f.selinux && f.selinux->avc_count)
        out += fmt::format(", {} denial{}", f.selinux->avc_count, f.selinux->avc_count == 1 ? "" : "s");
    return out;
}

uint64_t total_failures(const diagnosis& d) {
    uint64_t n = 0;
    for (const auto& f : d.findings) n += f.count;
    return n;
}

std::string totals_line(const diagnosis& d) {
    size_t confirmed = 0, likely = 0, possible = 0;
    for (const auto& f : d.findings) {
        if (f.confidence == "confirmed")
            ++confirmed;
        else if (f.confidence == "likely")
            ++likely;
        else
            ++possible;
    }
    std::string parts;
    auto add = [&](size_t n, std::string_view what) {
        if (!n) return;
        if (!parts.empty()) parts += ", ";
        parts += fmt::format("{} {}", n, what);
    };
    add(confirmed, "confirmed");
    add(likely, "likely");
    add(possible, "possible");
    uint64_t failures = total_failures(d);
    return fmt::format("{} finding{} ({}), {} failed request{} explained, {} warning{}", d.findings.size(),
                       d.findings.size() == 1 ? "" : "s", parts, failures, failures == 1 ? "" : "s",
                       d.warnings.size(), d.warnings.size() == 1 ? "" : "s");
}

std::vector<std::string> input_lines(const diagnosis& d) {
    std::vector<std::string> out;
    for (const auto& in : d.inputs) {
        std::string s = fmt::format(
            "{} ({}, {} line{}, {} {}{}", in.file.empty() ? std::string("-") : in.file, in.kind, in.lines,
            in.lines == 1 ? "" : "s", in.records,
            in.kind == "audit" ? "denial record" : "upstream failure line", in.records == 1 ? "" : "s");
        if (in.malformed) s += fmt::format(", {} malformed", in.malformed);
        if (in.overlong) s += fmt::format(", {} overlong", in.overlong);
        if (!in.truncated.empty()) s += ", " + in.truncated;
        if (in.first_ms || in.last_ms) s += ", " + time_range(in.first_ms, in.last_ms);
        out.push_back(s + ")");
    }
    return out;
}

std::string inputs_line(const diagnosis& d) {
    std::string out;
    for (const auto& s : input_lines(d)) out += (out.empty() ? "" : "; ") + s;
    return out.empty() ? std::string("no input") : out;
}

std::optional<int64_t> earliest(const diagnosis& d) {
    std::optional<int64_t> r;
    for (const auto& f : d.findings)
        if (f.first_seen_ms && (!r || *f.first_seen_ms < *r)) r = f.first_seen_ms;
    return r;
}

std::optional<int64_t> latest(const diagnosis& d) {
    std::optional<int64_t> r;
    for (const auto& f : d.findings)
        if (f.last_seen_ms && (!r || *f.last_seen_ms > *r)) r = f.last_seen_ms;
    return r;
}

namespace {

// True when escape_terminal would change nothing but backslashes.
bool terminal_clean(std::string_view s) {
    std::string probe(s);
    std::replace(probe.begin(), probe.end(), '\\', '/');
    return text::escape_terminal(probe) == probe;
}

}  // namespace

std::string command_for_terminal(std::string_view cmd) {
    return terminal_clean(cmd) ? std::string(cmd) : text::escape_terminal(cmd);
}

std::string command_for_html(std::string_view cmd) {
    if (!terminal_clean(cmd)) return text::escape_html(cmd);
    std::string out;
    for (char c : cmd) text::append_html_char(out, c);
    return out;
}

// ---- checked changes ----------------------------------------------------------------

bool is_identifier(std::string_view s) {
    if (s.empty() || s.size() > 256) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

namespace {

std::optional<std::string> arg(const fix::change& c, const char* key) {
    auto it = c.args.find(key);
    if (it == c.args.end()) return std::nullopt;
    return it->second;
}

user_error bad(const fix::change& c, std::string_view what, std::string_view value) {
    return user_error{fmt::format("{} change: {} \"{}\" is not usable in a command", c.kind, what,
                                  std::string(value.substr(0, 200)))};
}

bool parse_port(std::string_view s, int& out) {
    if (s.empty() || s.size() > 5) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 1 && out <= 65535;
}

// "3000", "3000-3001", "80,443": one semanage word per element.
std::optional<std::vector<std::string>> parse_ports(std::string_view s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        std::string_view item = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        size_t dash = item.find('-');
        int lo = 0, hi = 0;
        if (dash == std::string_view::npos) {
            if (!parse_port(item, lo)) return std::nullopt;
        } else if (!parse_port(item.substr(0, dash), lo) || !parse_port(item.substr(dash + 1), hi) ||
                   hi < lo) {
            return std::nullopt;
        }
        out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// An absolute path (or fcontext regex) that can sit in one quoted command word and be
// shown on a terminal as it is.
bool usable_path(std::string_view s) {
    return !s.empty() && s.front() == '/' && s.size() <= 4096 && terminal_clean(s);
}

std::optional<bool> parse_state(std::string_view s) {
    if (s == "on" || s == "true" || s == "1" || s == "yes") return true;
    if (s == "off" || s == "false" || s == "0" || s == "no") return false;
    return std::nullopt;
}

}  // namespace

result<checked_change> check_change(const fix& x, const fix::change& c) {
    if (c.kind == "seboolean") {
        seboolean_change b;
        b.name = arg(c, "name").value_or("");
        if (!is_identifier(b.name)) return bad(c, "boolean name", b.name);
        if (auto st = arg(c, "state")) {
            auto v = parse_state(*st);
            if (!v) return bad(c, "state", *st);
            b.on = *v;
        }
        return checked_change{b};
    }
    if (c.kind == "seport") {
        seport_change p;
        auto ports = arg(c, "ports").value_or(arg(c, "port").value_or(""));
        auto parsed = parse_ports(ports);
        if (!parsed) return bad(c, "ports", ports);
        p.ports = std::move(*parsed);
        p.proto = arg(c, "proto").value_or("tcp");
        if (p.proto != "tcp" && p.proto != "udp" && p.proto != "sctp" && p.proto != "dccp")
            return bad(c, "protocol", p.proto);
        p.setype = arg(c, "setype").value_or("");
        if (!is_identifier(p.setype)) return bad(c, "type", p.setype);
        p.action = arg(c, "action").value_or("");
        if (p.action != "" && p.action != "add" && p.action != "modify") return bad(c, "action", p.action);
        if (auto st = arg(c, "state"); st && *st != "present") return bad(c, "state", *st);
        return checked_change{p};
    }
    if (c.kind == "sefcontext") {
        sefcontext_change fc;
        fc.target = arg(c, "target").value_or("");
        if (!usable_path(fc.target)) return bad(c, "target", fc.target);
        fc.setype = arg(c, "setype").value_or("");
        if (!is_identifier(fc.setype)) return bad(c, "type", fc.setype);
        fc.ftype = arg(c, "ftype").value_or("");
        if (!fc.ftype.empty() && (fc.ftype.size() != 1 ||
                                  std::string_view("afdcbslp").find(fc.ftype[0]) == std::string_view::npos))
            return bad(c, "file type", fc.ftype);
        if (auto st = arg(c, "state"); st && *st != "present") return bad(c, "state", *st);
        return checked_change{fc};
    }
    if (c.kind == "restorecon") {
        restorecon_change r;
        r.path = arg(c, "path").value_or(arg(c, "target").value_or(""));
        if (!usable_path(r.path)) return bad(c, "path", r.path);
        if (auto rec = arg(c, "recursive")) {
            auto v = parse_state(*rec);
            if (!v) return bad(c, "recursive", *rec);
            r.recursive = *v;
        }
        return checked_change{r};
    }
    if (c.kind == "module") {
        module_change m;
        m.name = arg(c, "name").value_or("");
        if (!is_identifier(m.name)) return bad(c, "module name", m.name);
        m.te = arg(c, "te").value_or("");
        // Written into the script as a here-document: lines of printable text only.
        std::string probe = m.te;
        std::replace(probe.begin(), probe.end(), '\n', ' ');
        std::replace(probe.begin(), probe.end(), '\t', ' ');
        if (!terminal_clean(probe)) return bad(c, "module source", "(not plain text)");
        return checked_change{m};
    }
    manual_change m;
    for (const char* key : {"summary", "text"})
        if (auto v = arg(c, key); v && !v->empty() && m.description.empty()) m.description = *v;
    if (auto v = arg(c, "command"); v && !v->empty())
        m.commands.push_back(*v);
    else
        m.commands = x.commands;
    if (c.kind != "manual")
        m.description = fmt::format("(change of unknown kind \"{}\") {}", c.kind, m.description);
    return checked_change{m};
}

std::vector<result<checked_change>> checked_changes(const fix& x) {
    std::vector<result<checked_change>> out;
    if (x.changes.empty()) {
        out.emplace_back(checked_change{manual_change{x.summary, x.commands}});
        return out;
    }
    bool manual_shown = false;
    for (const auto& c : x.changes) {
        auto r = check_change(x, c);
        // Several argument-less manual changes would each repeat the fix's commands.
        if (r.ok() && c.kind == "manual" && !c.args.count("command")) {
            if (manual_shown) continue;
            manual_shown = true;
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace why502::render::detail
