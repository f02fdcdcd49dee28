// The Markdown sink: an incident write-up to paste into a ticket. Log text is made
// inert twice: controls become visible escapes (text::escape_terminal), then Markdown
// syntax is backslash-escaped in prose, and code spans/blocks get a fence longer than
// any backtick run in their content so nothing can close them early.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "render/common.hpp"
#include "render/report.hpp"

namespace why502::render {
namespace {

using detail::line;
using detail::span;

size_t longest_backtick_run(std::string_view s) {
    size_t best = 0, run = 0;
    for (char c : s) {
        run = c == '`' ? run + 1 : 0;
        best = std::max(best, run);
    }
    return best;
}

// Prose: every character CommonMark (and GFM tables/strikethrough) gives a meaning to
// is backslash-escaped, so log text cannot become a link, image, HTML or a table cell.
// GFM also turns bare "scheme://", "www." and e-mail addresses into links: escaping
// the ':' of "://", the '.' of "www." and every '@' keeps them plain text.
std::string md_text(std::string_view raw) {
    std::string s = text::escape_terminal(raw);
    std::string out;
    out.reserve(s.size() + 8);
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool special = std::string_view("\\`*[]<>#|~&@").find(c) != std::string_view::npos;
        // '_' between two letters or digits never delimits emphasis: httpd_t stays readable.
        auto alnum = [&](size_t k) { return k < s.size() && std::isalnum(static_cast<unsigned char>(s[k])); };
        if (c == '_' && !(i > 0 && alnum(i - 1) && alnum(i + 1))) special = true;
        if (c == ':' && s.compare(i, 3, "://") == 0) special = true;
        if (c == '.' && i >= 3 && (s.compare(i - 3, 3, "www") == 0 || s.compare(i - 3, 3, "WWW") == 0))
            special = true;
        if (special) out += '\\';
        out += c;
    }
    return out;
}

std::string md_code(std::string_view raw, bool in_table) {
    std::string s = detail::command_for_terminal(raw);
    if (s.empty()) return "(empty)";
    // GFM splits table cells on '|' before looking at code spans.
    if (in_table) {
        std::string t;
        for (char c : s) {
            if (c == '|') t += '\\';
            t += c;
        }
        s = std::move(t);
    }
    std::string fence(longest_backtick_run(s) + 1, '`');
    bool pad = s.front() == '`' || s.back() == '`' || s.front() == ' ' || s.back() == ' ';
    return pad ? fence + " " + s + " " + fence : fence + s + fence;
}

std::string md_line(const line& l, bool in_table = false) {
    std::string out;
    for (const auto& sp : l) {
        switch (sp.k) {
            case span::kind::text:
                out += md_text(sp.s);
                break;
            case span::kind::code:
                out += md_code(sp.s, in_table);
                break;
            case span::kind::strong: {
                // Emphasis delimiters must touch the text: "**Servers:** x", not "**Servers: **x".
                std::string_view v = sp.s;
                size_t lead = v.find_first_not_of(' ');
                if (lead == std::string_view::npos) {
                    out += v;
                    break;
                }
                size_t end = v.find_last_not_of(' ') + 1;
                out += std::string(v.substr(0, lead)) + "**" + md_text(v.substr(lead, end - lead)) + "**" +
                       std::string(v.substr(end));
                break;
            }
        }
    }
    return out;
}

// At the start of a paragraph or list item, text that looks like a list marker or an
// ordered item would become one.
std::string md_block(const line& l) {
    std::string out = md_line(l);
    if (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == '=')) out.insert(0, 1, '\\');
    size_t digits = 0;
    while (digits < out.size() && out[digits] >= '0' && out[digits] <= '9') ++digits;
    if (digits && digits < out.size() && (out[digits] == '.' || out[digits] == ')'))
        out.insert(digits, 1, '\\');
    return out;
}

class markdown_sink final : public detail::sink {
public:
    void title(std::string_view s) override { out += "# " + md_text(s) + "\n\n"; }
    void heading(int level, const line& l, std::string_view) override {
        out += std::string(static_cast<size_t>(level), '#') + " " + md_line(l) + "\n\n";
    }
    void paragraph(const line& l) override { out += md_block(l) + "\n\n"; }
    void bullets(const std::vector<line>& items) override {
        for (const auto& l : items) out += "- " + md_block(l) + "\n";
        if (!items.empty()) out += '\n';
    }
    void table(const std::vector<std::string>& header, const std::vector<std::vector<line>>& rows) override {
        out += '|';
        for (const auto& h : header) out += " " + md_text(h) + " |";
        out += "\n|";
        for (size_t i = 0; i < header.size(); ++i) out += " --- |";
        out += '\n';
        for (const auto& r : rows) {
            out += '|';
            for (const auto& cell : r) out += " " + md_line(cell, true) + " |";
            out += '\n';
        }
        out += '\n';
    }
    void code_block(std::string_view lang, const std::vector<std::string>& lines) override {
        std::vector<std::string> escaped;
        size_t run = 0;
        for (const auto& l : lines) {
            // Commands stay copyable; log lines are escaped in full.
            escaped.push_back(lang == "sh" ? detail::command_for_terminal(l) : text::escape_terminal(l));
            run = std::max(run, longest_backtick_run(escaped.back()));
        }
        std::string fence(std::max<size_t>(3, run + 1), '`');
        out += fence + std::string(lang) + "\n";
        for (const auto& l : escaped) out += l + "\n";
        out += fence + "\n\n";
    }
    void timelines(const std::vector<detail::timeline>& tl) override {
        std::vector<line> items;
        for (const auto& t : tl) {
            line l{detail::code(t.upstream), detail::txt(": ")};
            auto range = [](const std::vector<int64_t>& v) {
                return v.front() == v.back()
                           ? timeutil::iso8601_utc(v.front())
                           : timeutil::iso8601_utc(v.front()) + " to " + timeutil::iso8601_utc(v.back());
            };
            std::string s;
            if (!t.failures.empty())
                s += fmt::format("{} failure{} {}", t.failure_count, t.failure_count == 1 ? "" : "s",
                                 range(t.failures));
            if (!t.denials.empty())
                s += fmt::format("{}{} SELinux denial{} {}", s.empty() ? "" : "; ", t.denial_count,
                                 t.denial_count == 1 ? "" : "s", range(t.denials));
            if (!t.failures.empty() && !t.denials.empty()) {
                int64_t lead = t.failures.front() - t.denials.front();
                int64_t gap = lead < 0 ? -lead : lead;
                std::string amount = gap < 1000 ? fmt::format("{} ms", gap)
                                                : fmt::format("{:.1f} s", static_cast<double>(gap) / 1000.0);
                s += fmt::format(" (first denial {} the first failure)",
                                 lead == 0 ? std::string("at the same time as")
                                           : amount + (lead > 0 ? " before" : " after"));
            }
            l.push_back(detail::txt(s));
            items.push_back(std::move(l));
        }
        bullets(items);
    }
    void begin_finding(std::string_view, std::string_view) override {}
    void end_finding() override { out += "---\n\n"; }

    std::string out;
};

}  // namespace

std::string markdown(const diagnose::diagnosis& d, const options& o) {
    markdown_sink s;
    detail::compose(d, o, s);
    s.out += "Generated by why502.\n";
    return s.out;
}

}  // namespace why502::render
