// Independent answers for the policy tests, from the tools an SELinux engineer would use
// by hand: seinfo and sesearch (setools), audit2why (libselinux's python binding on
// libsepol). Nothing here shares code with src/policy: the rules are parsed from the
// tools' text output and conditional expressions evaluated by a parser of their own.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/text.hpp"

namespace why502::test {

inline const std::string debian_policy = "/etc/selinux/default/policy/policy.33";

inline bool file_exists(const std::string& p) {
    FILE* f = std::fopen(p.c_str(), "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

inline bool have_tool(const std::string& tool) {
    std::string cmd = "command -v " + text::shell_quote(tool) + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

// Runs a shell command (words already quoted), returns its standard output.
inline std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
    if (p == nullptr) return out;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

// The output of a read-only query on a policy file, kept under the build tree: each
// setools run costs a second or more of start-up and ctest runs every test in its own
// process. The key names the command and the policy file's size and mtime, so a changed
// policy is asked again.
inline std::string run_cached(const std::string& cmd, const std::string& policy) {
    struct stat st {};
    if (::stat(policy.c_str(), &st) != 0) return run(cmd);
    std::string key = cmd + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtime);
    std::string dir = std::string(WHY502_BINARY_DIR) + "/tests/oracle-cache";
    std::string file = dir + "/" + std::to_string(std::hash<std::string>{}(key));
    if (FILE* f = std::fopen(file.c_str(), "rb")) {
        std::string out;
        char buf[8192];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        std::fclose(f);
        // The first line repeats the key, so a hash collision is a miss.
        auto nl = out.find('\n');
        if (nl != std::string::npos && out.compare(0, nl, key) == 0) return out.substr(nl + 1);
    }
    std::string out = run(cmd);
    if (out.empty()) return out;  // a failed run is not an answer to keep
    ::mkdir(dir.c_str(), 0755);
    std::string tmp = file + ".tmp." + std::to_string(::getpid());
    if (FILE* f = std::fopen(tmp.c_str(), "wb")) {
        std::fwrite(key.data(), 1, key.size(), f);
        std::fputc('\n', f);
        std::fwrite(out.data(), 1, out.size(), f);
        std::fclose(f);
        std::rename(tmp.c_str(), file.c_str());
    }
    return out;
}

inline std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
}

inline std::vector<std::string> words_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

// `seinfo -b -x`: boolean -> default value.
inline std::map<std::string, bool> seinfo_booleans(const std::string& policy) {
    std::map<std::string, bool> out;
    for (auto& l : lines_of(run_cached("seinfo -b -x " + text::shell_quote(policy), policy))) {
        auto w = words_of(l);
        if (w.size() == 3 && w[0] == "bool") out[w[1]] = w[2].rfind("true", 0) == 0;
    }
    return out;
}

// `seinfo -a -x`: attribute -> member types.
inline std::map<std::string, std::set<std::string>> seinfo_attributes(const std::string& policy) {
    std::map<std::string, std::set<std::string>> out;
    std::string current;
    for (auto& l : lines_of(run_cached("seinfo -a -x " + text::shell_quote(policy), policy))) {
        auto w = words_of(l);
        if (w.size() == 2 && w[0] == "attribute") {
            current = w[1];
            if (!current.empty() && current.back() == ';') current.pop_back();
            out[current];
        } else if (w.size() == 1 && !current.empty() && l.find('\t') != std::string::npos) {
            out[current].insert(w[0]);
        }
    }
    return out;
}

// One `seinfo --portcon=N` record.
struct portcon_record {
    std::string proto;
    int low = 0, high = 0;
    std::string type;
};

inline std::vector<portcon_record> seinfo_portcon(const std::string& policy, int port) {
    std::vector<portcon_record> out;
    for (auto& l : lines_of(run_cached(
             "seinfo --portcon=" + std::to_string(port) + " " + text::shell_quote(policy), policy))) {
        auto w = words_of(l);
        if (w.size() != 4 || w[0] != "portcon") continue;
        portcon_record r;
        r.proto = w[1];
        auto dash = w[2].find('-');
        r.low = std::stoi(w[2].substr(0, dash));
        r.high = dash == std::string::npos ? r.low : std::stoi(w[2].substr(dash + 1));
        // user:role:type:level
        auto c1 = w[3].find(':'), c2 = w[3].find(':', c1 + 1), c3 = w[3].find(':', c2 + 1);
        r.type = w[3].substr(c2 + 1, c3 - c2 - 1);
        out.push_back(r);
    }
    return out;
}

// A conditional expression as sesearch prints it ("( a && b )", "! a", "a"), evaluated
// by precedence climbing: ! > == != > ^ > && > ||.
class cond_eval {
public:
    cond_eval(const std::vector<std::string>& tokens, const std::map<std::string, bool>& values)
        : t_(tokens), v_(values) {}
    std::optional<bool> value() {
        auto r = parse_or();
        if (!ok_ || pos_ != t_.size()) return std::nullopt;
        return r;
    }

private:
    bool parse_or() {
        bool l = parse_and();
        while (peek("||")) {
            ++pos_;
            bool r = parse_and();
            l = l || r;
        }
        return l;
    }
    bool parse_and() {
        bool l = parse_xor();
        while (peek("&&")) {
            ++pos_;
            bool r = parse_xor();
            l = l && r;
        }
        return l;
    }
    bool parse_xor() {
        bool l = parse_eq();
        while (peek("^")) {
            ++pos_;
            bool r = parse_eq();
            l = l != r;
        }
        return l;
    }
    bool parse_eq() {
        bool l = parse_not();
        while (peek("==") || peek("!=")) {
            bool eq = t_[pos_++] == "==";
            bool r = parse_not();
            l = eq ? l == r : l != r;
        }
        return l;
    }
    bool parse_not() {
        if (peek("!")) {
            ++pos_;
            return !parse_not();
        }
        if (peek("(")) {
            ++pos_;
            bool r = parse_or();
            if (!peek(")"))
                ok_ = false;
            else
                ++pos_;
            return r;
        }
        if (pos_ >= t_.size()) {
            ok_ = false;
            return false;
        }
        auto it = v_.find(t_[pos_++]);
        if (it == v_.end()) {
            ok_ = false;
            return false;
        }
        return it->second;
    }
    bool peek(std::string_view s) const { return pos_ < t_.size() && t_[pos_] == s; }

    const std::vector<std::string>& t_;
    const std::map<std::string, bool>& v_;
    size_t pos_ = 0;
    bool ok_ = true;
};

// One `sesearch -A` line: allow SRC TGT:CLASS PERMS; [ EXPR ]:True|False
struct te_rule {
    std::string source, target, tclass;
    std::set<std::string> perms;
    std::vector<std::string> expr;  // tokens; empty when unconditional
    bool branch = true;

    bool enabled(const std::map<std::string, bool>& values) const {
        if (expr.empty()) return true;
        auto v = cond_eval(expr, values).value();
        return v && *v == branch;
    }
};

inline std::vector<te_rule> parse_sesearch(const std::string& output) {
    std::vector<te_rule> out;
    for (auto& l : lines_of(output)) {
        auto w = words_of(l);
        if (w.size() < 4 || w[0] != "allow") continue;
        te_rule r;
        r.source = w[1];
        auto colon = w[2].find(':');
        r.target = w[2].substr(0, colon);
        r.tclass = w[2].substr(colon + 1);
        size_t i = 3;
        auto strip = [](std::string s) {
            if (!s.empty() && s.back() == ';') s.pop_back();
            return s;
        };
        if (w[i] == "{") {
            for (++i; i < w.size() && w[i] != "};" && w[i] != "}"; ++i) r.perms.insert(w[i]);
            ++i;
        } else {
            r.perms.insert(strip(w[i++]));
        }
        if (i < w.size() && w[i] == "[") {
            for (++i; i < w.size() && w[i].rfind("]", 0) != 0; ++i) r.expr.push_back(w[i]);
            if (i < w.size()) r.branch = w[i].find("True") != std::string::npos;
        }
        out.push_back(r);
    }
    return out;
}

inline std::vector<te_rule> sesearch(const std::string& policy, const std::string& args) {
    return parse_sesearch(run_cached("sesearch -A " + args + " " + text::shell_quote(policy), policy));
}

// The types a rule's source or target name stands for.
inline std::set<std::string> expand(const std::string& name,
                                    const std::map<std::string, std::set<std::string>>& attrs) {
    auto it = attrs.find(name);
    if (it != attrs.end()) return it->second;
    return {name};
}

// Whether a rule's source or target name covers `type` (itself or an attribute of it).
inline bool stands_for(const std::string& name, const std::string& type,
                       const std::map<std::string, std::set<std::string>>& attrs) {
    if (name == type) return true;
    auto it = attrs.find(name);
    return it != attrs.end() && it->second.count(type) != 0;
}

// Is (s, t, c, perm) allowed by `rules` under `values`?
inline bool rules_allow(const std::vector<te_rule>& rules, const std::string& s, const std::string& t,
                        const std::string& c, const std::string& perm,
                        const std::map<std::string, std::set<std::string>>& attrs,
                        const std::map<std::string, bool>& values) {
    for (auto& r : rules)
        if (r.tclass == c && r.perms.count(perm) && stands_for(r.source, s, attrs) &&
            stands_for(r.target, t, attrs) && r.enabled(values))
            return true;
    return false;
}

// A rule with its source and target expanded to types (expand once, query often).
struct expanded_rule {
    te_rule rule;
    std::set<std::string> sources, targets;
};

inline std::vector<expanded_rule> expand_rules(const std::vector<te_rule>& rules,
                                               const std::map<std::string, std::set<std::string>>& attrs) {
    std::vector<expanded_rule> out;
    for (auto& r : rules) out.push_back({r, expand(r.source, attrs), expand(r.target, attrs)});
    return out;
}

// audit2why's boolean suggestions per denial, in input order: "setsebool -P NAME V".
inline std::vector<std::map<std::string, bool>> audit2why_booleans(const std::string& policy,
                                                                   const std::string& avc_file) {
    std::vector<std::map<std::string, bool>> out;
    auto text = run("audit2why -p " + text::shell_quote(policy) + " -i " + text::shell_quote(avc_file));
    for (auto& l : lines_of(text)) {
        if (l.rfind("type=AVC", 0) == 0) {
            out.emplace_back();
            continue;
        }
        auto w = words_of(l);
        // "# setsebool -P NAME 1"
        if (w.size() == 5 && w[0] == "#" && w[1] == "setsebool" && w[2] == "-P" && !out.empty())
            out.back()[w[3]] = w[4] == "1";
    }
    return out;
}

#define WHY502_REQUIRE_TOOLS(...)                                                             \
    do {                                                                                      \
        for (const char* tool_ : {__VA_ARGS__})                                               \
            if (!::why502::test::have_tool(tool_)) GTEST_SKIP() << tool_ << " not installed"; \
    } while (0)

#define WHY502_REQUIRE_DEBIAN_POLICY()                                                            \
    do {                                                                                          \
        if (!::why502::test::file_exists(::why502::test::debian_policy))                          \
            GTEST_SKIP() << ::why502::test::debian_policy << " missing (selinux-policy-default)"; \
    } while (0)

}  // namespace why502::test
