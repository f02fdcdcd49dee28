// The terminal summary: one short block per finding that an operator can scan, the
// recommended fix's commands ready to copy; the long detail only with --verbose.
#include <string_view>

#include <fmt/format.h>

#include "base/text.hpp"
#include "render/common.hpp"
#include "render/render.hpp"

namespace why502::render {
namespace {

using text::escape_terminal;

constexpr int label_width = 12;
constexpr size_t wrap_width = 96;

class writer {
public:
    explicit writer(bool color) : color_(color) {}

    std::string paint(std::string_view sgr, std::string_view s) const {
        if (!color_ || s.empty()) return std::string(s);
        return fmt::format("\x1b[{}m{}\x1b[0m", sgr, s);
    }
    std::string bold(std::string_view s) const { return paint("1", s); }
    std::string dim(std::string_view s) const { return paint("2", s); }
    std::string red(std::string_view s) const { return paint("1;31", s); }
    std::string yellow(std::string_view s) const { return paint("33", s); }
    std::string green(std::string_view s) const { return paint("32", s); }
    std::string cyan(std::string_view s) const { return paint("36", s); }

    // "    label       value" with value already escaped (and maybe painted).
    void field(std::string_view label, std::string_view value) {
        out += fmt::format("    {}{}{}\n", dim(label), std::string(label_width - label.size(), ' '), value);
    }
    // Prose (already escaped) wrapped under a label, continuation lines aligned.
    void prose(std::string_view label, std::string_view escaped, size_t indent = 4 + label_width) {
        std::string pad(indent, ' ');
        std::string line;
        bool first = true;
        auto flush = [&] {
            if (first) {
                if (label.empty())
                    out += pad;
                else
                    out += fmt::format("    {}{}", dim(label), std::string(label_width - label.size(), ' '));
                first = false;
            } else {
                out += pad;
            }
            out += line;
            out += '\n';
            line.clear();
        };
        size_t start = 0;
        while (start < escaped.size()) {
            size_t sp = escaped.find(' ', start);
            std::string_view word =
                escaped.substr(start, sp == std::string_view::npos ? escaped.npos : sp - start);
            if (!line.empty() && indent + line.size() + 1 + word.size() > wrap_width) flush();
            if (!line.empty()) line += ' ';
            line += word;
            if (sp == std::string_view::npos) break;
            start = sp + 1;
        }
        if (!line.empty() || first) flush();
    }
    void command(std::string_view cmd, size_t indent = 4 + label_width) {
        out += std::string(indent, ' ') + dim("$ ") + cyan(detail::command_for_terminal(cmd)) + "\n";
    }

    std::string out;

private:
    bool color_;
};

std::string proof_painted(const writer& w, const diagnose::fix& x) {
    std::string proof = detail::fix_proof(x);
    if (x.assumed) return w.yellow(proof);
    return x.verified ? w.green(proof) : w.yellow(proof);
}

void fix_block(writer& w, const diagnose::fix& x, bool detailed, std::string_view label = "") {
    w.prose(label, w.bold(escape_terminal(x.summary)));
    w.out +=
        std::string(4 + label_width, ' ') + w.dim(escape_terminal(x.id) + ": ") + proof_painted(w, x) + "\n";
    for (const auto& c : x.commands) w.command(c, 4 + label_width + 2);
    if (detailed && !x.note.empty()) w.prose("", escape_terminal(x.note), 4 + label_width + 2);
}

void finding_block(writer& w, size_t index, const diagnose::finding& f, const options& o) {
    auto sev = detail::cause_severity(f);
    std::string title = escape_terminal(detail::cause_title(f));
    title = sev == "warning" ? w.yellow(title) : sev == "error" ? w.red(title) : w.bold(title);
    w.out += fmt::format("{:>2}  {}  {}\n", index, title, w.dim("[" + escape_terminal(f.cause) + "]"));
    w.field("upstream", escape_terminal(detail::upstream_label(f.upstream)));
    std::string when = detail::time_range(f.first_seen_ms, f.last_seen_ms);
    if (!when.empty()) w.field("when", when);
    w.field("requests", escape_terminal(detail::count_phrase(f)));
    std::string conf = escape_terminal(f.confidence);
    w.field("confidence", f.confidence == "confirmed" ? w.green(conf) : w.yellow(conf));
    if (f.selinux) {
        std::string access = escape_terminal(detail::selinux_access(*f.selinux));
        if (f.selinux->permissive) access += w.yellow("  (permissive: logged, not blocked)");
        w.field("selinux", access);
    }
    if (o.verbose) {
        auto list = [&](std::string_view label, const std::vector<std::string>& v) {
            if (v.empty()) return;
            std::string joined;
            for (const auto& s : v) joined += (joined.empty() ? "" : ", ") + escape_terminal(s);
            w.field(label, joined);
        };
        list("servers", f.servers);
        list("hosts", f.hosts);
        if (!f.location.empty()) w.field("location", escape_terminal(f.location));
        list("sample", f.requests);
        std::string why = f.explanation.empty() ? detail::cause_meaning(f) : f.explanation;
        if (!why.empty()) w.prose("why", escape_terminal(why));
        if (!f.settle.empty()) w.prose("to settle", escape_terminal(f.settle));
        for (const auto& [k, v] : f.facts) w.prose("fact", escape_terminal(k) + ": " + escape_terminal(v));
    }

    const diagnose::fix* best = detail::recommended_fix(f);
    if (best) {
        fix_block(w, *best, o.verbose, "fix");
    } else {
        std::string check = detail::cause_check(f);
        if (!check.empty()) w.prose("check", escape_terminal(check));
    }
    size_t alternatives = f.fixes.empty() ? 0 : f.fixes.size() - 1;
    if (o.verbose) {
        if (alternatives) {
            w.out += fmt::format("    {}\n", w.dim("alternatives (more privilege)"));
            for (const auto& x : f.fixes)
                if (&x != best) fix_block(w, x, true);
        }
        if (!f.verify.empty()) {
            w.out += fmt::format("    {}\n", w.dim("verify"));
            for (const auto& v : f.verify) w.command(v);
        }
        if (!f.evidence.empty()) {
            w.out += fmt::format("    {}\n", w.dim("evidence"));
            for (const auto& e : f.evidence) {
                std::string where = escape_terminal(e.file.empty() ? e.source : e.file);
                if (e.line) where += fmt::format(":{}", e.line);
                w.out += fmt::format("      {} {}\n", w.dim(where), escape_terminal(e.text));
            }
        }
    } else if (alternatives || !f.evidence.empty()) {
        std::string more;
        if (alternatives)
            more = fmt::format("{} alternative fix{}", alternatives, alternatives == 1 ? "" : "es");
        if (!f.evidence.empty())
            more += fmt::format("{}{} evidence line{}", more.empty() ? "" : ", ", f.evidence.size(),
                                f.evidence.size() == 1 ? "" : "s");
        w.out += fmt::format("    {}\n", w.dim("(" + more + ": --verbose)"));
    }
    w.out += '\n';
}

// Live mode: what the host told us, in a few lines (the JSON "host" object has it all).
void host_block(writer& w, const diagnose::diagnosis& d) {
    if (!d.live || !d.host.is_object()) return;
    auto str = [](const nlohmann::json& j, const char* k) {
        return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    const auto& h = d.host;
    std::vector<std::string> lines;
    if (h.contains("selinux")) {
        std::string s = str(h["selinux"], "summary");
        if (!s.empty()) lines.push_back(s);
    }
    if (h.contains("apparmor")) {
        std::string s = str(h["apparmor"], "summary");
        if (!s.empty()) lines.push_back(s);
    }
    if (h.contains("nginx") && h["nginx"].is_object()) {
        const auto& n = h["nginx"];
        std::string user = str(n, "user"), src = str(n, "config_source"), ver = str(n, "version");
        size_t ups = h.contains("upstreams") && h["upstreams"].is_array() ? h["upstreams"].size() : 0;
        lines.push_back(fmt::format("nginx{}{}, configuration from {}, {} upstream use{} in it",
                                    ver.empty() ? "" : " " + ver,
                                    user.empty() ? "" : " (workers run as " + user + ")",
                                    src.empty() ? "?" : src, ups, ups == 1 ? "" : "s"));
    }
    std::string probing = str(h, "probing");
    if (!probing.empty()) lines.push_back("probes of backends: " + probing);
    if (lines.empty()) return;
    w.out += w.dim("host:") + "\n";
    for (const auto& l : lines) w.out += "  " + escape_terminal(l) + "\n";
}

}  // namespace

std::string text(const diagnose::diagnosis& d, const options& o) {
    writer w(o.color);
    host_block(w, d);
    if (d.findings.empty()) {
        w.out += w.green("why502: no upstream failures found") + "\n";
        w.out += w.dim("read: ") + escape_terminal(detail::inputs_line(d)) + "\n";
    } else {
        w.out += w.bold(fmt::format("why502: {} finding{} for NGINX upstream failures", d.findings.size(),
                                    d.findings.size() == 1 ? "" : "s")) +
                 "\n\n";
        size_t i = 0;
        for (const auto& f : d.findings) finding_block(w, ++i, f, o);
        bool any_selinux = false;
        for (const auto& f : d.findings) any_selinux = any_selinux || f.selinux.has_value();
        if (o.verbose) {
            w.out += w.dim("read:") + "\n";
            for (const auto& l : detail::input_lines(d)) w.out += "  " + escape_terminal(l) + "\n";
        }
        if ((any_selinux || o.verbose) && !d.policy_source.empty()) {
            std::string pol = escape_terminal(d.policy_source);
            w.out += w.dim("policy: ") + (d.policy_assumed ? w.yellow(pol) : pol) + "\n";
            if (!d.booleans_source.empty())
                w.out += w.dim("booleans: ") + escape_terminal(d.booleans_source) + "\n";
        }
    }
    if (!d.warnings.empty()) {
        w.out += w.yellow("warnings:") + "\n";
        for (const auto& s : d.warnings) w.out += "  " + w.yellow("!") + " " + escape_terminal(s) + "\n";
    }
    if (!d.findings.empty()) w.out += w.bold(escape_terminal(detail::totals_line(d))) + "\n";
    return w.out;
}

}  // namespace why502::render
