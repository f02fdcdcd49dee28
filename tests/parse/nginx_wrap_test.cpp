// Wrapped NGINX lines (syslog, journald, Docker, compose, grep) and multi-line entries.
// Syslog lines marked "real" were sent by nginx/1.22.1 to a UDP listener
// (tests/fixtures/nginx/capture.py); the other forms follow what each tool prints.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/time.hpp"
#include "parse/nginx_wrap.hpp"

using namespace why502;
using namespace why502::parse;
using std::string_view;

namespace {

constexpr string_view k_line =
    "2026/07/01 10:14:02 [error] 2841#2841: *5 connect() failed (111: Connection refused) while connecting "
    "to upstream, client: 203.0.113.7, server: app.example.com, request: \"GET /api/health HTTP/1.1\", "
    "upstream: \"http://127.0.0.1:3000/api/health\", host: \"app.example.com\"";

int64_t utc(int y, int mo, int d, int h, int mi, int s, int ms = 0) {
    return timeutil::utc_ms_from_civil(timeutil::civil{y, mo, d, h, mi, s, ms});
}

struct parsed {
    std::string raw;  // the views point into raw and scratch
    match m = match::no;
    nginx_line line;
    wrap_info info;
    std::string scratch;
};

// Parses into p (scratch owned by p, so the views stay valid).
void parse_raw(string_view raw, parsed& p, int64_t reference_ms = utc(2026, 7, 5, 0, 0, 0)) {
    nginx_wrap_context ctx;
    ctx.reference_ms = reference_ms;
    p.raw.assign(raw);
    p.m = parse_wrapped_nginx_line(p.raw, p.scratch, ctx, p.line, p.info);
}

void expect_k_line_fields(const parsed& p) {
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.line.time.year, 2026);
    EXPECT_EQ(p.line.time.hour, 10);
    EXPECT_EQ(p.line.pid, 2841u);
    EXPECT_EQ(p.line.connection, 5u);
    EXPECT_EQ(p.line.message, "connect() failed (111: Connection refused) while connecting to upstream");
    EXPECT_EQ(p.line.client, "203.0.113.7");
    EXPECT_EQ(p.line.server, "app.example.com");
    EXPECT_EQ(p.line.request, "GET /api/health HTTP/1.1");
    EXPECT_EQ(p.line.upstream, "http://127.0.0.1:3000/api/health");
    EXPECT_EQ(p.line.host, "app.example.com");
    EXPECT_FALSE(p.info.time_from_wrapper);
}

class NginxWrap : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(timeutil::set_input_zone("UTC").ok()); }
};

}  // namespace

TEST_F(NginxWrap, PlainLineIsNotWrapped) {
    parsed p;
    parse_raw(k_line, p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::none);
    EXPECT_EQ(p.info.layers, 0);
    EXPECT_EQ(p.info.inner, k_line);
}

TEST_F(NginxWrap, RealSyslogFromNginx) {
    // real
    parsed p;
    parse_raw(
        "<187>Nov 22 06:46:23 vm nginx: 2026/11/22 06:46:23 [error] 11098#11098: *8 recv() failed (104: "
        "Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: "
        "app.example.com, request: \"GET /reset/api/v1/users HTTP/1.1\", upstream: "
        "\"http://127.0.0.1:18412/reset/api/v1/users\", host: \"app.example.com\"",
        p, utc(2026, 11, 22, 7, 0, 0));
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.info.form, nginx_wrapper::syslog);
    EXPECT_EQ(p.info.syslog_pri, 187);
    EXPECT_EQ(p.info.host, "vm");
    EXPECT_EQ(p.info.tag, "nginx");
    EXPECT_TRUE(p.info.has_local);
    EXPECT_EQ(p.info.local.year, 2026);
    EXPECT_EQ(p.info.local.day, 22);
    EXPECT_FALSE(p.info.has_utc);
    EXPECT_EQ(p.line.level, nginx_level::error);
    EXPECT_EQ(p.line.connection, 8u);
    EXPECT_EQ(p.line.upstream, "http://127.0.0.1:18412/reset/api/v1/users");
    EXPECT_EQ(nginx_line_utc_ms(p.line, p.info), utc(2026, 11, 22, 6, 46, 23));

    // real: before NGINX knows its host name it sends an empty one
    parse_raw("<189>Nov 22 06:46:23  nginx: 2026/11/22 06:46:23 [notice] 11097#11097: nginx/1.22.1", p,
              utc(2026, 11, 22, 7, 0, 0));
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.info.host, "");
    EXPECT_EQ(p.info.tag, "nginx");
    EXPECT_EQ(p.line.message, "nginx/1.22.1");
}

TEST_F(NginxWrap, SyslogVariants) {
    parsed p;
    // error_log syslog:server=...,nohostname; day padded with a space
    parse_raw("<187>Jul  1 10:14:02 nginx: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.host, "");
    EXPECT_EQ(p.info.tag, "nginx");
    EXPECT_EQ(p.info.local.day, 1);
    // a custom tag (error_log syslog:...,tag=web_proxy)
    parse_raw("<187>Jul  1 10:14:02 web1 web_proxy: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.tag, "web_proxy");
    // /var/log/messages (rsyslog, traditional format): no <PRI>
    parse_raw("Jul  1 10:14:02 web1 nginx: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::syslog);
    EXPECT_EQ(p.info.syslog_pri, -1);
    EXPECT_EQ(p.info.host, "web1");
    // journalctl -u nginx (short): zero-padded day, tag[pid]
    parse_raw("Jul 01 10:14:02 web1 nginx[2840]: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.tag, "nginx");
    EXPECT_EQ(p.info.tag_pid, 2840u);
    // journalctl -o short-precise
    parse_raw("Jul 01 10:14:02.123456 web1 nginx[2840]: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.local.millis, 123);
    // journalctl -o short-iso: the stamp has an offset, so it is an instant
    parse_raw("2026-07-01T10:14:02+0200 web1 nginx[2840]: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_TRUE(p.info.has_utc);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 8, 14, 2));
    EXPECT_EQ(nginx_line_utc_ms(p.line, p.info), utc(2026, 7, 1, 8, 14, 2));
    // rsyslog's high-precision file format (Debian 12's default)
    parse_raw("2026-07-01T10:14:02.250113+02:00 web1 nginx: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 8, 14, 2, 250));
    // an ISO stamp after <PRI> (rsyslog forwarding with RFC 3339 dates)
    parse_raw("<187>2026-07-01T10:14:02Z web1 nginx: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.syslog_pri, 187);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 10, 14, 2));
}

TEST_F(NginxWrap, Rfc5424) {
    parsed p;
    parse_raw("<187>1 2026-07-01T10:14:02.003+02:00 web1 nginx 2840 - - " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::syslog5424);
    EXPECT_EQ(p.info.host, "web1");
    EXPECT_EQ(p.info.tag, "nginx");
    EXPECT_EQ(p.info.tag_pid, 2840u);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 8, 14, 2, 3));
    // structured data with an escaped ']' and a BOM before the message
    parse_raw(
        "<187>1 2026-07-01T10:14:02Z web1 nginx - ID47 [exampleSDID@32473 iut=\"3\" x=\"a\\]b\"][o "
        "ip=\"10.0.0.1\"] "
        "\xEF\xBB\xBF" +
            std::string(k_line),
        p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.tag_pid, 0u);
    // nil stamp: only the NGINX stamp is left
    parse_raw("<187>1 - - - - - - " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_FALSE(p.info.has_utc);
    EXPECT_EQ(p.info.host, "");
    // broken structured data is not RFC 5424
    parse_raw("<187>1 2026-07-01T10:14:02Z web1 nginx - - [unterminated " + std::string(k_line), p);
    EXPECT_EQ(p.m, match::no);
}

TEST_F(NginxWrap, StampMissingTimeFromWrapper) {
    parsed p;
    const std::string body =
        "[error] 2841#2841: *5 connect() to unix:/run/php-fpm/www.sock failed (13: Permission denied) while "
        "connecting to upstream, client: 203.0.113.7, server: app.example.com, request: \"GET / HTTP/1.1\", "
        "upstream: \"fastcgi://unix:/run/php-fpm/www.sock:\", host: \"app.example.com\"";
    parse_raw("<187>Jul  1 10:14:02 web1 nginx: " + body, p, utc(2026, 7, 5, 0, 0, 0));
    ASSERT_EQ(p.m, match::yes);
    EXPECT_TRUE(p.info.time_from_wrapper);
    EXPECT_EQ(p.line.time.year, 2026);
    EXPECT_EQ(p.line.time.month, 7);
    EXPECT_EQ(p.line.time.day, 1);
    EXPECT_EQ(p.line.time.hour, 10);
    EXPECT_EQ(p.line.pid, 2841u);
    EXPECT_EQ(p.line.upstream, "fastcgi://unix:/run/php-fpm/www.sock:");
    // No year in the stamp: a December stamp read in early January is last year's.
    parse_raw("Dec 31 23:59:58 web1 nginx: " + body, p, utc(2027, 1, 2, 0, 0, 0));
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.line.time.year, 2026);
    EXPECT_EQ(p.line.time.month, 12);
    // An instant (RFC 5424) is shown in the input zone.
    ASSERT_TRUE(timeutil::set_input_zone("Europe/Paris").ok());
    parse_raw("<187>1 2026-07-01T08:14:02Z web1 nginx - - - " + body, p);
    ASSERT_EQ(p.m, match::yes);
    EXPECT_TRUE(p.info.time_from_wrapper);
    EXPECT_EQ(p.line.time.hour, 10);  // CEST
    EXPECT_EQ(nginx_line_utc_ms(p.line, p.info), utc(2026, 7, 1, 8, 14, 2));
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    // A body that is not an NGINX body is another program's message.
    parse_raw("<187>Jul  1 10:14:02 web1 nginx: [something] else", p);
    EXPECT_EQ(p.m, match::no);
    parse_raw("<187>Jul  1 10:14:02 web1 nginx: [error] broken", p);
    EXPECT_EQ(p.m, match::malformed);
}

TEST_F(NginxWrap, DockerJsonFile) {
    parsed p;
    parse_raw(
        R"({"log":"2026/07/01 10:14:02 [error] 29#29: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 172.18.0.1, server: localhost, request: \"GET /api/ HTTP/1.1\", upstream: \"http://172.18.0.3:3000/api/\", host: \"localhost:8080\", referrer: \"http:\/\/localhost:8080\/\"\n","stream":"stderr","time":"2026-07-01T10:14:02.123456789Z"})",
        p);
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.info.form, nginx_wrapper::docker_json);
    EXPECT_EQ(p.info.stream, "stderr");
    EXPECT_FALSE(p.info.partial);
    EXPECT_EQ(p.line.request, "GET /api/ HTTP/1.1");
    EXPECT_EQ(p.line.upstream, "http://172.18.0.3:3000/api/");
    EXPECT_EQ(p.line.host, "localhost:8080");
    EXPECT_EQ(p.line.referrer, "http://localhost:8080/");
    EXPECT_TRUE(p.info.has_utc);
    EXPECT_EQ(nginx_line_utc_ms(p.line, p.info), utc(2026, 7, 1, 10, 14, 2, 123));
    // Other key order, an attrs object with braces in strings, spaces after separators.
    parse_raw(
        R"({"stream": "stderr", "attrs": {"tag": "web{1}\"}", "n": [1, {"a": "]"}]}, "log": "2026/07/01 10:14:02 [warn] 29#29: *3 x\n", "time": "2026-07-01T10:14:02Z"})",
        p);
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.line.message, "x");
    EXPECT_EQ(p.info.stream, "stderr");
    // A record split by the daemon (no final newline).
    parse_raw(
        R"({"log":"2026/07/01 10:14:02 [error] 29#29: *3 upstream timed out","stream":"stderr","time":"2026-07-01T10:14:02Z"})",
        p);
    EXPECT_TRUE(p.info.partial);
    // Broken JSON is not unwrapped.
    for (string_view bad :
         {string_view(R"({"log":"2026/07/01 10:14:02 [error] 29#29: x)"),
          string_view(R"({"log":"2026/07/01 10:14:02 [error] 29#29: x\q"})"),
          string_view(R"({"stream":"stderr"})"), string_view("{"), string_view("{\"log\"")}) {
        parse_raw(bad, p);
        EXPECT_EQ(p.m, match::no) << bad;
    }
}

TEST(JsonUnescape, EscapesAndSurrogates) {
    std::string out;
    ASSERT_TRUE(json_unescape(R"(a\"b\\c\/d\te\nf\r\b\f)", out));
    EXPECT_EQ(out, "a\"b\\c/d\te\nf\r\b\f");
    out.clear();
    ASSERT_TRUE(json_unescape(R"(\u001b[31m \u00e9 \u20ac \ud83d\ude00 \ud800x \udc00 \u0000)", out));
    static constexpr char expected[] =
        "\x1b[31m \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbdx \xef\xbf\xbd \0";
    EXPECT_EQ(out, std::string(expected, sizeof expected - 1));
    out.clear();
    EXPECT_FALSE(json_unescape(R"(\x41)", out));
    out.clear();
    EXPECT_FALSE(json_unescape(R"(\u12)", out));
    out.clear();
    EXPECT_FALSE(json_unescape("\\", out));
    out.clear();
    EXPECT_FALSE(json_unescape(R"(\uZZZZ)", out));
}

TEST_F(NginxWrap, DockerTimestampsAndCri) {
    parsed p;
    parse_raw("2026-07-01T10:14:02.123456789Z " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::docker_ts);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 10, 14, 2, 123));
    parse_raw("2026-07-01T10:14:02.5+00:00 stderr F " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::cri);
    EXPECT_EQ(p.info.stream, "stderr");
    EXPECT_FALSE(p.info.partial);
    EXPECT_EQ(p.info.utc_ms, utc(2026, 7, 1, 10, 14, 2, 500));
    parse_raw("2026-07-01T10:14:02.5+00:00 stdout P 2026/07/01 10:14:02 [error] 1#1: *1 upstream", p);
    EXPECT_TRUE(p.info.partial);
}

TEST_F(NginxWrap, ComposePrefixes) {
    parsed p;
    parse_raw("web-1  | " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::compose);
    EXPECT_EQ(p.info.container, "web-1");
    parse_raw("nginx_1   | " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.container, "nginx_1");
    // On a terminal: colour around the name and the bar.
    parse_raw("\x1b[36mweb-1  |\x1b[0m " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.container, "web-1");
    parse_raw("\x1b[1;36mproxy.web-1 \x1b[0m | \x1b[0m" + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.container, "proxy.web-1");
    // docker compose logs -t
    parse_raw("web-1  | 2026-07-01T10:14:02.123456789Z " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.layers, 2);
    EXPECT_EQ(p.info.form, nginx_wrapper::docker_ts);
    EXPECT_EQ(p.info.container, "web-1");
    EXPECT_TRUE(p.info.has_utc);
    // Another service's line is not an NGINX line.
    parse_raw(
        "php-1  | [01-Jul-2026 10:14:02] WARNING: [pool www] server reached pm.max_children setting (5)", p);
    EXPECT_EQ(p.m, match::no);
    EXPECT_EQ(p.info.container, "php-1");
}

TEST_F(NginxWrap, GrepPrefixes) {
    parsed p;
    parse_raw("/var/log/nginx/error.log:" + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.form, nginx_wrapper::grep);
    EXPECT_EQ(p.info.file, "/var/log/nginx/error.log");
    parse_raw("error.log.1:" + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.file, "error.log.1");
    parse_raw("/var/log/nginx/error.log:1234:" + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.file_line, 1234u);
    EXPECT_EQ(p.info.file, "/var/log/nginx/error.log");
    // grep over syslog files and over Docker's json files
    parse_raw("/var/log/messages:Jul  1 10:14:02 web1 nginx: " + std::string(k_line), p);
    expect_k_line_fields(p);
    EXPECT_EQ(p.info.layers, 2);
    EXPECT_EQ(p.info.form, nginx_wrapper::syslog);
    EXPECT_EQ(p.info.file, "/var/log/messages");
    EXPECT_EQ(p.info.host, "web1");
    parse_raw(
        R"(/var/lib/docker/containers/3f2a/3f2a-json.log:{"log":"2026/07/01 10:14:02 [error] 29#29: *3 x\n","stream":"stderr","time":"2026-07-01T10:14:02Z"})",
        p);
    ASSERT_EQ(p.m, match::yes);
    EXPECT_EQ(p.info.form, nginx_wrapper::docker_json);
    EXPECT_EQ(p.info.file, "/var/lib/docker/containers/3f2a/3f2a-json.log");
    // A "word:" prefix before something unrecognisable is not grep.
    parse_raw("warning: something odd", p);
    EXPECT_EQ(p.m, match::no);
    EXPECT_EQ(p.info.layers, 0);
}

TEST_F(NginxWrap, OtherLinesAreNotNginx) {
    parsed p;
    for (string_view s :
         {string_view(""), string_view("Jul  1 10:14:02 web1 sshd[811]: Accepted publickey for root"),
          string_view("<30>Jul  1 10:14:02 web1 systemd[1]: Started nginx.service"),
          string_view(
              "Jul  1 10:14:02 web1 kernel: audit: type=1400 audit(1782555242.115:4242): avc:  denied"),
          string_view("   | "), string_view("\x1b[0m"), string_view("<999>x"), string_view("{}"),
          string_view("2026-07-01T10:14:02Z"), string_view("Jul 99 10:14:02 x y: z")}) {
        parse_raw(s, p);
        EXPECT_EQ(p.m, match::no) << s;
    }
}

// ---- joiner ---------------------------------------------------------------------------

namespace {

struct collected {
    match result;
    std::string text, message, client, upstream, container;
    uint64_t first_line, last_line;
    uint32_t continuation_lines;
};

std::vector<collected> join(const std::vector<std::string>& lines) {
    nginx_wrap_context ctx;
    ctx.reference_ms = utc(2026, 7, 5, 0, 0, 0);
    nginx_entry_joiner j(ctx);
    std::vector<collected> out;
    auto emit = [&](const nginx_entry& e) {
        out.push_back({e.result, std::string(e.text), std::string(e.line.message), std::string(e.line.client),
                       std::string(e.line.upstream), std::string(e.wrap.container), e.first_line, e.last_line,
                       e.continuation_lines});
    };
    uint64_t n = 0;
    for (const auto& l : lines) j.feed(l, ++n, emit);
    j.finish(emit);
    return out;
}

// real: five physical lines of one entry, as nginx/1.22.1 wrote them
const std::vector<std::string> k_fastcgi = {
    "2026/11/22 06:46:28 [error] 11098#11098: *32 FastCGI sent in stderr: \"PHP message: PHP Warning:  "
    "Undefined variable $user in /var/www/html/index.php on line 7",
    "PHP message: PHP Fatal error:  Uncaught Error: Call to a member function get() on null in "
    "/var/www/html/index.php:9",
    "Stack trace:",
    "#0 {main}",
    "  thrown in /var/www/html/index.php on line 9\" while reading response header from upstream, client: "
    "127.0.0.1, server: app.example.com, request: \"GET /php/index.php HTTP/1.1\", upstream: "
    "\"fastcgi://127.0.0.1:18416\", host: \"app.example.com\"",
};

}  // namespace

TEST_F(NginxWrap, JoinerRealFastcgiStderr) {
    std::vector<std::string> lines = k_fastcgi;
    lines.push_back(std::string(k_line));
    auto out = join(lines);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].result, match::yes);
    EXPECT_EQ(out[0].continuation_lines, 4u);
    EXPECT_EQ(out[0].first_line, 1u);
    EXPECT_EQ(out[0].last_line, 5u);
    EXPECT_EQ(out[0].client, "127.0.0.1");
    EXPECT_EQ(out[0].upstream, "fastcgi://127.0.0.1:18416");
    EXPECT_NE(out[0].message.find("\nStack trace:\n#0 {main}\n  thrown in"), std::string::npos);
    EXPECT_EQ(out[1].first_line, 6u);
    EXPECT_EQ(out[1].upstream, "http://127.0.0.1:3000/api/health");
}

TEST_F(NginxWrap, JoinerAcrossWrappers) {
    // Docker json-file: one record per line.
    std::vector<std::string> docker;
    for (const auto& l : k_fastcgi) {
        std::string esc;
        for (char c : l) {
            if (c == '"' || c == '\\') esc += '\\';
            esc += c;
        }
        docker.push_back("{\"log\":\"" + esc +
                         "\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-22T06:46:28Z\"}");
    }
    // An access-log record on stdout in between must not break the entry.
    docker.insert(
        docker.begin() + 2,
        R"({"log":"127.0.0.1 - - [22/Nov/2026:06:46:28 +0000] \"GET / HTTP/1.1\" 200 5\n","stream":"stdout","time":"2026-11-22T06:46:28Z"})");
    auto out = join(docker);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].result, match::no);  // the stdout record, handed out while the entry waits
    EXPECT_EQ(out[1].result, match::yes);
    EXPECT_EQ(out[1].client, "127.0.0.1");
    EXPECT_EQ(out[1].continuation_lines, 4u);
    EXPECT_EQ(out[1].first_line, 1u);
    EXPECT_EQ(out[1].last_line, 6u);

    // docker compose, with another service interleaved.
    std::vector<std::string> compose;
    for (const auto& l : k_fastcgi) compose.push_back("web-1  | " + l);
    compose.insert(compose.begin() + 1, "php-1  | [22-Nov-2026 06:46:28] NOTICE: fpm is running");
    out = join(compose);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].container, "php-1");
    EXPECT_EQ(out[1].container, "web-1");
    EXPECT_EQ(out[1].upstream, "fastcgi://127.0.0.1:18416");

    // journalctl: continuation lines indented under the message
    std::vector<std::string> journal = {"Nov 22 06:46:28 web1 nginx[11097]: " + k_fastcgi[0]};
    for (size_t i = 1; i < k_fastcgi.size(); ++i) journal.push_back(std::string(35, ' ') + k_fastcgi[i]);
    out = join(journal);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].client, "127.0.0.1");
    EXPECT_NE(out[0].message.find("\nStack trace:\n#0 {main}\n  thrown in"), std::string::npos)
        << out[0].message;

    // grep -r repeats the file name on every line
    std::vector<std::string> grep;
    for (const auto& l : k_fastcgi) grep.push_back("/var/log/nginx/error.log:" + l);
    out = join(grep);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].upstream, "fastcgi://127.0.0.1:18416");
    EXPECT_NE(out[0].message.find("\nStack trace:\n"), std::string::npos);
}

TEST_F(NginxWrap, JoinerPartialDockerRecords) {
    std::vector<std::string> lines = {
        R"({"log":"2026/07/01 10:14:02 [error] 29#29: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 172.18.0.1, serv","stream":"stderr","time":"2026-07-01T10:14:02Z"})",
        R"({"log":"er: localhost, request: \"GET / HTTP/1.1\", upstream: \"http://172.18.0.3:3000/\", host: \"localhost\"\n","stream":"stderr","time":"2026-07-01T10:14:02Z"})",
    };
    auto out = join(lines);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].result, match::yes);
    EXPECT_EQ(out[0].upstream, "http://172.18.0.3:3000/");
    EXPECT_EQ(out[0].continuation_lines, 1u);
}

TEST_F(NginxWrap, JoinerBoundsAndOrphans) {
    // Continuation lines without an open entry (a chunk that starts mid-entry): `no`.
    auto out = join({"Stack trace:", "#0 {main}", std::string(k_line)});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].result, match::no);
    EXPECT_EQ(out[2].result, match::yes);
    // An entry that never closes stops at max_lines lines.
    std::vector<std::string> many = {k_fastcgi[0]};
    for (int i = 0; i < 300; ++i) many.push_back("PHP message: line " + std::to_string(i));
    out = join(many);
    ASSERT_EQ(out.size(), 1u + 300 - (nginx_entry_joiner::max_lines - 1));
    EXPECT_EQ(out[0].continuation_lines, nginx_entry_joiner::max_lines - 1);
    EXPECT_EQ(out[0].result, match::yes);
    EXPECT_EQ(out[1].result, match::no);
    // An open entry at the end is handed out by finish(); a new entry closes the open one.
    out = join({k_fastcgi[0], std::string(k_line), k_fastcgi[0]});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].continuation_lines, 0u);
    EXPECT_TRUE(out[0].client.empty());
    EXPECT_EQ(out[2].first_line, 3u);
    // Malformed NGINX lines are never swallowed as continuations.
    out = join({k_fastcgi[0], "2026/07/01 10:14:02 [bogus]", k_fastcgi[4]});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[1].result, match::malformed);
}
