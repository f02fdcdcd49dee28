#include "parse/nginx_conf.hpp"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace why502::parse {

namespace {

// The directives that send a request to an upstream (one row each).
constexpr std::string_view pass_directives[] = {
    "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass",
};

// error_log destinations that are not files.
constexpr std::string_view non_file_logs[] = {"stderr", "syslog:", "memory:"};

bool is_pass(std::string_view name) {
    return std::find(std::begin(pass_directives), std::end(pass_directives), name) !=
           std::end(pass_directives);
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string join_path(std::string_view dir, std::string_view rel) {
    if (rel.empty()) return std::string(dir);
    if (rel.front() == '/') return std::string(rel);
    std::string out(dir);
    if (out.empty() || out.back() != '/') out += '/';
    out += rel;
    return out;
}

std::string dirname_of(const std::string& p) {
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return p.substr(0, slash);
}

bool use_root(const std::string& root) {
    return !root.empty() && root != "/";
}

std::string under_root(const std::string& root, const std::string& logical) {
    if (!use_root(root)) return logical;
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return r + (logical.empty() || logical.front() != '/' ? "/" : "") + logical;
}

std::string strip_root(const std::string& root, const std::string& real) {
    if (!use_root(root)) return real;
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    if (real.compare(0, r.size(), r) == 0 && (real.size() == r.size() || real[r.size()] == '/'))
        return real.size() == r.size() ? "/" : real.substr(r.size());
    return real;
}

bool has_glob_chars(std::string_view s) {
    return s.find_first_of("*?[") != std::string_view::npos;
}

result<std::string> read_whole(const std::string& path, size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return user_error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    std::string data;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        data.append(buf, static_cast<size_t>(in.gcount()));
        if (data.size() > max_bytes)
            return user_error{
                fmt::format("{}: larger than {} bytes, not an NGINX configuration", path, max_bytes)};
    }
    return data;
}

// Unescapes a word as ngx_conf_read_token copies it: \" \' \\ lose the backslash,
// \t \r \n become the control character, any other backslash stays.
std::string unescape_word(std::string_view w) {
    std::string out;
    out.reserve(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        if (w[i] == '\\' && i + 1 < w.size()) {
            char n = w[i + 1];
            if (n == '"' || n == '\'' || n == '\\') {
                out += n;
                ++i;
                continue;
            }
            if (n == 't' || n == 'r' || n == 'n') {
                out += n == 't' ? '\t' : n == 'r' ? '\r' : '\n';
                ++i;
                continue;
            }
        }
        out += w[i];
    }
    return out;
}

enum class token_end { directive, block_start, block_end, eof };

// One file's text, tokenized on demand.
struct lexer {
    std::string_view text;
    std::string file;
    size_t pos = 0;
    int line = 1;

    // Reads the words of one directive. On success `end` says what closed it.
    status next(std::vector<std::string>& words, int& start_line, token_end& end) {
        words.clear();
        start_line = line;
        bool last_space = true, need_space = false, quoted = false, variable = false;
        bool d_quoted = false, s_quoted = false, comment = false;
        size_t start = pos;
        int quote_line = 0;
        while (pos < text.size()) {
            char ch = text[pos++];
            if (ch == '\n') {
                ++line;
                if (comment) comment = false;
            }
            if (comment) continue;
            if (quoted) {
                quoted = false;
                continue;
            }
            if (need_space) {
                if (is_blank(ch)) {
                    last_space = true;
                    need_space = false;
                    continue;
                }
                if (ch == ';') {
                    end = token_end::directive;
                    return ok();
                }
                if (ch == '{') {
                    end = token_end::block_start;
                    return ok();
                }
                if (ch == ')') {
                    last_space = true;
                    need_space = false;
                } else {
                    return error_here(fmt::format("unexpected \"{}\" after a quoted word", ch));
                }
            }
            if (last_space) {
                start = pos - 1;
                if (is_blank(ch)) continue;
                if (words.empty()) start_line = line;
                switch (ch) {
                    case ';':
                    case '{':
                        if (words.empty()) return error_here(fmt::format("unexpected \"{}\"", ch));
                        end = ch == '{' ? token_end::block_start : token_end::directive;
                        return ok();
                    case '}':
                        if (!words.empty()) return error_here("unexpected \"}\" (missing \";\" before it?)");
                        end = token_end::block_end;
                        return ok();
                    case '#':
                        comment = true;
                        continue;
                    case '\\':
                        quoted = true;
                        last_space = false;
                        continue;
                    case '"':
                        ++start;
                        d_quoted = true;
                        quote_line = line;
                        last_space = false;
                        continue;
                    case '\'':
                        ++start;
                        s_quoted = true;
                        quote_line = line;
                        last_space = false;
                        continue;
                    case '$':
                        variable = true;
                        last_space = false;
                        continue;
                    default:
                        last_space = false;
                        continue;
                }
            }
            if (ch == '{' && variable) continue;
            variable = false;
            if (ch == '\\') {
                quoted = true;
                continue;
            }
            if (ch == '$') {
                variable = true;
                continue;
            }
            bool found = false;
            if (d_quoted) {
                if (ch == '"') {
                    d_quoted = false;
                    need_space = true;
                    found = true;
                }
            } else if (s_quoted) {
                if (ch == '\'') {
                    s_quoted = false;
                    need_space = true;
                    found = true;
                }
            } else if (is_blank(ch) || ch == ';' || ch == '{') {
                last_space = true;
                found = true;
            }
            if (found) {
                words.push_back(unescape_word(text.substr(start, pos - 1 - start)));
                if (ch == ';') {
                    end = token_end::directive;
                    return ok();
                }
                if (ch == '{') {
                    end = token_end::block_start;
                    return ok();
                }
            }
        }
        if (d_quoted || s_quoted)
            return user_error{
                fmt::format("{}:{}: unterminated quote (opened here, never closed)", file, quote_line)};
        if (!words.empty() || !last_space)
            return error_here("unexpected end of file, expecting \";\" or \"}\"");
        end = token_end::eof;
        return ok();
    }

    // openresty's *_by_lua_block bodies are Lua, not NGINX syntax: skip to the
    // matching brace, minding Lua strings and comments.
    status skip_lua_block(int open_line) {
        int depth = 1;
        while (pos < text.size()) {
            char ch = text[pos++];
            if (ch == '\n') ++line;
            if (ch == '"' || ch == '\'') {
                while (pos < text.size() && text[pos] != ch) {
                    if (text[pos] == '\\')
                        ++pos;
                    else if (text[pos] == '\n')
                        ++line;
                    ++pos;
                }
                ++pos;
            } else if (ch == '-' && pos < text.size() && text[pos] == '-') {
                while (pos < text.size() && text[pos] != '\n') ++pos;
            } else if (ch == '{') {
                ++depth;
            } else if (ch == '}') {
                if (--depth == 0) return ok();
            }
        }
        return user_error{fmt::format("{}:{}: unbalanced braces: Lua block never closed", file, open_line)};
    }

    user_error error_here(std::string_view what) const {
        return user_error{fmt::format("{}:{}: {}", file, line, what)};
    }
};

class conf_reader {
public:
    conf_reader(const conf_options& o, nginx_config& c) : opt_(o), cfg_(c) {}

    // Dump form: logical file name -> contents.
    std::map<std::string, std::string> sections;
    bool dump = false;

    status parse_text(std::string_view text, const std::string& name, std::vector<conf_directive>& out,
                      int depth) {
        if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) {
            cfg_.warnings.push_back(fmt::format("{}: included from itself, skipped", name));
            return ok();
        }
        if (depth > opt_.max_include_depth)
            return user_error{
                fmt::format("{}: includes nested deeper than {}", name, opt_.max_include_depth)};
        stack_.push_back(name);
        cfg_.files.push_back(name);
        lexer lx{text, name};
        status st = parse_block(lx, out, 0, 0, depth);
        stack_.pop_back();
        return st;
    }

private:
    const conf_options& opt_;
    nginx_config& cfg_;
    std::vector<std::string> stack_;

    status parse_block(lexer& lx, std::vector<conf_directive>& out, int nesting, int open_line, int depth) {
        std::vector<std::string> words;
        for (;;) {
            int line = 0;
            token_end end{};
            if (status st = lx.next(words, line, end); !st) return st;
            if (end == token_end::eof) {
                if (nesting > 0)
                    return user_error{fmt::format(
                        "{}:{}: unbalanced braces: block opened here is never closed", lx.file, open_line)};
                return ok();
            }
            if (end == token_end::block_end) {
                if (nesting == 0) return lx.error_here("unbalanced braces: unexpected \"}\"");
                return ok();
            }
            conf_directive d;
            d.name = words.front();
            d.args.assign(words.begin() + 1, words.end());
            d.file = lx.file;
            d.line = line;
            if (end == token_end::block_start) {
                d.has_block = true;
                if (d.name.size() > 14 && d.name.ends_with("_by_lua_block")) {
                    if (status st = lx.skip_lua_block(line); !st) return st;
                } else if (status st = parse_block(lx, d.block, nesting + 1, line, depth); !st) {
                    return st;
                }
                out.push_back(std::move(d));
                continue;
            }
            if (d.name == "include" && d.args.size() == 1) {
                if (status st = include(d, out, depth); !st) return st;
                continue;
            }
            out.push_back(std::move(d));
        }
    }

    std::string conf_dir() const {
        if (!opt_.conf_dir.empty()) return opt_.conf_dir;
        return "/etc/nginx";
    }

    status include(const conf_directive& d, std::vector<conf_directive>& out, int depth) {
        std::string pattern = join_path(conf_dir(), d.args[0]);
        std::vector<std::string> names;
        if (dump) {
            for (const auto& [name, text] : sections)
                if (fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME) == 0) names.push_back(name);
            // std::map iterates sorted, as glob(3) sorts.
            if (names.empty() && !has_glob_chars(pattern))
                cfg_.warnings.push_back(
                    fmt::format("{}:{}: include {}: not in the nginx -T output", d.file, d.line, pattern));
            for (const auto& n : names)
                if (status st = parse_text(sections[n], n, out, depth + 1); !st) return st;
            return ok();
        }
        std::string real = under_root(opt_.root, pattern);
        if (has_glob_chars(pattern)) {
            glob_t g{};
            int rc = glob(real.c_str(), 0, nullptr, &g);
            if (rc == 0)
                for (size_t i = 0; i < g.gl_pathc; ++i) names.emplace_back(g.gl_pathv[i]);
            globfree(&g);
            if (rc != 0 && rc != GLOB_NOMATCH)
                cfg_.warnings.push_back(
                    fmt::format("{}:{}: include {}: cannot list", d.file, d.line, pattern));
        } else {
            names.push_back(real);
        }
        for (const auto& n : names) {
            struct stat sb {};
            if (stat(n.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) continue;
            auto text = read_whole(n, opt_.max_bytes);
            if (!text) {
                cfg_.warnings.push_back(
                    fmt::format("{}:{}: include: {}", d.file, d.line, text.error().message));
                continue;
            }
            if (status st = parse_text(*text, n, out, depth + 1); !st) return st;
        }
        return ok();
    }
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct walk_state {
    std::string context = "main";
    const conf_directive* server = nullptr;
    std::string location;
};

class extractor {
public:
    extractor(const conf_options& o, nginx_config& c) : opt_(o), cfg_(c) {}

    void walk(const std::vector<conf_directive>& ds, const walk_state& st) {
        for (const auto& d : ds) {
            if (d.has_block) {
                block(d, st);
                continue;
            }
            if (d.name == "user" && st.context == "main" && !d.args.empty()) {
                cfg_.user = d.args[0];
                cfg_.group = d.args.size() > 1 ? d.args[1] : "";
                cfg_.user_set = true;
                cfg_.user_file = d.file;
                cfg_.user_line = d.line;
            } else if (d.name == "error_log" && !d.args.empty()) {
                error_log(d, st);
            } else if (is_pass(d.name) && !d.args.empty()) {
                pass(d, st);
            }
        }
    }

    void link_groups() {
        for (auto& p : cfg_.passes) {
            if (p.variable || !p.path.empty()) continue;
            conf_address a = parse_conf_address(p.target, p.directive);
            if (!a.name_only) continue;
            for (const auto& u : cfg_.upstreams) {
                if (lower(u.name) != lower(a.host)) continue;
                p.group = u.name;
                p.address = u.name;
                p.host = u.name;
                p.port = -1;
                break;
            }
        }
    }

private:
    const conf_options& opt_;
    nginx_config& cfg_;

    void block(const conf_directive& d, const walk_state& st) {
        walk_state inner = st;
        if (d.name == "upstream" && !d.args.empty()) {
            upstream(d);
            return;
        }
        if (d.name == "server") {
            inner.context = "server";
            inner.server = &d;
            inner.location.clear();
        } else if (d.name == "location") {
            inner.context = "location";
            std::string loc;
            for (const auto& a : d.args) loc += (loc.empty() ? "" : " ") + a;
            inner.location = loc;
        } else if (d.name == "http" || d.name == "stream" || d.name == "mail" || d.name == "events") {
            inner.context = d.name;
        } else if (d.name == "if" || d.name == "limit_except") {
            // Same context for what matters here (the location / server stays).
        } else {
            // map, geo, types, split_clients...: their contents are data, not directives.
            return;
        }
        walk(d.block, inner);
    }

    void error_log(const conf_directive& d, const walk_state& st) {
        const std::string& target = d.args[0];
        for (auto skip : non_file_logs)
            if (target.compare(0, skip.size(), skip) == 0) return;
        conf_error_log e;
        e.path = join_path(opt_.prefix, target);
        e.level = d.args.size() > 1 ? d.args[1] : "";
        e.context = st.context;
        e.file = d.file;
        e.line = d.line;
        if (st.context == "main") cfg_.main_error_log = true;
        cfg_.error_logs.push_back(std::move(e));
    }

    void upstream(const conf_directive& d) {
        conf_upstream u;
        u.name = d.args[0];
        u.file = d.file;
        u.line = d.line;
        for (const auto& s : d.block) {
            if (s.name != "server" || s.has_block || s.args.empty()) continue;
            conf_address a = parse_conf_address(s.args[0], "server");
            conf_upstream_server m;
            m.address = a.address;
            m.host = a.host;
            m.port = a.port;
            m.path = a.path;
            m.params.assign(s.args.begin() + 1, s.args.end());
            m.line = s.line;
            u.servers.push_back(std::move(m));
        }
        cfg_.upstreams.push_back(std::move(u));
    }

    void pass(const conf_directive& d, const walk_state& st) {
        conf_pass p;
        p.directive = d.name;
        p.target = d.args[0];
        conf_address a = parse_conf_address(p.target, d.name);
        p.scheme = a.scheme;
        p.address = a.address;
        p.host = a.host;
        p.port = a.port;
        p.path = a.path;
        p.variable = a.variable;
        p.location = st.location;
        p.file = d.file;
        p.line = d.line;
        if (st.server) {
            for (const auto& s : st.server->block) {
                if (s.name == "server_name")
                    p.server_names.insert(p.server_names.end(), s.args.begin(), s.args.end());
                else if (s.name == "listen" && !s.args.empty())
                    p.listens.push_back(s.args[0]);
            }
        }
        cfg_.passes.push_back(std::move(p));
    }
};

result<nginx_config> parse_impl(std::string_view text, const std::string& name, const conf_options& options,
                                bool from_disk) {
    nginx_config cfg;
    conf_options opt = options;
    conf_reader reader(opt, cfg);
    auto dumped = split_nginx_dump(text);
    std::string main_name = name;
    std::string_view main_text = text;
    if (!dumped.empty()) {
        reader.dump = true;
        cfg.dump_form = true;
        for (auto& [n, t] : dumped) reader.sections.emplace(n, std::move(t));
        main_name = dumped.front().first;
        main_text = reader.sections[main_name];
        if (opt.conf_dir.empty()) opt.conf_dir = dirname_of(main_name);
    } else if (opt.conf_dir.empty()) {
        opt.conf_dir = dirname_of(from_disk ? strip_root(opt.root, name) : name);
    }
    if (status st = reader.parse_text(main_text, main_name, cfg.tree, 0); !st) return st.error();
    extractor ex(opt, cfg);
    ex.walk(cfg.tree, walk_state{});
    ex.link_groups();
    return cfg;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> split_nginx_dump(std::string_view text) {
    constexpr std::string_view head = "# configuration file ";
    std::vector<std::pair<std::string, std::string>> out;
    size_t pos = 0;
    bool in_section = false;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        std::string_view trimmed = line;
        if (!trimmed.empty() && trimmed.back() == '\r') trimmed.remove_suffix(1);
        if (trimmed.starts_with(head) && trimmed.size() > head.size() + 1 && trimmed.back() == ':') {
            out.emplace_back(std::string(trimmed.substr(head.size(), trimmed.size() - head.size() - 1)), "");
            in_section = true;
        } else if (in_section) {
            out.back().second.append(line);
            if (nl != std::string_view::npos) out.back().second += '\n';
        }
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    // -T writes one extra newline after each file's contents.
    for (auto& [n, t] : out)
        if (t.size() >= 2 && t.ends_with("\n\n")) t.pop_back();
    return out;
}

conf_address parse_conf_address(std::string_view target, std::string_view directive) {
    conf_address a;
    a.variable = false;
    std::string_view rest = target;
    if (auto sep = rest.find("://"); sep != std::string_view::npos && sep > 0 &&
                                     rest.substr(0, sep).find_first_of("$/") == std::string_view::npos) {
        a.scheme = lower(rest.substr(0, sep));
        rest.remove_prefix(sep + 3);
    }
    if (rest.size() >= 5 && lower(rest.substr(0, 5)) == "unix:") {
        std::string_view p = rest.substr(5);
        // http://unix:/path:/uri — the path ends at the next ':'.
        if (auto colon = p.find(':'); colon != std::string_view::npos) p = p.substr(0, colon);
        while (p.size() > 1 && p[0] == '/' && p[1] == '/') p.remove_prefix(1);
        a.path = std::string(p);
        a.address = "unix:" + a.path;
        a.variable = p.find('$') != std::string_view::npos;
        return a;
    }
    std::string_view authority = rest;
    if (auto slash = authority.find('/'); slash != std::string_view::npos)
        authority = authority.substr(0, slash);
    // "https://127.0.0.1:8443$request_uri": a variable right after an explicit port
    // can only be the URI, so the address is still static.
    if (auto dollar = authority.find('$'); dollar != std::string_view::npos) {
        std::string_view before = authority.substr(0, dollar);
        auto colon = before.rfind(':');
        if (colon != std::string_view::npos && colon + 1 < before.size() &&
            all_digits(before.substr(colon + 1)) &&
            before.substr(0, colon).find('$') == std::string_view::npos)
            authority = before;
    }
    a.variable = authority.find('$') != std::string_view::npos;
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close != std::string_view::npos) {
            host = authority.substr(1, close - 1);
            if (close + 1 < authority.size() && authority[close + 1] == ':')
                port = authority.substr(close + 2);
        }
    } else if (auto colon = authority.rfind(':');
               colon != std::string_view::npos && authority.find(':') == colon) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    a.host = std::string(host);
    if (a.variable) {
        a.address = std::string(target);
        return a;
    }
    if (all_digits(port) && port.size() <= 5) {
        a.port = std::stoi(std::string(port));
    } else {
        a.name_only = true;
        if (directive == "proxy_pass")
            a.port = a.scheme == "https" ? 443 : 80;
        else if (directive == "grpc_pass")
            a.port = a.scheme == "grpcs" ? 443 : 80;
        else if (directive == "server")
            a.port = 80;
    }
    bool v6 = a.host.find(':') != std::string::npos;
    if (a.port < 0)
        a.address = a.host;
    else
        a.address = v6 ? fmt::format("[{}]:{}", a.host, a.port) : fmt::format("{}:{}", a.host, a.port);
    return a;
}

result<nginx_config> parse_nginx_conf(std::string_view text, const std::string& name,
                                      const conf_options& options) {
    return parse_impl(text, name, options, false);
}

result<nginx_config> read_nginx_conf(const std::string& path, const conf_options& options) {
    auto text = read_whole(path, options.max_bytes);
    if (!text) return text.error();
    return parse_impl(*text, path, options, true);
}

}  // namespace why502::parse
