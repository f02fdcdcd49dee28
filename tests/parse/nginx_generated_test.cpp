// The shared benchmark generator (../shared/bench/gen_nginx.py) writes an error log and
// its own ground-truth counts; the parser and classifier must find exactly those. Skipped
// when the generator or python3 is not there.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "parse/nginx_wrap.hpp"

using namespace why502::parse;
namespace fs = std::filesystem;

TEST(NginxGenerated, CountsMatchTheGeneratorsGroundTruth) {
    fs::path gen = fs::path(WHY502_SOURCE_DIR) / ".." / "shared" / "bench" / "gen_nginx.py";
    if (!fs::exists(gen) || std::system("python3 -c '' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "no generator at " << gen;
    fs::path dir = fs::temp_directory_path() / ("why502-nginx-gen-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path log = dir / "error.log", stats = dir / "stats.json";
    std::string cmd = "python3 '" + gen.string() + "' -s 3M --seed 7 -o '" + log.string() + "' --stats '" +
                      stats.string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

    std::ifstream sin(stats);
    nlohmann::json truth = nlohmann::json::parse(sin);
    std::ifstream lin(log, std::ios::binary);
    std::stringstream ss;
    ss << lin.rdbuf();
    const std::string text = ss.str();
    fs::remove_all(dir);

    uint64_t lines = 0, yes = 0, refused_tcp = 0, denied_tcp = 0, denied_unix = 0, timed = 0, no_live = 0,
             connecting = 0, enoent = 0;
    std::map<std::string, uint64_t> by_level;
    std::string scratch;
    nginx_wrap_context ctx;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string_view raw(text.data() + pos, nl - pos);
        pos = nl + 1;
        ++lines;
        nginx_line l;
        wrap_info w;
        if (parse_wrapped_nginx_line(raw, scratch, ctx, l, w) != match::yes) continue;
        ++yes;
        ++by_level[std::string(level_name(l.level))];
        if (l.message.starts_with("open() ") && l.message.find("(2: ") != std::string_view::npos) ++enoent;
        upstream_failure f;
        if (!classify_upstream_failure(l, f)) continue;
        upstream_address a = parse_upstream_address(f.address);
        connecting += f.phase == failure_phase::connecting;
        bool connect = f.kind == failure_kind::connect_failed;
        refused_tcp += connect && f.err == 111 && a.kind == transport::tcp;
        denied_tcp += connect && f.err == 13 && a.kind == transport::tcp;
        denied_unix += connect && f.err == 13 && a.kind == transport::unix_socket;
        timed += f.kind == failure_kind::timed_out && f.err == 110;
        no_live += f.kind == failure_kind::no_live;
    }
    EXPECT_EQ(lines, truth["lines"].get<uint64_t>());
    EXPECT_EQ(yes, lines);
    for (auto& [level, n] : truth["by_level"].items()) EXPECT_EQ(by_level[level], n.get<uint64_t>()) << level;
    EXPECT_EQ(refused_tcp, truth["conn_refused_111"].get<uint64_t>());
    EXPECT_EQ(denied_tcp, truth["perm_denied_13_tcp"].get<uint64_t>());
    EXPECT_EQ(denied_unix, truth["perm_denied_13_unix"].get<uint64_t>());
    EXPECT_EQ(timed, truth["timed_out_110"].get<uint64_t>());
    EXPECT_EQ(no_live, truth["no_live_upstreams"].get<uint64_t>());
    EXPECT_EQ(connecting, truth["while_connecting_to_upstream"].get<uint64_t>());
    EXPECT_EQ(enoent, truth["open_enoent"].get<uint64_t>());
    EXPECT_GT(refused_tcp + denied_tcp + denied_unix, 0u);
}
