#include <gtest/gtest.h>

#include <filesystem>

#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

using testing::first_raw_control;

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// Renders Markdown with cmark-gfm (the GitHub dialect, raw HTML let through so that
// markup we failed to escape would show), or "" when it is not installed.
std::string cmark_html(const std::string& md) {
    if (!std::filesystem::exists("/usr/bin/cmark-gfm")) return {};
    auto dir = testing::make_temp_dir("md");
    testing::write_file(dir / "in.md", md);
    auto r = testing::run("/usr/bin/cmark-gfm --unsafe -e table -e strikethrough -e autolink " +
                          testing::q(dir / "in.md"));
    std::filesystem::remove_all(dir);
    EXPECT_EQ(r.status, 0) << r.output;
    return r.output;
}

TEST(Markdown, IncidentWriteUp) {
    auto d = samples::typical();
    std::string m = render::markdown(d, {});
    EXPECT_EQ(first_raw_control(m), std::string::npos);
    EXPECT_TRUE(m.starts_with("# why502 incident report: 5 causes of NGINX 502/504\n"));
    EXPECT_TRUE(contains(m, "## Summary"));
    EXPECT_TRUE(contains(
        m, "NGINX failed 14 requests to 5 upstreams between 2026-07-01T09:00:00Z and 2026-07-01T12:00:30Z"));
    EXPECT_TRUE(contains(m, "- **Servers:** app.example.com\n"));
    EXPECT_TRUE(contains(m, "## Timeline"));
    EXPECT_TRUE(contains(m, "(first denial 3 ms before the first failure)"));
    EXPECT_TRUE(
        contains(m, "## 1. SELinux denies NGINX the connection to the backend port `selinux.name_connect`"));
    EXPECT_TRUE(contains(m, "### Root cause"));
    EXPECT_TRUE(
        contains(m, "### Evidence\n\n```text\n/var/log/nginx/error.log:12: 2026/07/01 10:14:02 [crit]"));
    EXPECT_TRUE(contains(m, "### Recommended fix"));
    EXPECT_TRUE(contains(
        m,
        "```sh\nsemanage port -a -t http_port_t -p tcp 3000\nsetsebool -P httpd_can_network_relay 1\n```"));
    EXPECT_TRUE(contains(m, "### Alternatives (more privilege)"));
    EXPECT_TRUE(contains(m, "**verified against the policy, grants 235**"));
    EXPECT_TRUE(contains(m, "### Verification"));
    EXPECT_TRUE(contains(m, "## Prevention"));
    EXPECT_TRUE(contains(
        m, "In this policy httpd_t may connect to http_port_t only with httpd_can_network_relay on."))
        << "intraword underscores stay as they are";
    EXPECT_TRUE(
        contains(m, "Set the SELinux boolean `httpd_can_network_relay` on in configuration management"));
    EXPECT_TRUE(contains(m, "Ship the file context rule `/srv/app/run/app\\.sock httpd_var_run_t`"));
    EXPECT_TRUE(contains(m, "community.general.seport"));
    EXPECT_TRUE(contains(m, "## Warnings"));
    EXPECT_TRUE(contains(m, "## Inputs"));
}

TEST(Markdown, RendersAsIntended) {
    std::string html = cmark_html(render::markdown(samples::typical(), {}));
    if (html.empty()) GTEST_SKIP() << "cmark-gfm not installed";
    EXPECT_TRUE(contains(html,
                         "<h2>1. SELinux denies NGINX the connection to the backend port "
                         "<code>selinux.name_connect</code></h2>"));
    EXPECT_TRUE(
        contains(html, "<pre><code class=\"language-sh\">semanage port -a -t http_port_t -p tcp 3000\n"));
    EXPECT_TRUE(contains(html, "<td><code>127.0.0.1:3000</code></td>"));
    EXPECT_TRUE(contains(html, "<strong>Servers:</strong> app.example.com"));
}

TEST(Markdown, HostileStringsStayText) {
    auto d = samples::hostile();
    std::string m = render::markdown(d, {});
    EXPECT_EQ(first_raw_control(m), std::string::npos) << "at " << first_raw_control(m);
    EXPECT_TRUE(text::is_valid_utf8(m));
    // The evidence contains ``` : its block needs a longer fence.
    EXPECT_TRUE(contains(m, "````text\n"));
    std::string html = cmark_html(m);
    if (html.empty()) GTEST_SKIP() << "cmark-gfm not installed";
    // Rendered, no markup from the data survives as markup: no element, no link, no image.
    EXPECT_FALSE(contains(html, "<script")) << html;
    EXPECT_FALSE(contains(html, "<img")) << html;
    EXPECT_FALSE(contains(html, "<a href")) << html;
    EXPECT_FALSE(contains(html, "<em>")) << html;
    EXPECT_FALSE(contains(html, "<del>")) << html;
    EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The hostile evidence line stays inside one code block, whole.
    std::string evidence = "audit.log:2: type=AVC msg=audit(1.0:1): q&quot; &lt;script&gt;";
    auto at = html.find(evidence);
    ASSERT_NE(at, std::string::npos);
    auto open = html.rfind("<pre><code", at), close = html.find("</code></pre>", at);
    ASSERT_NE(open, std::string::npos);
    EXPECT_EQ(html.find("</code></pre>", open), close) << "the block is not closed early";
    EXPECT_NE(html.find("rtl", at), std::string::npos);
    EXPECT_LT(html.find("end\\\\", at), close);
    // Two findings, each one <h2> with its number: nothing in the data made a heading.
    size_t h2 = 0;
    for (size_t i = html.find("<h2>"); i != std::string::npos; i = html.find("<h2>", i + 1)) ++h2;
    EXPECT_EQ(h2, 7u) << "Summary, Timeline, 2 findings, Prevention, Warnings and Inputs\n" << html;
}

TEST(Markdown, EveryCauseAndNothingFound) {
    std::string m = render::markdown(samples::every_cause(), {});
    for (const auto& c : diagnose::all_causes())
        EXPECT_TRUE(contains(m, "`" + std::string(c.id) + "`")) << c.id;
    std::string e = render::markdown(diagnose::diagnosis{}, {});
    EXPECT_TRUE(e.starts_with("# why502: no upstream failures found"));
    EXPECT_TRUE(contains(e, "No upstream failures were found"));
}

}  // namespace
}  // namespace why502::render
