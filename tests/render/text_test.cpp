#include <gtest/gtest.h>

#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

using testing::first_raw_control;

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// With colour on, the only ESC bytes are SGR sequences ESC [ digits/; m.
bool only_sgr_escapes(const std::string& s) {
    for (size_t i = s.find('\x1b'); i != std::string::npos; i = s.find('\x1b', i + 1)) {
        if (i + 1 >= s.size() || s[i + 1] != '[') return false;
        size_t j = i + 2;
        while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';')) ++j;
        if (j >= s.size() || s[j] != 'm') return false;
    }
    return true;
}

TEST(Text, SummaryPerFinding) {
    auto d = samples::typical();
    std::string t = render::text(d, {});
    EXPECT_EQ(first_raw_control(t), std::string::npos);
    EXPECT_TRUE(contains(t, "SELinux denies NGINX the connection to the backend port"));
    EXPECT_TRUE(contains(t, "[selinux.name_connect]"));
    EXPECT_TRUE(contains(t, "127.0.0.1:3000 (tcp)"));
    EXPECT_TRUE(contains(t, "unix:/srv/app/run/app.sock (unix socket)"));
    EXPECT_TRUE(contains(t, "backend (name)"));
    EXPECT_TRUE(contains(t, "2026-07-01T10:14:02Z .. 2026-07-01T10:20:11.250Z"));
    EXPECT_TRUE(contains(t, "5 failed requests, 5 denials"));
    EXPECT_TRUE(contains(t, "no failed request logged, 3 denials"));
    EXPECT_TRUE(contains(t, "httpd_t -> ntop_port_t tcp_socket { name_connect }"));
    EXPECT_TRUE(contains(t, "permissive"));
    // The recommended fix's commands, not the alternative's.
    EXPECT_TRUE(contains(t, "$ semanage port -a -t http_port_t -p tcp 3000"));
    EXPECT_TRUE(contains(t, "$ setsebool -P httpd_can_network_relay 1"));
    EXPECT_FALSE(contains(t, "httpd_can_network_connect 1"));
    EXPECT_TRUE(contains(t, "verified against the policy, grants 3, revokes 2"));
    EXPECT_TRUE(contains(t, "assumed (no policy read)"));
    // Detail stays out of the default output.
    EXPECT_FALSE(contains(t, "type=AVC"));
    EXPECT_FALSE(contains(t, d.findings[0].explanation));
    EXPECT_TRUE(contains(t, "1 alternative fix, 2 evidence lines"));
    // Ends with warnings and the one-line total.
    EXPECT_TRUE(contains(t, "warnings:\n  ! audit log ends at 10:19:00"));
    auto last = t.substr(t.rfind('\n', t.size() - 2) + 1);
    EXPECT_EQ(last, "5 findings (4 confirmed, 1 likely), 14 failed requests explained, 1 warning\n");
    EXPECT_TRUE(contains(t, "policy: policy.33 at /etc/selinux/default/policy/policy.33"));
}

TEST(Text, VerboseAddsDetail) {
    auto d = samples::typical();
    std::string t = render::text(d, {.verbose = true});
    EXPECT_EQ(first_raw_control(t), std::string::npos);
    EXPECT_TRUE(contains(t, "type=AVC msg=audit(1782900842.123:456)"));
    EXPECT_TRUE(contains(t, "/var/log/nginx/error.log:12"));
    EXPECT_TRUE(contains(t, "alternatives (more privilege)"));
    EXPECT_TRUE(contains(t, "$ setsebool -P httpd_can_network_connect 1"));
    EXPECT_TRUE(contains(t, "grants 235"));
    EXPECT_TRUE(contains(t, "blast radius"));
    EXPECT_TRUE(contains(t, "the kernel refused"));  // explanation, wrapped
    EXPECT_TRUE(contains(t, "to settle"));
    EXPECT_TRUE(contains(t, "$ curl -sS -o /dev/null"));
    EXPECT_TRUE(
        contains(t, "read:\n  /var/log/nginx/error.log (nginx, 120 lines, 14 upstream failure lines"));
    for (size_t start = 0, nl; (nl = t.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view l(t.data() + start, nl - start);
        // Prose is wrapped; only commands and log lines may run long.
        if (l.find("$ ") == std::string_view::npos && l.find(".log") == std::string_view::npos) {
            EXPECT_LE(l.size(), 110u) << l;
        }
    }
}

TEST(Text, ColourOnlyWhenAsked) {
    auto d = samples::typical();
    EXPECT_EQ(render::text(d, {}).find('\x1b'), std::string::npos);
    std::string c = render::text(d, {.color = true});
    EXPECT_NE(c.find("\x1b[1;31m"), std::string::npos);
    EXPECT_TRUE(only_sgr_escapes(c));
    auto h = samples::hostile();
    std::string hc = render::text(h, {.color = true, .verbose = true});
    EXPECT_TRUE(only_sgr_escapes(hc)) << "log text cannot add its own escape sequences";
}

TEST(Text, NothingFound) {
    diagnose::diagnosis d;
    d.inputs.push_back(
        {"/var/log/nginx/error.log", "nginx", 100, 3, 0, 0, 0, "", std::nullopt, std::nullopt});
    std::string t = render::text(d, {});
    EXPECT_TRUE(t.starts_with("why502: no upstream failures found\n"));
    EXPECT_TRUE(contains(t, "read: /var/log/nginx/error.log (nginx, 3 lines, 0 upstream failure lines)"));
}

TEST(Text, EveryCause) {
    auto d = samples::every_cause();
    std::string t = render::text(d, {.verbose = true});
    for (const auto& c : diagnose::all_causes()) {
        EXPECT_TRUE(contains(t, std::string(c.title))) << c.id;
        EXPECT_TRUE(contains(t, "[" + std::string(c.id) + "]")) << c.id;
    }
    EXPECT_TRUE(contains(t, "possible"));
}

TEST(Text, HostileStringsAreEscaped) {
    auto d = samples::hostile();
    for (bool verbose : {false, true}) {
        std::string t = render::text(d, {.verbose = verbose});
        EXPECT_EQ(first_raw_control(t), std::string::npos) << "at " << first_raw_control(t);
        EXPECT_TRUE(text::is_valid_utf8(t));
        EXPECT_EQ(t.find('\x1b'), std::string::npos);
        EXPECT_TRUE(contains(t, "\\x1b]0;title\\x07")) << "controls are shown, escaped";
    }
    std::string t = render::text(d, {.verbose = true});
    EXPECT_TRUE(contains(t, "bad:\\xff\\xfe"));
    EXPECT_TRUE(contains(t, "\\xe2\\x80\\xae rtl")) << "bidi override escaped";
}

}  // namespace
}  // namespace why502::render

namespace why502::render {
namespace {

// Live mode: the text output says what the host is (SELinux state first), from the
// JSON host object, with host-supplied strings escaped.
TEST(Text, LiveHostBlock) {
    diagnose::diagnosis d;
    d.live = true;
    d.host = {{"selinux", {{"summary", "SELinux is disabled (or not available) on this host"}}},
              {"apparmor", {{"summary", "AppArmor is not available"}}},
              {"nginx", {{"user", "www-data\x1b[2J"}, {"config_source", "nginx -T"}, {"version", "1.22.1"}}},
              {"upstreams", nlohmann::json::array({1, 2})},
              {"probing", "on"}};
    std::string t = render::text(d, {});
    EXPECT_NE(t.find("host:\n  SELinux is disabled (or not available) on this host\n"), std::string::npos)
        << t;
    EXPECT_NE(
        t.find(
            "nginx 1.22.1 (workers run as www-data\\x1b[2J), configuration from nginx -T, 2 upstream uses"),
        std::string::npos)
        << t;
    EXPECT_EQ(testing::first_raw_control(t), std::string::npos);
    d.live = false;
    EXPECT_EQ(render::text(d, {}).find("host:"), std::string::npos);
}

}  // namespace
}  // namespace why502::render
