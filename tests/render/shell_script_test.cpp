// The fix script is run for real, by /bin/sh, with stub SELinux tools first on a PATH
// that holds nothing else: the stubs record their argv (NUL-separated) and keep just
// enough state (booleans, port and file-context records, modules) for the script's
// checks to see what an earlier run changed.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <vector>

#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

namespace fs = std::filesystem;
using argv_t = std::vector<std::string>;

constexpr const char* stub_prologue = R"sh(#!/bin/sh
printf '%s\0' "${0##*/}" "$@" >> "$WHY502_CALLS"
printf '\n' >> "$WHY502_CALLS"
S=$WHY502_STATE
)sh";

// name -> body (after the prologue).
const std::vector<std::pair<std::string, std::string>> stubs = {
    {"getsebool", R"sh(if [ -f "$S/bool_$1" ] && [ "$(/usr/bin/cat "$S/bool_$1")" = 1 ]; then
    printf '%s --> on\n' "$1"
else
    printf '%s --> off\n' "$1"
fi
)sh"},
    {"setsebool", R"sh([ "$1" = -P ] || exit 3
printf '%s' "$3" > "$S/bool_$2"
)sh"},
    {"semanage", R"sh(kind=$1; op=$2
for a; do last=$a; done
case "$kind $op" in
"port -l") /usr/bin/cat "$S/ports" ;;
"port -a")
    # -a fails only when a record for exactly this port exists (any type).
    if /usr/bin/awk -v p="$last" '{ for (i = 3; i <= NF; i++) { v = $i; sub(/,$/, "", v); if (v == p) found = 1 } }
                                  END { exit !found }' "$S/ports"; then
        printf 'ValueError: Port tcp/%s already defined\n' "$last" >&2; exit 1
    fi
    printf '%s tcp %s\n' "$4" "$last" >> "$S/ports" ;;
"port -m") printf '%s tcp %s\n' "$4" "$last" >> "$S/ports" ;;
"fcontext -l") /usr/bin/cat "$S/fcontexts" ;;
"fcontext -a"|"fcontext -m") printf '%s socket system_u:object_r:%s:s0\n' "$last" "$4" >> "$S/fcontexts" ;;
*) exit 4 ;;
esac
)sh"},
    {"restorecon", ""},
    {"semodule", R"sh(case "$1" in
-l) /usr/bin/cat "$S/modules" ;;
-i) n=${2##*/}; printf '%s\n' "${n%.pp}" >> "$S/modules" ;;
*) exit 4 ;;
esac
)sh"},
    {"checkmodule", R"sh(for a; do last=$a; done
/usr/bin/cp "$last" "$S/te_seen"
while [ $# -gt 0 ]; do [ "$1" = -o ] && { : > "$2"; break; }; shift; done
)sh"},
    {"semodule_package", R"sh(while [ $# -gt 0 ]; do [ "$1" = -o ] && { : > "$2"; break; }; shift; done
)sh"},
};

// Plain utilities the script may use, logged and passed to the real program.
const std::vector<std::string> passthrough = {"grep", "awk", "mktemp", "cat", "rm"};

struct sandbox {
    fs::path dir = testing::make_temp_dir("sh");
    fs::path bin = dir / "bin", state = dir / "state", calls = dir / "calls";

    sandbox() {
        fs::create_directories(bin);
        fs::create_directories(state);
        testing::write_file(state / "ports",
                            "http_port_t tcp 80, 81, 443, 488, 8008, 8009, 8443, 9000\n"
                            "http_cache_port_t tcp 8080, 8118, 8123, 10001-10010\n"
                            "ntop_port_t tcp 3000-3001\n");
        testing::write_file(state / "fcontexts",
                            "/srv/www(/.*)? all files system_u:object_r:httpd_sys_content_t:s0\n");
        testing::write_file(state / "modules", "apache\n");
        for (const auto& [name, body] : stubs) install(name, std::string(stub_prologue) + body);
        for (const auto& name : passthrough) {
            auto real = testing::run("command -v " + name).output;
            while (!real.empty() && real.back() == '\n') real.pop_back();
            install(name, std::string(stub_prologue) + "exec " + testing::q(real) + " \"$@\"\n");
        }
    }
    ~sandbox() { fs::remove_all(dir); }

    void install(const std::string& name, const std::string& text) {
        testing::write_file(bin / name, text);
        fs::permissions(bin / name, fs::perms::owner_all);
    }

    testing::run_result run_script(const std::string& script) {
        testing::write_file(dir / "fix.sh", script);
        fs::remove(calls);
        return testing::run("env -i PATH=" + testing::q(bin) + " WHY502_CALLS=" + testing::q(calls) +
                            " WHY502_STATE=" + testing::q(state) + " /bin/sh " + testing::q(dir / "fix.sh"));
    }

    std::vector<argv_t> recorded() const {
        std::vector<argv_t> out;
        std::string log = testing::read_file(calls);
        argv_t cur;
        size_t i = 0;
        while (i < log.size()) {
            if (log[i] == '\n') {  // end of one call
                out.push_back(std::move(cur));
                cur.clear();
                ++i;
                continue;
            }
            size_t nul = log.find('\0', i);
            if (nul == std::string::npos) break;
            cur.push_back(log.substr(i, nul - i));
            i = nul + 1;
        }
        return out;
    }

    // The calls that change the system (what an operator must review).
    std::vector<argv_t> changes() const {
        std::vector<argv_t> out;
        for (auto& a : recorded()) {
            if (a.empty()) continue;
            bool change = a[0] == "setsebool" || a[0] == "restorecon" || a[0] == "checkmodule" ||
                          a[0] == "semodule_package" ||
                          (a[0] == "semodule" && a.size() > 1 && a[1] == "-i") ||
                          (a[0] == "semanage" && a.size() > 2 && a[2] != "-l");
            if (change) out.push_back(a);
        }
        return out;
    }
};

std::set<std::string> programs(const std::vector<argv_t>& calls) {
    std::set<std::string> out;
    for (const auto& a : calls)
        if (!a.empty()) out.insert(a[0]);
    return out;
}

testing::run_result syntax_check(const std::string& script, const std::string& shell) {
    auto dir = testing::make_temp_dir("shn");
    testing::write_file(dir / "fix.sh", script);
    auto r = testing::run(shell + " -n " + testing::q(dir / "fix.sh"));
    fs::remove_all(dir);
    return r;
}

TEST(ShellScript, SyntaxOfEveryShape) {
    for (const auto& d :
         {samples::typical(), samples::every_cause(), samples::hostile(), diagnose::diagnosis{}}) {
        for (bool all : {false, true}) {
            std::string s = render::shell_script(d, {.all_fixes = all});
            EXPECT_TRUE(s.starts_with("#!/bin/sh\n"));
            EXPECT_NE(s.find("\nset -eu\n"), std::string::npos);
            EXPECT_EQ(testing::first_raw_control(s), std::string::npos)
                << "at " << testing::first_raw_control(s);
            auto r = syntax_check(s, "/bin/sh");
            EXPECT_EQ(r.status, 0) << r.output << s;
            r = syntax_check(s, "/bin/bash --posix");
            EXPECT_EQ(r.status, 0) << r.output;
        }
    }
}

TEST(ShellScript, AppliesLeastPrivilegeFixesOnceWithLiteralArguments) {
    sandbox sb;
    auto d = samples::typical();
    auto r = sb.run_script(render::shell_script(d, {}));
    ASSERT_EQ(r.status, 0) << r.output;
    std::vector<argv_t> expected = {
        {"semanage", "port", "-a", "-t", "http_port_t", "-p", "tcp", "3000"},
        {"setsebool", "-P", "httpd_can_network_relay", "1"},
        {"semanage", "fcontext", "-a", "-t", "httpd_var_run_t", "-f", "s", "/srv/app/run/app\\.sock"},
        {"restorecon", "-v", "/srv/app/run/app.sock"},
        {"semanage", "port", "-a", "-t", "http_port_t", "-p", "tcp", "18080"},
    };
    EXPECT_EQ(sb.changes(), expected);
    EXPECT_EQ(programs(sb.recorded()),
              (std::set<std::string>{"awk", "getsebool", "grep", "restorecon", "semanage", "setsebool"}));
    // Manual steps and verification are printed, not run.
    EXPECT_NE(r.output.find("manual step: See what listens on the port"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  $ ss -ltnp 'sport = :8080'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  $ curl -sS -o /dev/null -w '%{http_code}' http://app.example.com/api/"),
              std::string::npos);

    // Idempotent: the second run finds every change made (restorecon is itself idempotent).
    r = sb.run_script(render::shell_script(d, {}));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(sb.changes(), (std::vector<argv_t>{{"restorecon", "-v", "/srv/app/run/app.sock"}}));
}

TEST(ShellScript, AlternativesStayCommentedOut) {
    sandbox sb;
    auto d = samples::typical();
    std::string s = render::shell_script(d, {.all_fixes = true});
    EXPECT_NE(s.find("# getsebool httpd_can_network_connect | grep -q ' on$' || setsebool -P "
                     "httpd_can_network_connect 1"),
              std::string::npos)
        << s;
    auto r = sb.run_script(s);
    ASSERT_EQ(r.status, 0) << r.output;
    for (const auto& a : sb.changes())
        for (const auto& w : a) EXPECT_NE(w, "httpd_can_network_connect") << "an alternative ran";
}

TEST(ShellScript, PortRecordsDecideAddOrModify) {
    sandbox sb;
    diagnose::diagnosis d;
    auto port_fix = [](const std::string& port, const std::string& action) {
        diagnose::finding f = samples::permissive_finding();
        f.fixes[0].changes = {{"seport", {{"ports", port}, {"proto", "tcp"}, {"setype", "http_port_t"}}}};
        if (!action.empty()) f.fixes[0].changes[0].args["action"] = action;
        return f;
    };
    d.findings = {port_fix("8080", ""),        // exact record as http_cache_port_t: -a fails, then -m
                  port_fix("8", ""),           // "80" in the list is not 8
                  port_fix("443", ""),         // already http_port_t: nothing to do
                  port_fix("9000", "modify"),  // already listed under http_port_t: nothing
                  port_fix("10005", "modify"), port_fix("3002-3003", "add")};
    auto r = sb.run_script(render::shell_script(d, {}));
    ASSERT_EQ(r.status, 0) << r.output;
    std::vector<argv_t> expected = {
        {"semanage", "port", "-a", "-t", "http_port_t", "-p", "tcp", "8080"},
        {"semanage", "port", "-m", "-t", "http_port_t", "-p", "tcp", "8080"},
        {"semanage", "port", "-a", "-t", "http_port_t", "-p", "tcp", "8"},
        {"semanage", "port", "-m", "-t", "http_port_t", "-p", "tcp", "10005"},
        {"semanage", "port", "-a", "-t", "http_port_t", "-p", "tcp", "3002-3003"},
    };
    EXPECT_EQ(sb.changes(), expected);
    r = sb.run_script(render::shell_script(d, {}));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(sb.changes().empty()) << "second run changes nothing";
}

TEST(ShellScript, HostileStringsReachToolsAsLiteralWordsAndRunNothingElse) {
    sandbox sb;
    fs::path canary = sb.dir / "CANARY";
    auto d = samples::hostile(canary.string());
    for (bool all : {false, true}) {
        std::string s = render::shell_script(d, {.all_fixes = all});
        auto r = sb.run_script(s);
        ASSERT_EQ(r.status, 0) << r.output << "\n" << s;
        EXPECT_FALSE(fs::exists(canary)) << "a substitution from the data ran";
        const std::string p = samples::hostile_path(canary.string());
        auto changes = sb.changes();
        if (!all) {
            ASSERT_GE(changes.size(), 5u) << s;
            EXPECT_EQ(changes[0],
                      (argv_t{"semanage", "fcontext", "-a", "-t", "httpd_var_run_t", "-f", "s", p}));
            EXPECT_EQ(changes[1], (argv_t{"restorecon", "-Rv", p}));
            // The local module went through the here-document byte for byte.
            EXPECT_EQ(changes[2][0], "checkmodule");
            EXPECT_EQ(changes[3][0], "semodule_package");
            EXPECT_EQ(changes[4][0], "semodule");
            // The second finding repeats the fix: made once, only restorecon runs again.
            ASSERT_EQ(changes.size(), 6u);
            EXPECT_EQ(changes[5], changes[1]);
            EXPECT_EQ(testing::read_file(sb.state / "te_seen"),
                      d.findings[0].fixes[0].changes.back().args.at("te"));
        }
        // Every program that ran is a stub or a plain utility; nothing named by the data.
        std::set<std::string> allowed = {"awk",      "grep",        "semanage",         "restorecon",
                                         "semodule", "checkmodule", "semodule_package", "mktemp",
                                         "cat",      "rm"};
        for (const auto& prog : programs(sb.recorded())) EXPECT_TRUE(allowed.count(prog)) << prog;
        for (const auto& a : changes)
            for (const auto& w : a) {
                EXPECT_EQ(w.find("x; "), std::string::npos) << "a rejected boolean name was used";
                EXPECT_NE(w, "relative/path");
            }
        EXPECT_NE(r.output.find("skipped an unsafe change"), std::string::npos);
        EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << "script output is terminal-safe";
    }
}

TEST(ShellScript, NothingToFix) {
    sandbox sb;
    auto r = sb.run_script(render::shell_script(diagnose::diagnosis{}, {}));
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("nothing to fix"), std::string::npos);
    EXPECT_TRUE(sb.recorded().empty());
}

}  // namespace
}  // namespace why502::render
