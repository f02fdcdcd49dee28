// The HTML sink: one self-contained file (inline CSS and SVG, no script, no external
// resource, a CSP that forbids both) with the Markdown report's content plus an SVG
// timeline per upstream. Every string from the model goes through text::escape_html.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "render/common.hpp"
#include "render/report.hpp"

namespace why502::render {
namespace {

using detail::line;
using detail::span;
using text::escape_html;

constexpr std::string_view style = R"css(
:root{--fail:#c62828;--deny:#1565c0;--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--warn:#d97706}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 32px 56px}
h1{font-size:26px;line-height:1.25;margin:0 0 18px}
h2{font-size:20px;margin:34px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 6px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
p{margin:8px 0}
ul{margin:8px 0;padding-left:22px}
li{margin:3px 0}
code{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);border:1px solid #eaeef2;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
pre{background:#0d1117;color:#e6edf3;padding:12px 14px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:8px 0 12px}
pre code{background:none;border:0;padding:0;color:inherit}
table{border-collapse:collapse;width:100%;font-size:14px;margin:10px 0}
th,td{border:1px solid var(--line);padding:6px 9px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.nw{white-space:nowrap}
section.finding{border:1px solid var(--line);border-left:6px solid var(--fail);border-radius:8px;padding:2px 22px 14px;margin:26px 0;background:#fff}
section.finding.sev-warning{border-left-color:var(--warn)}
section.finding.sev-info{border-left-color:var(--deny)}
section.finding h2{border:0;margin-top:16px}
.timeline{border:1px solid var(--line);border-radius:8px;padding:10px 14px 4px;margin:12px 0 18px}
.timeline h4{margin:0 0 4px;font-size:14px;font-weight:600}
.timeline svg{display:block;width:100%;height:auto}
.timeline text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--muted)}
.timeline text.label{fill:var(--ink);font-weight:600}
.tick.failure{stroke:var(--fail)}
.tick.denial{stroke:var(--deny)}
footer{margin-top:40px;color:var(--muted);font-size:13px}
@media print{main{padding:0}section.finding{break-inside:avoid}}
)css";

std::string inline_html(const line& l) {
    std::string out;
    for (const auto& sp : l) {
        switch (sp.k) {
            case span::kind::text:
                out += escape_html(sp.s);
                break;
            case span::kind::code:
                out += "<code>" + detail::command_for_html(sp.s) + "</code>";
                break;
            case span::kind::strong:
                out += "<strong>" + escape_html(sp.s) + "</strong>";
                break;
        }
    }
    return out;
}

// A cell holding one ISO-8601 stamp is not wrapped at its hyphens.
bool is_timestamp(const line& l) {
    if (l.size() != 1 || l[0].k != span::kind::text) return false;
    const std::string& s = l[0].s;
    return s.size() >= 20 && s.size() <= 24 && s[4] == '-' && s[10] == 'T' && s.back() == 'Z';
}

// Anchors are made by report.cpp from numbers; refuse anything else rather than escape.
std::string id_attr(std::string_view anchor) {
    bool ok = !anchor.empty() && std::all_of(anchor.begin(), anchor.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    return ok ? fmt::format(" id=\"{}\"", anchor) : std::string();
}

std::string clock(int64_t ms) {
    auto c = timeutil::civil_from_utc_ms(ms);
    return fmt::format("{:02}:{:02}:{:02}", c.hour, c.minute, c.second);
}

std::string duration(int64_t ms) {
    int64_t s = ms / 1000;
    if (s < 60) return fmt::format("{}.{} s", s, (ms % 1000) / 100);
    if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
    if (s < 86400) return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
    return fmt::format("{} d {} h", s / 86400, (s % 86400) / 3600);
}

// Time runs left to right over [x0, x1]; failures in the upper row, denials below, so
// a denial and the failure it caused sit on one vertical line.
std::string timeline_svg(const detail::timeline& t) {
    constexpr double x0 = 130, x1 = 980, width = 1000, height = 152;
    constexpr double fail_y = 34, deny_y = 70, row_h = 26, axis_y = 108;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (auto v : {&t.failures, &t.denials})
        if (!v->empty()) {
            lo = std::min(lo, v->front());
            hi = std::max(hi, v->back());
        }
    int64_t span_ms = hi - lo;
    // A single instant: widen the window so the ticks sit in the middle.
    if (span_ms == 0) {
        lo -= 60000;
        hi += 60000;
    }
    double pad = static_cast<double>(hi - lo) * 0.01;
    double from = static_cast<double>(lo) - pad, to = static_cast<double>(hi) + pad;
    auto x_of = [&](int64_t ms) { return x0 + (static_cast<double>(ms) - from) / (to - from) * (x1 - x0); };

    std::string s = fmt::format(
        "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"timeline of "
        "failures and denials\">\n",
        width, height);
    // Legend.
    s += fmt::format(
        "<rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\" fill=\"#c62828\"/>"
        "<text x=\"{}\" y=\"16\">NGINX upstream failure ({})</text>\n",
        x0, x0 + 18, t.failure_count);
    s += fmt::format(
        "<rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\" fill=\"#1565c0\"/>"
        "<text x=\"{}\" y=\"16\">SELinux denial ({})</text>\n",
        x0 + 250, x0 + 268, t.denial_count);
    // Rows.
    s += fmt::format(
        "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">failures</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fdecea\"/>\n",
        x0 - 12, fail_y + 17, x0, fail_y, x1 - x0, row_h);
    s += fmt::format(
        "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">denials</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e8f0fe\"/>\n",
        x0 - 12, deny_y + 17, x0, deny_y, x1 - x0, row_h);
    // Grid at the quarters, labelled with the clock time (UTC).
    for (int q = 1; q <= 3; ++q) {
        double x = x0 + (x1 - x0) * q / 4.0;
        auto ms = static_cast<int64_t>(from + (to - from) * q / 4.0);
        s += fmt::format(
            "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#afb8c1\" "
            "stroke-dasharray=\"3 3\"/><text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x, x, fail_y - 4, axis_y + 4, x, axis_y + 18, clock(ms));
    }
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#57606a\"/>\n", x0, x1, axis_y,
                     axis_y);
    // Ticks: one per drawn position (half a unit of the 850 across; a tick is 2 wide), not
    // per time: a busy log has thousands of times per row. A tick's title says which times
    // it stands for.
    auto at = [&](int64_t ms) { return std::round(x_of(ms) * 2) / 2; };
    auto ticks = [&](const std::vector<int64_t>& v, std::string_view cls, double y, std::string_view what) {
        for (size_t i = 0; i < v.size();) {
            const double x = at(v[i]);
            size_t j = i + 1;
            while (j < v.size() && at(v[j]) == x) ++j;
            std::string when = timeutil::iso8601_utc(v[i]);
            if (j - i > 1) when += " to " + timeutil::iso8601_utc(v[j - 1]);
            s += fmt::format(
                "<line class=\"tick {}\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke-width=\"2\">"
                "<title>{} at {}</title></line>\n",
                cls, x, x, y + 2, y + row_h - 2, what, when);
            i = j;
        }
    };
    ticks(t.failures, "failure", fail_y, "failure");
    ticks(t.denials, "denial", deny_y, "denial");
    // Start and end in full, on their own line below the clock times of the grid.
    s += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#57606a\"/>"
        "<line x1=\"{3}\" x2=\"{3}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#57606a\"/>\n",
        x_of(lo), axis_y, axis_y + 24, x_of(hi));
    s += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\">start {}</text>\n", x0, axis_y + 36,
                     timeutil::iso8601_utc(lo));
    s += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">end {}</text>\n", x1,
                     axis_y + 36, timeutil::iso8601_utc(hi));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">over {}</text>\n", x1, 16,
                     duration(span_ms));
    s += "</svg>\n";
    return s;
}

class html_sink final : public detail::sink {
public:
    void title(std::string_view s) override {
        title_ = escape_html(s);
        body += "<h1>" + title_ + "</h1>\n";
    }
    void heading(int level, const line& l, std::string_view anchor) override {
        body += fmt::format("<h{}{}>{}</h{}>\n", level, id_attr(anchor), inline_html(l), level);
    }
    void paragraph(const line& l) override { body += "<p>" + inline_html(l) + "</p>\n"; }
    void bullets(const std::vector<line>& items) override {
        if (items.empty()) return;
        body += "<ul>\n";
        for (const auto& l : items) body += "<li>" + inline_html(l) + "</li>\n";
        body += "</ul>\n";
    }
    void table(const std::vector<std::string>& header, const std::vector<std::vector<line>>& rows) override {
        body += "<table>\n<thead><tr>";
        for (const auto& h : header) body += "<th>" + escape_html(h) + "</th>";
        body += "</tr></thead>\n<tbody>\n";
        for (const auto& r : rows) {
            body += "<tr>";
            for (const auto& cell : r)
                body += (is_timestamp(cell) ? "<td class=\"nw\">" : "<td>") + inline_html(cell) + "</td>";
            body += "</tr>\n";
        }
        body += "</tbody>\n</table>\n";
    }
    void code_block(std::string_view lang, const std::vector<std::string>& lines) override {
        body += fmt::format("<pre class=\"{}\"><code>", lang == "sh" ? "sh" : "text");
        for (size_t i = 0; i < lines.size(); ++i)
            body +=
                (i ? "\n" : "") + (lang == "sh" ? detail::command_for_html(lines[i]) : escape_html(lines[i]));
        body += "</code></pre>\n";
    }
    void timelines(const std::vector<detail::timeline>& tl) override {
        for (const auto& t : tl) {
            body +=
                "<div class=\"timeline\">\n<h4>Upstream <code>" + escape_html(t.upstream) + "</code></h4>\n";
            body += timeline_svg(t);
            body += "</div>\n";
        }
    }
    void begin_finding(std::string_view anchor, std::string_view severity) override {
        std::string sev = severity == "warning" ? "warning" : severity == "info" ? "info" : "error";
        body += fmt::format("<section class=\"finding sev-{}\"{}>\n", sev,
                            id_attr(anchor.empty() ? "" : "s-" + std::string(anchor)));
    }
    void end_finding() override { body += "</section>\n"; }

    std::string title_;
    std::string body;
};

}  // namespace

std::string html(const diagnose::diagnosis& d, const options& o) {
    html_sink s;
    detail::compose(d, o, s);
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
        "'unsafe-inline'; "
        "img-src data:\">\n";
    out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + s.title_ + "</title>\n<style>" + std::string(style) +
           "</style>\n</head>\n<body>\n<main>\n";
    out += s.body;
    out += "<footer>Generated by why502. Times are UTC.</footer>\n</main>\n</body>\n</html>\n";
    return out;
}

}  // namespace why502::render
