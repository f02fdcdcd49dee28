// The reader's chunk search dismisses most "upstream" hits without parsing: these
// tests fail if it ever drops a real failure line or lets a non-failure through, and
// if parallel chunks disagree with one thread.
#include "cli/read_inputs.hpp"

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <pty.h>
#include <thread>
#include <unistd.h>
#include <cstdlib>
#include <iterator>
#include <sys/wait.h>
#include <tuple>
#include <vector>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/time.hpp"

using namespace why502;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name, const std::string& text) {
    auto d = fs::temp_directory_path() / ("why502_cli_" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream(d / name, std::ios::binary) << text;
    return d / name;
}

uint64_t failures(const diagnose::evidence_store& s) {
    uint64_t n = 0;
    for (const auto& g : s.groups()) n += g.count;
    return n;
}

}  // namespace

TEST(read_error_log, keeps_failures_and_only_failures) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    const std::string ctx =
        ", client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:81/\", "
        "host: \"a\"";
    std::string log;
    // Failures, one per phrase the prefilter must recognise.
    log +=
        "2026/07/01 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to "
        "upstream" +
        ctx + "\n";
    log +=
        "2026/07/01 10:00:01 [error] 1#1: *2 upstream timed out (110: Connection timed out) while reading "
        "response header from upstream" +
        ctx + "\n";
    log +=
        "2026/07/01 10:00:02 [error] 1#1: *3 recv() failed (104: Connection reset by peer) while reading "
        "upstream" +
        ctx + "\n";
    log +=
        "2026/07/01 10:00:03 [error] 1#1: *4 upstream prematurely closed connection while reading response "
        "header from upstream" +
        ctx + "\n";
    log += "2026/07/01 10:00:04 [error] 1#1: *5 no live upstreams while connecting to upstream" + ctx + "\n";
    log +=
        "2026/07/01 10:00:05 [error] 1#1: *6 upstream sent too big header while reading response header from "
        "upstream" +
        ctx + "\n";
    log +=
        "2026/07/01 10:00:06 [error] 1#1: *7 backend.internal could not be resolved (3: Host not found), "
        "client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", host: \"a\"\n";
    // Not failures, though they hold "upstream" (often twice).
    log +=
        "2026/07/01 10:00:07 [warn] 1#1: *8 an upstream response is buffered to a temporary file "
        "/var/lib/nginx/tmp/1 while reading upstream" +
        ctx + "\n";
    log += "2026/07/01 10:00:08 [error] 1#1: *9 open() \"/x\" failed (2: No such file or directory)" + ctx +
           "\n";
    log +=
        "2026/07/01 10:00:09 [error] 1#1: *10 limiting requests, excess: 5.000 by zone \"api\"" + ctx + "\n";
    // The application's stderr relayed by FastCGI, even when its text looks like a failure.
    log +=
        "2026/07/01 10:00:10 [error] 1#1: *11 FastCGI sent in stderr: \"PHP message: db.internal could not "
        "be "
        "resolved (3: Host not found)\" while reading response header from upstream" +
        ctx + "\n";
    // A real failure whose request (client-controlled) holds the FastCGI words: kept.
    log +=
        "2026/07/01 10:00:11 [error] 1#1: *12 connect() failed (111: Connection refused) while connecting to "
        "upstream, client: 1.2.3.4, server: a, request: \"GET /FastCGI sent in stderr HTTP/1.1\", upstream: "
        "\"http://127.0.0.1:81/\", host: \"a\"\n";
    auto p = temp_file("mixed.log", log);
    diagnose::evidence_store store;
    cli::read_options o;
    o.workers = 0;
    auto r = cli::read_error_log(p.string(), 0, o, store);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->records, 8u);
    EXPECT_EQ(failures(store), 8u);
    EXPECT_EQ(r->lines, 12u);
}

// On the shared generator's log (when it is beside the repository), every count of its
// ground truth, with one thread and with chunks split across workers.
TEST(read_error_log, generated_log_matches_ground_truth_in_parallel) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    fs::path gen = fs::path(WHY502_SOURCE_DIR) / ".." / "shared" / "bench" / "gen_nginx.py";
    if (!fs::exists(gen)) GTEST_SKIP() << "generator not found at " << gen;
    auto dir = temp_file("x", "").parent_path();
    std::string cmd = "python3 " + gen.string() + " -s 3M --seed 5 -o " + (dir / "gen.log").string() +
                      " --stats " + (dir / "gen.json").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto truth = nlohmann::json::parse(std::ifstream(dir / "gen.json"));
    uint64_t want = truth["perm_denied_13_upstream"].get<uint64_t>() +
                    truth["timed_out_110"].get<uint64_t>() + truth["no_live_upstreams"].get<uint64_t>();
    std::vector<uint64_t> first_lines;  // the errno-13 lines, which must not depend on how the file was cut
    for (auto [workers, map] : {std::pair{0u, ingest::mapping::never},
                                {2u, ingest::mapping::never},
                                {0u, ingest::mapping::always},
                                {2u, ingest::mapping::always}}) {
        diagnose::evidence_store store;
        cli::read_options o;
        o.workers = workers;
        o.map = map;
        o.chunk_bytes = 256 << 10;  // a dozen pieces, lines across their edges
        auto r = cli::read_error_log((dir / "gen.log").string(), 0, o, store);
        ASSERT_TRUE(r.ok());
        uint64_t e13 = 0, timeouts = 0, no_live = 0, refused_tcp = 0;
        for (const auto& g : store.groups()) {
            if (g.err == 13) e13 += g.count;
            if (g.kind == parse::failure_kind::timed_out) timeouts += g.count;
            if (g.kind == parse::failure_kind::no_live) no_live += g.count;
            if (g.err == 111 && g.transport == "tcp") refused_tcp += g.count;
        }
        EXPECT_EQ(e13, truth["perm_denied_13_upstream"].get<uint64_t>()) << workers;
        EXPECT_EQ(timeouts, truth["timed_out_110"].get<uint64_t>()) << workers;
        EXPECT_EQ(no_live, truth["no_live_upstreams"].get<uint64_t>()) << workers;
        EXPECT_EQ(refused_tcp, truth["conn_refused_111"].get<uint64_t>()) << workers;
        EXPECT_EQ(store.candidates().size(), e13) << workers;
        EXPECT_GE(r->records, want);
        EXPECT_EQ(r->lines, truth["lines"].get<uint64_t>());
        std::vector<uint64_t> lines;
        for (const auto& c : store.candidates()) lines.push_back(c.line);
        std::sort(lines.begin(), lines.end());
        if (first_lines.empty()) first_lines = lines;
        EXPECT_EQ(lines, first_lines)
            << "workers " << workers << " mapped " << (map == ingest::mapping::always);
        // Every candidate's line number points at an errno-13 line of the file.
        std::ifstream in(dir / "gen.log");
        std::string l;
        uint64_t n = 0;
        size_t k = 0;
        while (k < lines.size() && std::getline(in, l))
            if (++n == lines[k]) {
                EXPECT_NE(l.find("(13: Permission denied)"), std::string::npos) << n;
                ++k;
            }
        EXPECT_EQ(k, lines.size());
    }
}

// The audit reader gives the same denials, on the same lines, whether the file is read
// or mapped, in one piece or many, by one worker or two: the generator's ground truth.
TEST(read_audit_log, generated_log_same_denials_however_it_is_cut) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    fs::path gen = fs::path(WHY502_SOURCE_DIR) / ".." / "shared" / "bench" / "gen_audit.py";
    if (!fs::exists(gen)) GTEST_SKIP() << "generator not found at " << gen;
    auto dir = temp_file("y", "").parent_path();
    std::string cmd = "python3 " + gen.string() + " -s 4M --seed 7 -o " + (dir / "audit.log").string() +
                      " --stats " + (dir / "audit.json").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto truth = nlohmann::json::parse(std::ifstream(dir / "audit.json"));
    std::vector<std::string> file_lines;
    {
        std::ifstream in(dir / "audit.log");
        for (std::string l; std::getline(in, l);) file_lines.push_back(l);
    }
    std::vector<std::pair<uint64_t, std::string>> first;  // (line, text) of every sample kept
    uint64_t first_refs = 0;
    for (auto [workers, map, chunk] : {std::tuple{0u, ingest::mapping::never, size_t{4} << 20},
                                       {2u, ingest::mapping::never, size_t{256} << 10},
                                       {0u, ingest::mapping::always, size_t{256} << 10},
                                       {2u, ingest::mapping::always, size_t{64} << 10}}) {
        diagnose::evidence_store store;
        cli::read_options o;
        o.workers = workers;
        o.map = map;
        o.chunk_bytes = chunk;
        auto r = cli::read_audit_log((dir / "audit.log").string(), 0, o, store);
        ASSERT_TRUE(r.ok());
        SCOPED_TRACE(
            fmt::format("workers {} mapped {} chunk {}", workers, map == ingest::mapping::always, chunk));
        EXPECT_EQ(r->lines, truth["records"].get<uint64_t>());
        // Denial records: AVC (every domain) and USER_AVC.
        EXPECT_EQ(r->records,
                  truth["avc_records"].get<uint64_t>() + truth["user_avc_denied"].get<uint64_t>());
        uint64_t nginx_avc = 0;
        std::vector<std::pair<uint64_t, std::string>> samples;
        for (const auto& g : store.denial_groups()) {
            nginx_avc += g.count;
            for (const auto& sm : g.samples.items()) samples.push_back({sm.line, sm.text});
        }
        std::sort(samples.begin(), samples.end());
        for (const auto& [line, text] : samples) {
            ASSERT_GE(line, 1u);
            ASSERT_LE(line, file_lines.size());
            EXPECT_EQ(file_lines[line - 1], text) << "line " << line;
        }
        if (first.empty()) {
            first = samples;
            first_refs = store.denial_refs().size();
        }
        EXPECT_EQ(samples, first);
        EXPECT_EQ(store.denial_refs().size(), first_refs);
        EXPECT_GT(nginx_avc, 0u);
    }
}

// The whole program gives the same report with one worker or several, the files read
// or mapped: nothing in the output may depend on how the work was split.
TEST(whole_program, same_report_however_the_work_is_split) {
    fs::path gen_n = fs::path(WHY502_SOURCE_DIR) / ".." / "shared" / "bench" / "gen_nginx.py";
    fs::path gen_a = fs::path(WHY502_SOURCE_DIR) / ".." / "shared" / "bench" / "gen_audit.py";
    if (!fs::exists(gen_n) || !fs::exists(gen_a)) GTEST_SKIP() << "generators not found";
    auto dir = temp_file("z", "").parent_path();
    // 20 MB each: large enough to be mapped (16 MiB and more) and cut into pieces.
    ASSERT_EQ(std::system(("python3 " + gen_n.string() + " -s 20M --seed 3 -o " + (dir / "e.log").string() +
                           " 2>/dev/null")
                              .c_str()),
              0);
    ASSERT_EQ(std::system(("python3 " + gen_a.string() + " -s 20M --seed 3 -o " + (dir / "a.log").string() +
                           " 2>/dev/null")
                              .c_str()),
              0);
    auto run = [&](const std::string& jobs, const std::string& out, const std::string& format = "json") {
        std::string cmd = std::string(WHY502_BINARY_DIR) + "/why502 -j " + jobs + " --error-log " +
                          (dir / "e.log").string() + " --audit-log " + (dir / "a.log").string() +
                          " --tz UTC --policy /etc/selinux/default/policy/policy.33 --format " + format +
                          " > " + (dir / out).string();
        int rc = std::system(cmd.c_str());
        EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) <= 1) << cmd;
        std::ifstream in(dir / out);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    std::string one = run("1", "j1.json");
    ASSERT_GT(one.size(), 1000u);
    EXPECT_EQ(run("2", "j2.json"), one);
    EXPECT_EQ(run("3", "j3.json"), one);
    // The HTML report also has the timelines (times of failures and denials).
    std::string html = run("1", "j1.html", "html");
    ASSERT_NE(html.find("class=\"tick failure\""), std::string::npos);
    EXPECT_EQ(run("3", "j3.html", "html"), html);
}

namespace {

// Runs why502 on an error log fed through a pipe slowly (`pieces` writes of 256 KiB,
// `pause_ms` apart), its standard error a pseudo-terminal or a pipe; returns what it
// wrote there.
std::string stderr_of_slow_read(bool terminal, int pieces, int pause_ms, const std::string& audit_log = "") {
    int in[2], err[2] = {-1, -1};
    if (pipe(in) != 0 || (!terminal && pipe(err) != 0)) return "pipe failed";
    int master = -1;
    pid_t pid = terminal ? forkpty(&master, nullptr, nullptr, nullptr) : fork();
    if (pid < 0) return "no pty";
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[1]);
        if (!terminal) dup2(err[1], 2);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        std::string bin = std::string(WHY502_BINARY_DIR) + "/why502";
        if (audit_log.empty())
            execl(bin.c_str(), "why502", "--error-log", "-", "--tz", "UTC", "--format", "json", nullptr);
        else
            execl(bin.c_str(), "why502", "--error-log", "-", "--audit-log", audit_log.c_str(), "--tz", "UTC",
                  "--format", "json", nullptr);
        _exit(127);
    }
    close(in[0]);
    int from = terminal ? master : err[0];
    if (!terminal) close(err[1]);
    std::thread writer([&] {
        std::string line =
            "2026/06/27 10:14:02 [error] 2841#2841: *1 connect() failed (111: Connection refused) while "
            "connecting to upstream, client: 10.0.0.1, server: a, request: \"GET / HTTP/1.1\", upstream: "
            "\"http://127.0.0.1:9000/\", host: \"a\"\n";
        std::string piece;
        while (piece.size() < (256u << 10)) piece += line;
        for (int i = 0; i < pieces; ++i) {
            for (size_t off = 0; off < piece.size();) {
                ssize_t w = write(in[1], piece.data() + off, piece.size() - off);
                if (w <= 0) break;
                off += static_cast<size_t>(w);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        }
        close(in[1]);
    });
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(from, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    writer.join();
    close(from);
    int status = 0;
    waitpid(pid, &status, 0);
    return out;
}

}  // namespace

// Reading that takes more than a second shows a bar (bytes and rate) on a terminal, one
// for all inputs, and nothing when standard error is not one.
TEST(whole_program, progress_on_a_terminal_when_reading_is_slow) {
    const std::string tty = stderr_of_slow_read(true, 8, 200);
    if (tty == "no pty") GTEST_SKIP() << "no pseudo-terminal here";
    EXPECT_NE(tty.find("\r\x1b[K"), std::string::npos) << tty;
    EXPECT_NE(tty.find(" MB/s"), std::string::npos) << tty;
    const std::string pipe_err = stderr_of_slow_read(false, 8, 200);
    EXPECT_EQ(pipe_err.find("MB/s"), std::string::npos) << pipe_err;
    EXPECT_EQ(pipe_err.find('\r'), std::string::npos) << pipe_err;
    // One bar for all the inputs read at once.
    const auto audit =
        temp_file("progress_audit.log",
                  "type=AVC msg=audit(1782555242.115:1): avc:  denied  { name_connect } for  "
                  "pid=1 comm=\"nginx\" dest=3000 scontext=system_u:system_r:httpd_t:s0 "
                  "tcontext=system_u:object_r:ntop_port_t:s0 tclass=tcp_socket permissive=0\n");
    const std::string two = stderr_of_slow_read(true, 8, 200, audit.string());
    EXPECT_NE(two.find(" MB/s"), std::string::npos) << two;
    // Fast reading draws nothing, even on a terminal.
    const std::string fast = stderr_of_slow_read(true, 2, 0);
    EXPECT_EQ(fast.find("MB/s"), std::string::npos) << fast;
}
