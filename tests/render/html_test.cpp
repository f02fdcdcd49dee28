#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

size_t count(const std::string& s, std::string_view part) {
    size_t n = 0;
    for (size_t i = s.find(part); i != std::string::npos; i = s.find(part, i + 1)) ++n;
    return n;
}

// Every tag in the document is ours (data is escaped): none may load anything.
void expect_self_contained(const std::string& html) {
    std::string l = lower(html);
    EXPECT_FALSE(contains(l, "<script")) << "no script at all";
    for (auto bad : {"<link", "<img", "<iframe", "<object", "<embed", "<base", "@import", "url("})
        EXPECT_FALSE(contains(l, bad)) << bad;
    EXPECT_TRUE(contains(html,
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                         "style-src 'unsafe-inline'; img-src data:\">"));
    // Inside tags: no attribute refers to anything (src, href, xlink:href, on* handlers, a URL).
    for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
        size_t end = html.find('>', i);
        ASSERT_NE(end, std::string::npos);
        std::string tag = lower(html.substr(i, end - i + 1));
        if (tag.starts_with("<style") || tag.starts_with("<title")) continue;
        EXPECT_FALSE(contains(tag, "://")) << tag;
        EXPECT_FALSE(contains(tag, "src=")) << tag;
        EXPECT_FALSE(contains(tag, "href=")) << tag;
        EXPECT_FALSE(std::regex_search(tag, std::regex("\\son[a-z]+="))) << tag;
    }
}

// xmllint's HTML parser as an oracle for well-formedness (unclosed or stray elements).
void expect_parses(const std::string& html) {
    if (!std::filesystem::exists("/usr/bin/xmllint")) return;
    auto dir = testing::make_temp_dir("html");
    testing::write_file(dir / "r.html", html);
    auto r = testing::run("/usr/bin/xmllint --html --noout " + testing::q(dir / "r.html"));
    std::filesystem::remove_all(dir);
    // libxml2's HTML4 parser does not know <section>/<main>/<footer>/<svg> elements; any
    // other complaint is ours.
    std::string out;
    std::istringstream lines(r.output);
    for (std::string l; std::getline(lines, l);)
        if (l.find("parser error") != std::string::npos && l.find("Tag main invalid") == std::string::npos &&
            l.find("Tag section invalid") == std::string::npos &&
            l.find("Tag footer invalid") == std::string::npos &&
            l.find("Tag svg invalid") == std::string::npos &&
            l.find("Tag rect invalid") == std::string::npos &&
            l.find("Tag line invalid") == std::string::npos &&
            l.find("Tag text invalid") == std::string::npos)
            out += l + "\n";
    EXPECT_EQ(out, "") << r.output;
}

TEST(Html, ReportContentAndTimeline) {
    auto d = samples::typical();
    std::string h = render::html(d, {});
    expect_self_contained(h);
    expect_parses(h);
    EXPECT_TRUE(h.starts_with("<!DOCTYPE html>"));
    EXPECT_TRUE(contains(h, "<h1>why502 incident report: 5 causes of NGINX 502/504</h1>"));
    EXPECT_TRUE(contains(h, "<h3>Evidence</h3>"));
    EXPECT_TRUE(contains(h,
                         "<pre class=\"sh\"><code>semanage port -a -t http_port_t -p tcp 3000\nsetsebool -P "
                         "httpd_can_network_relay 1</code></pre>"));
    EXPECT_TRUE(contains(h, "Prevention"));
    EXPECT_TRUE(contains(h, "<section class=\"finding sev-warning\" id=\"s-finding-3\">"))
        << "permissive: warning";
    // One timeline per upstream with timestamps (4 of the 5 findings have some).
    EXPECT_EQ(count(h, "<div class=\"timeline\">"), 4u);
    EXPECT_EQ(count(h, "<svg "), 4u);
    size_t failures = 0, denials = 0;
    for (const auto& f : d.findings) {
        failures += f.failure_times_ms.size();
        denials += f.denial_times_ms.size();
    }
    EXPECT_EQ(count(h, "class=\"tick failure\""), failures);
    EXPECT_EQ(count(h, "class=\"tick denial\""), denials);
    EXPECT_TRUE(contains(h, "NGINX upstream failure (5)"));
    EXPECT_TRUE(contains(h, "SELinux denial (5)"));
    // Labelled start and end, in full.
    EXPECT_TRUE(contains(h, ">start 2026-07-01T10:14:01.997Z</text>"));
    EXPECT_TRUE(contains(h, ">end 2026-07-01T10:20:11.250Z</text>"));
    EXPECT_TRUE(contains(h, "<title>failure at 2026-07-01T10:14:02Z</title>"));
}

TEST(Html, TicksAreOnTheTimeAxis) {
    // Two failures and a denial between them: the denial's tick lies between theirs.
    diagnose::diagnosis d;
    auto f = samples::name_connect_finding();
    f.failure_times_ms = {samples::at(10, 0, 0), samples::at(10, 10, 0)};
    f.denial_times_ms = {samples::at(10, 2, 30)};
    d.findings.push_back(f);
    std::string h = render::html(d, {});
    std::regex tick("class=\"tick (failure|denial)\" x1=\"([0-9.]+)\"");
    std::vector<std::pair<std::string, double>> xs;
    for (std::sregex_iterator it(h.begin(), h.end(), tick), end; it != end; ++it)
        xs.emplace_back((*it)[1].str(), std::stod((*it)[2].str()));
    ASSERT_EQ(xs.size(), 3u);
    double a = xs[0].second, b = xs[1].second, den = xs[2].second;
    EXPECT_LT(a, den);
    EXPECT_LT(den, b);
    EXPECT_NEAR((den - a) / (b - a), 0.25, 0.001) << "linear in time";
}

TEST(Html, BusyTimelineDrawsATickPerPositionAndSaysTheRealCounts) {
    // 3000 sampled times within one second, and two an hour away either side: the row
    // is 850 units wide, so the burst is one tick; the legend gives the finding's count.
    diagnose::diagnosis d;
    auto f = samples::name_connect_finding();
    f.count = 50000;
    f.selinux->avc_count = 7;
    f.failure_times_ms.clear();
    f.failure_times_ms.push_back(samples::at(9, 0, 0));
    for (int i = 0; i < 3000; ++i) f.failure_times_ms.push_back(samples::at(10, 0, 0) + i / 3);
    f.failure_times_ms.push_back(samples::at(11, 0, 0));
    f.denial_times_ms = {samples::at(10, 0, 0)};
    d.findings.push_back(f);
    std::string h = render::html(d, {});
    EXPECT_EQ(count(h, "class=\"tick failure\""), 3u);
    EXPECT_TRUE(contains(h, "<title>failure at 2026-07-01T10:00:00Z to 2026-07-01T10:00:00.999Z</title>"))
        << h;
    EXPECT_TRUE(contains(h, "NGINX upstream failure (50000)"));
    EXPECT_TRUE(contains(h, "SELinux denial (7)"));
    std::string md = render::markdown(d, {});
    EXPECT_TRUE(contains(md, "50000 failures 2026-07-01T09:00:00Z to 2026-07-01T11:00:00Z")) << md;
}

TEST(Html, HostileStringsAreEscaped) {
    auto d = samples::hostile();
    std::string h = render::html(d, {});
    expect_self_contained(h);
    expect_parses(h);
    EXPECT_EQ(testing::first_raw_control(h), std::string::npos);
    EXPECT_TRUE(text::is_valid_utf8(h));
    EXPECT_TRUE(contains(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    EXPECT_TRUE(contains(h, "&lt;img src=x onerror=alert(1)&gt;"));
    EXPECT_TRUE(contains(h, "q&quot;"));
    EXPECT_FALSE(contains(h, "\x1b"));
}

TEST(Html, EveryCauseAndNothingFound) {
    std::string h = render::html(samples::every_cause(), {});
    expect_self_contained(h);
    for (const auto& c : diagnose::all_causes())
        EXPECT_TRUE(contains(h, "<code>" + std::string(c.id) + "</code>"));
    std::string e = render::html(diagnose::diagnosis{}, {});
    expect_self_contained(e);
    EXPECT_TRUE(contains(e, "No upstream failures were found"));
    EXPECT_FALSE(contains(e, "<svg"));
}

// The artifacts tests/e2e/html_chromium.sh renders (and a reader can open): every
// output form of the typical sample, plus the expected tick counts.
TEST(Html, WritesArtifacts) {
    auto dir = std::filesystem::path(WHY502_BINARY_DIR) / "tests" / "artifacts";
    std::filesystem::create_directories(dir);
    auto d = samples::typical();
    testing::write_file(dir / "report.html", render::html(d, {}));
    testing::write_file(dir / "report.md", render::markdown(d, {}));
    testing::write_file(dir / "report.json", render::json(d));
    testing::write_file(dir / "report.txt", render::text(d, {.verbose = true}));
    testing::write_file(dir / "fix.sh", render::shell_script(d, {.all_fixes = true}));
    testing::write_file(dir / "fix.yml", render::ansible(d, {.all_fixes = true}));
    size_t failures = 0, denials = 0, timelines = 0;
    for (const auto& f : d.findings) {
        failures += f.failure_times_ms.size();
        denials += f.denial_times_ms.size();
    }
    std::string h = render::html(d, {});
    timelines = count(h, "<svg ");
    testing::write_file(dir / "report.expect",
                        fmt::format("failures={}\ndenials={}\ntimelines={}\n", failures, denials, timelines));
    EXPECT_TRUE(std::filesystem::file_size(dir / "report.html") > 1000);
}

}  // namespace
}  // namespace why502::render
