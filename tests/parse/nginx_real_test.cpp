// Lines written by a real NGINX (nginx/1.22.1, Debian 12) for real failures on loopback:
// tests/fixtures/nginx/capture.py made them (see its header). The oracle is NGINX itself:
// each request of real_1.22.1_cases.txt was built to cause one failure, and the same
// lines also went to a syslog socket, so both forms must give the same records.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "parse/nginx_wrap.hpp"

using namespace why502;
using namespace why502::parse;

namespace {

std::string fixture(const std::string& name) {
    return std::string(WHY502_SOURCE_DIR) + "/tests/fixtures/nginx/" + name;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find(sep, pos);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

// What the tests look at, copied out of the joiner's callback.
struct record {
    match result = match::no;
    std::string text;
    nginx_level level = nginx_level::error;
    uint64_t connection = 0;
    uint32_t pid = 0;
    int64_t utc_ms = 0;
    std::string message, client, server, request, upstream, host, referrer;
    uint32_t continuation_lines = 0;
    bool failure = false;
    upstream_failure f;
    std::string address, resolve_name;
    upstream_address addr;
    std::string addr_host, addr_path;
};

std::vector<record> read_all(const std::string& path) {
    nginx_wrap_context ctx;
    ctx.reference_ms = timeutil::utc_ms_from_civil(timeutil::civil{2026, 11, 23, 0, 0, 0, 0});
    nginx_entry_joiner joiner(ctx);
    std::vector<record> out;
    auto emit = [&](const nginx_entry& e) {
        record r;
        r.result = e.result;
        r.text = std::string(e.text);
        r.continuation_lines = e.continuation_lines;
        if (e.result == match::yes) {
            const nginx_line& l = e.line;
            r.level = l.level;
            r.connection = l.connection;
            r.pid = l.pid;
            r.utc_ms = nginx_line_utc_ms(l, e.wrap);
            r.message = std::string(l.message);
            r.client = std::string(l.client);
            r.server = std::string(l.server);
            r.request = std::string(l.request);
            r.upstream = std::string(l.upstream);
            r.host = std::string(l.host);
            r.referrer = std::string(l.referrer);
            r.failure = classify_upstream_failure(l, r.f);
            if (r.failure) {
                r.address = std::string(r.f.address);
                r.resolve_name = std::string(r.f.resolve_name);
                r.addr = parse_upstream_address(r.f.address);
                r.addr_host = std::string(r.addr.host);
                r.addr_path = std::string(r.addr.path);
            }
        }
        out.push_back(std::move(r));
    };
    uint64_t n = 0;
    for (const auto& line : split(slurp(path), '\n')) joiner.feed(line, ++n, emit);
    joiner.finish(emit);
    return out;
}

struct expectation {
    std::string_view name;
    bool failure;
    failure_kind kind;
    failure_phase phase;
    int err;
    transport via;
    std::string_view host;  // tcp / name: the host; unix: the socket file's last component
    int port;
};

using fk = failure_kind;
using fp = failure_phase;
// What each request was built to cause (capture.py's plan).
const expectation k_expected[] = {
    {"refused", true, fk::connect_failed, fp::connecting, 111, transport::tcp, "127.0.0.1", 18419},
    {"refused6", true, fk::connect_failed, fp::connecting, 111, transport::tcp, "::1", 18419},
    {"closed", true, fk::closed_prematurely, fp::reading_header, 0, transport::tcp, "127.0.0.1", 18411},
    {"reset", true, fk::recv_failed, fp::reading_header, 104, transport::tcp, "127.0.0.1", 18412},
    {"read-timeout", true, fk::timed_out, fp::reading_header, 110, transport::tcp, "127.0.0.1", 18413},
    {"connect-timeout", true, fk::timed_out, fp::connecting, 110, transport::tcp, "127.0.0.1", 18417},
    {"header-too-big", true, fk::header_too_big, fp::reading_header, 0, transport::tcp, "127.0.0.1", 18414},
    {"tls", true, fk::timed_out, fp::ssl_handshaking, 110, transport::tcp, "127.0.0.1", 18415},
    {"pool-first", true, fk::connect_failed, fp::connecting, 111, transport::tcp, "127.0.0.1", -2},
    {"pool-no-live", true, fk::no_live, fp::connecting, 0, transport::name, "backend_pool", -1},
    {"resolve", true, fk::resolve_failed, fp::resolving, 0, transport::name, "", -1},
    {"sock-missing", true, fk::connect_failed, fp::connecting, 2, transport::unix_socket, "missing.sock", -1},
    {"sock-full", true, fk::connect_failed, fp::connecting, 11, transport::unix_socket, "full.sock", -1},
    {"sock-denied", true, fk::connect_failed, fp::connecting, 13, transport::unix_socket, "app.sock", -1},
    {"sock-timeout", true, fk::timed_out, fp::reading_header, 110, transport::unix_socket, "stall.sock", -1},
    {"fastcgi-stderr", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"fpm-missing", true, fk::connect_failed, fp::connecting, 2, transport::unix_socket, "www.sock", -1},
    {"not-upstream-open", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"hostile-request", true, fk::connect_failed, fp::connecting, 111, transport::tcp, "127.0.0.1", 18419},
    {"hostile-host", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"hostile-valid-host", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"host-space", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"host-quote-comma", false, fk::none, fp::unknown, 0, transport::name, "", -1},
    {"hostile-ctl", true, fk::connect_failed, fp::connecting, 111, transport::tcp, "127.0.0.1", 18419},
};

std::string last_component(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

TEST(NginxReal, EveryLineOfTheRealLogParses) {
    std::string text = slurp(fixture("real_1.22.1_error.log"));
    ASSERT_FALSE(text.empty()) << "missing fixture; run tests/fixtures/nginx/capture.py";
    std::vector<record> recs = read_all(fixture("real_1.22.1_error.log"));
    size_t lines = split(text, '\n').size();
    size_t stamped = 0;
    for (const auto& l : split(text, '\n')) stamped += starts_with_nginx_stamp(l);
    ASSERT_EQ(recs.size(), stamped);  // one entry per stamped line, continuations inside
    size_t covered = 0;
    for (const auto& r : recs) {
        EXPECT_EQ(r.result, match::yes) << r.text;
        covered += 1 + r.continuation_lines;
    }
    EXPECT_EQ(covered, lines);
}

TEST(NginxReal, EachCaseGivesItsFailure) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    std::vector<record> recs = read_all(fixture("real_1.22.1_error.log"));
    std::vector<std::string> cases = split(slurp(fixture("real_1.22.1_cases.txt")), '\n');
    ASSERT_EQ(cases.size(), std::size(k_expected));
    for (const auto& c : cases) {
        std::vector<std::string> col = split(c, '\t');
        ASSERT_GE(col.size(), 3u) << c;
        const std::string& name = col[0];
        const std::string request = "GET " + col[1] + " HTTP/1.1";
        const std::string& host_header = col[2];
        const expectation* exp = nullptr;
        for (const auto& e : k_expected)
            if (e.name == name) exp = &e;
        ASSERT_NE(exp, nullptr) << name;
        int lines = 0, failures = 0;
        for (const auto& r : recs) {
            if (r.request != request) continue;
            ++lines;
            EXPECT_EQ(r.client, "127.0.0.1") << name;
            EXPECT_EQ(r.server, "app.example.com") << name;
            EXPECT_EQ(r.host, host_header) << name << ": " << r.text;
            EXPECT_GT(r.connection, 0u);
            if (!r.failure) continue;
            ++failures;
            SCOPED_TRACE(name + ": " + r.text);
            EXPECT_EQ(r.f.kind, exp->kind);
            EXPECT_EQ(r.f.phase, exp->phase);
            EXPECT_EQ(r.f.err, exp->err);
            EXPECT_EQ(r.addr.kind, exp->via);
            if (exp->via == transport::unix_socket) {
                EXPECT_EQ(last_component(r.addr_path), exp->host);
                EXPECT_EQ(r.addr_path.rfind("/tmp/why502-nginx-", 0), 0u) << r.addr_path;
            } else {
                EXPECT_EQ(r.addr_host, exp->host);
                if (exp->port != -2) {
                    EXPECT_EQ(r.addr.port, exp->port);
                }
            }
            if (exp->kind == fk::resolve_failed) {
                EXPECT_EQ(r.resolve_name, "nosuch.example.invalid");
                EXPECT_EQ(r.f.code, 110);
                EXPECT_TRUE(r.upstream.empty());
            }
        }
        EXPECT_GT(lines, 0) << name << " has no line";
        if (exp->failure) {
            EXPECT_GT(failures, 0) << name;
        } else {
            EXPECT_EQ(failures, 0) << name;
        }
    }
}

TEST(NginxReal, PoolFailuresThenNoLiveUpstreams) {
    std::vector<record> recs = read_all(fixture("real_1.22.1_error.log"));
    std::vector<int> ports;
    bool no_live = false;
    for (const auto& r : recs) {
        if (!r.failure) continue;
        if (r.request == "GET /pool/a HTTP/1.1") ports.push_back(r.addr.port);
        if (r.request == "GET /pool/b HTTP/1.1") {
            no_live = r.f.kind == fk::no_live;
            EXPECT_EQ(r.upstream, "http://backend_pool/pool/b");
        }
    }
    EXPECT_EQ(ports, (std::vector<int>{18419, 18418}));
    EXPECT_TRUE(no_live);
}

TEST(NginxReal, SyslogCopyMatchesTheFile) {
    std::vector<record> file = read_all(fixture("real_1.22.1_error.log"));
    std::vector<record> sys = read_all(fixture("real_1.22.1_syslog.txt"));
    ASSERT_FALSE(sys.empty());
    // The syslog copy is the file's entries in order, minus the master's last words
    // (NGINX closes the syslog socket before "exit").
    size_t i = 0, matched = 0;
    for (const auto& s : sys) {
        ASSERT_EQ(s.result, match::yes) << s.text;
        while (i < file.size() && file[i].text != s.text) ++i;
        ASSERT_LT(i, file.size()) << "not in the file log: " << s.text;
        const record& f = file[i];
        EXPECT_EQ(s.message, f.message);
        EXPECT_EQ(s.upstream, f.upstream);
        EXPECT_EQ(s.utc_ms, f.utc_ms);
        EXPECT_EQ(s.failure, f.failure);
        EXPECT_EQ(s.continuation_lines, f.continuation_lines);
        ++matched;
        ++i;
    }
    EXPECT_GE(matched + 1, file.size());
}
