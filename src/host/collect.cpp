// collect(): the ordered steps of reading a host. Each step adds facts and, for what
// it could not read, one warning line; none is fatal.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "host/host.hpp"
#include "host/security.hpp"
#include "host/sources.hpp"
#include "ingest/input.hpp"
#include "parse/nginx_conf.hpp"

namespace why502::host {

namespace {

constexpr int command_timeout_ms = 5000;
constexpr size_t max_probes = 64;
constexpr unsigned probe_threads = 8;
// Where NGINX binaries live when none is in PATH (nginx -T / -V are run from here).
constexpr const char* nginx_candidates[] = {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx",
                                            "/usr/local/nginx/sbin/nginx"};
// Relative error_log paths join the prefix; Debian and RHEL builds use this one.
constexpr const char* default_prefix = "/usr/share/nginx";
constexpr const char* default_error_log = "/var/log/nginx/error.log";

bool exists(const std::string& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0;
}

std::string dirname_of(const std::string& p) {
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : p.substr(0, slash);
}

std::string find_nginx_binary() {
    if (const char* path = getenv("PATH")) {
        std::string_view ps(path);
        size_t pos = 0;
        while (pos <= ps.size()) {
            size_t colon = ps.find(':', pos);
            std::string_view dir =
                ps.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos);
            if (!dir.empty() && dir.front() == '/') {
                std::string cand = std::string(dir) + "/nginx";
                if (access(cand.c_str(), X_OK) == 0) return cand;
            }
            if (colon == std::string_view::npos) break;
            pos = colon + 1;
        }
    }
    for (const char* c : nginx_candidates)
        if (access(c, X_OK) == 0) return c;
    return "";
}

struct nginx_process {
    int pid = 0;
    bool master = false;
    uint32_t uid = 0;
    std::string cmdline;
    std::string conf, prefix;  // -c / -p of a master
};

std::vector<nginx_process> running_nginx() {
    std::vector<nginx_process> out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        std::string base = std::string("/proc/") + e->d_name;
        auto cmd = read_small_file(base + "/cmdline", nullptr, 4096);
        if (!cmd || cmd->rfind("nginx: ", 0) != 0) continue;
        nginx_process p;
        p.pid = std::atoi(e->d_name);
        std::replace(cmd->begin(), cmd->end(), '\0', ' ');
        while (!cmd->empty() && cmd->back() == ' ') cmd->pop_back();
        p.cmdline = *cmd;
        p.master = cmd->find("master process") != std::string::npos;
        if (auto st = read_small_file(base + "/status", nullptr, 8192)) {
            auto at = st->find("\nUid:");
            if (at != std::string::npos)
                p.uid = static_cast<uint32_t>(std::strtoul(st->c_str() + at + 5, nullptr, 10));
        }
        if (p.master) {
            // "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf -p /x"
            std::vector<std::string> words;
            size_t pos = 0;
            while (pos < cmd->size()) {
                size_t sp = cmd->find(' ', pos);
                if (sp == std::string::npos) sp = cmd->size();
                if (sp > pos) words.push_back(cmd->substr(pos, sp - pos));
                pos = sp + 1;
            }
            for (size_t i = 0; i + 1 < words.size(); ++i) {
                if (words[i] == "-c") p.conf = words[i + 1];
                if (words[i] == "-p") p.prefix = words[i + 1];
            }
        }
        out.push_back(std::move(p));
    }
    closedir(d);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
    return out;
}

bool process_running(std::string_view comm_name) {
    DIR* d = opendir("/proc");
    if (!d) return false;
    bool found = false;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        auto comm = read_small_file(std::string("/proc/") + e->d_name + "/comm", nullptr, 256);
        if (comm && !comm->empty() && comm->back() == '\n') comm->pop_back();
        if (comm && *comm == comm_name) {
            found = true;
            break;
        }
    }
    closedir(d);
    return found;
}

std::string user_name_of(const std::string& root, uint32_t uid) {
    if (auto t = read_small_file(under_root(root, "/etc/passwd")))
        for (const auto& a : parse_passwd(*t))
            if (a.id == uid) return a.name;
    return std::to_string(uid);
}

nlohmann::json listener_json(const listener& l) {
    nlohmann::json j = {{"proto", l.proto}};
    if (l.proto == "unix") {
        j["path"] = l.path;
    } else {
        j["address"] = l.address;
        j["port"] = l.port;
    }
    if (l.inode) j["inode"] = l.inode;
    if (!l.process.empty()) j["process"] = l.process;
    return j;
}

// Readability check that says why not: a live host's audit log is root-only.
bool readable(const std::string& p, std::string& why) {
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    close(fd);
    return true;
}

class collector {
public:
    explicit collector(const collect_options& o) : opt_(o) {
        root_ = o.root.empty() ? "/" : o.root;
        while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
        live_ = is_live_root(root_);
    }

    live_facts run() {
        f_.host["root"] = root_;
        f_.host["live"] = live_;
        if (!live_ && !exists(root_)) warn(fmt::format("{}: the collected tree does not exist", root_));
        security();
        nginx_build();
        nginx_config();
        nginx_user();
        inventory();
        logs();
        listeners();
        sockets();
        probes();
        f_.host["warnings"] = f_.warnings;
        return std::move(f_);
    }

private:
    const collect_options& opt_;
    std::string root_;
    bool live_ = true;
    live_facts f_;
    std::map<std::string, std::string> build_;  // nginx -V
    std::vector<nginx_process> procs_;
    parse::nginx_config conf_;
    bool conf_ok_ = false;
    std::string prefix_ = default_prefix;

    void warn(std::string w) { f_.warnings.push_back(std::move(w)); }

    void security() {
        selinux_state s = read_selinux(root_);
        f_.selinux_mode = s.mode;
        f_.policy_path = s.policy_path;
        f_.booleans = std::move(s.booleans);
        f_.booleans_known = s.booleans_known;
        f_.host["selinux"] = std::move(s.json);
        f_.host["selinux_mode"] = f_.selinux_mode;
        for (auto& w : s.warnings) warn(std::move(w));
        apparmor_state a = read_apparmor(root_);
        f_.apparmor = a.status;
        f_.host["apparmor"] = std::move(a.json);
        for (auto& w : a.warnings) warn(std::move(w));
    }

    void nginx_build() {
        auto& j = f_.host["nginx"];
        j = nlohmann::json::object();
        if (live_) {
            std::string bin = find_nginx_binary();
            procs_ = running_nginx();
            if (bin.empty()) {
                warn("no nginx binary found in PATH or /usr/sbin: cannot run nginx -V / nginx -T");
            } else {
                j["binary"] = bin;
                command_result r = run_command({bin, "-V"}, command_timeout_ms, 1u << 20);
                if (r.started && !r.timed_out) build_ = parse_nginx_v(r.err + r.out);
            }
        } else if (auto t = read_small_file(under_root(root_, "/sos_commands/nginx/nginx_-V"))) {
            build_ = parse_nginx_v(*t);
        }
        if (build_.count("version")) j["version"] = build_["version"];
        if (build_.count("prefix") && !build_["prefix"].empty()) prefix_ = build_["prefix"];
        for (const auto& p : procs_)
            if (p.master && !p.prefix.empty()) prefix_ = p.prefix;
        j["prefix"] = prefix_;
        nlohmann::json procs = nlohmann::json::array();
        for (const auto& p : procs_)
            procs.push_back({{"pid", p.pid},
                             {"role", p.master ? "master" : "worker"},
                             {"user", user_name_of(root_, p.uid)},
                             {"cmdline", p.cmdline}});
        if (live_) j["processes"] = procs;
    }

    void nginx_config() {
        auto& j = f_.host["nginx"];
        parse::conf_options co;
        co.prefix = prefix_;
        if (!live_) co.root = root_;
        result<parse::nginx_config> r = user_error{""};
        std::string source;
        if (!opt_.nginx_conf.empty()) {
            // With --root, the tree's copy wins; a file outside the tree still has its
            // includes read from the tree, never from this host.
            std::string p = opt_.nginx_conf;
            if (!live_ && exists(under_root(root_, p))) p = under_root(root_, p);
            if (live_) co.conf_dir = dirname_of(p);
            r = parse::read_nginx_conf(p, co);
            source = "file " + p;
        } else if (live_) {
            std::string bin = j.value("binary", "");
            std::string conf_path = build_.count("conf-path") ? build_["conf-path"] : "/etc/nginx/nginx.conf";
            std::vector<std::string> argv = {bin, "-T", "-q"};
            const nginx_process* master = nullptr;
            for (const auto& p : procs_)
                if (p.master && !master) master = &p;
            if (master && !master->conf.empty()) {
                argv.insert(argv.end(), {"-c", master->conf});
                conf_path = master->conf;
            }
            if (master && !master->prefix.empty()) argv.insert(argv.end(), {"-p", master->prefix});
            if (std::count_if(procs_.begin(), procs_.end(), [](const auto& p) { return p.master; }) > 1)
                warn("several nginx master processes run: reading the configuration of the first (pid " +
                     std::to_string(master->pid) + "); name another with --nginx-conf");
            if (!bin.empty()) {
                command_result cr = run_command(argv, command_timeout_ms);
                if (cr.started && !cr.timed_out && cr.exit_code == 0 &&
                    !parse::split_nginx_dump(cr.out).empty()) {
                    r = parse::parse_nginx_conf(cr.out, "nginx -T", co);
                    source = "nginx -T";
                } else {
                    std::string why = cr.timed_out ? "timed out" : cr.err.substr(0, cr.err.find('\n'));
                    warn(fmt::format("nginx -T failed ({}); reading {} instead",
                                     why.empty() ? "no output" : why, conf_path));
                }
            }
            if (source.empty()) {
                co.conf_dir = dirname_of(conf_path);
                r = parse::read_nginx_conf(conf_path, co);
                source = "file " + conf_path;
            }
        } else {
            std::string dump = under_root(root_, "/sos_commands/nginx/nginx_-T");
            auto text = read_small_file(dump);
            if (text && !parse::split_nginx_dump(*text).empty()) {
                co.root.clear();  // the dump holds every file: nothing is read from the tree
                r = parse::parse_nginx_conf(*text, dump, co);
                source = dump;
            } else {
                std::string conf_path =
                    build_.count("conf-path") ? build_["conf-path"] : "/etc/nginx/nginx.conf";
                co.conf_dir = dirname_of(conf_path);
                r = parse::read_nginx_conf(under_root(root_, conf_path), co);
                source = "file " + under_root(root_, conf_path);
            }
        }
        j["config_source"] = source;
        if (!r) {
            warn(fmt::format("NGINX configuration not read: {}", r.error().message));
            return;
        }
        conf_ = std::move(r.value());
        conf_ok_ = true;
        j["config_files"] = conf_.files;
        for (const auto& w : conf_.warnings) warn("NGINX configuration: " + w);
    }

    void nginx_user() {
        auto& j = f_.host["nginx"];
        std::string user = "nobody", source = "NGINX default (no user directive)";
        if (build_.count("user") && !build_["user"].empty()) {
            user = build_["user"];
            source = "compiled-in default (nginx -V --user)";
        }
        if (conf_ok_ && conf_.user_set) {
            user = conf_.user;
            source = fmt::format("user directive at {}:{}", conf_.user_file, conf_.user_line);
            if (!conf_.group.empty()) j["group"] = conf_.group;
        }
        std::set<std::string> worker_users;
        for (const auto& p : procs_)
            if (!p.master) worker_users.insert(user_name_of(root_, p.uid));
        if (worker_users.size() == 1 && *worker_users.begin() != user && opt_.nginx_conf.empty()) {
            warn(fmt::format(
                "running nginx workers run as {} but the configuration says {}: using the workers' user",
                *worker_users.begin(), user));
            user = *worker_users.begin();
            source = "running worker processes";
        }
        f_.nginx_user = user;
        j["user"] = user;
        j["user_source"] = source;
    }

    void inventory() {
        if (!conf_ok_) return;
        nlohmann::json groups = nlohmann::json::array();
        for (const auto& u : conf_.upstreams) {
            nlohmann::json servers = nlohmann::json::array();
            for (const auto& s : u.servers) servers.push_back(s.address);
            groups.push_back({{"name", u.name}, {"servers", servers}, {"file", u.file}, {"line", u.line}});
        }
        f_.host["nginx"]["upstream_groups"] = groups;
        for (const auto& p : conf_.passes) {
            upstream_use base;
            base.directive = p.directive;
            base.server_names = p.server_names;
            base.listens = p.listens;
            base.location = p.location;
            base.file = p.file;
            base.line = p.line;
            base.variable = p.variable;
            base.address = p.address;
            const parse::conf_upstream* group = nullptr;
            for (const auto& u : conf_.upstreams)
                if (!p.group.empty() && u.name == p.group) group = &u;
            if (group && !group->servers.empty()) {
                for (const auto& s : group->servers) {
                    upstream_use e = base;
                    e.group = group->name;
                    e.address = s.address;
                    f_.upstreams.push_back(std::move(e));
                }
            } else {
                base.group = p.group;
                f_.upstreams.push_back(std::move(base));
            }
        }
    }

    void add_log_set(const std::string& logical, const std::string& origin, std::vector<std::string>& out,
                     std::set<std::string>& seen) {
        std::string real = under_root(root_, logical);
        if (!seen.insert(real).second) return;
        auto files = ingest::find_rotations(real);
        if (files.empty()) {
            warn(fmt::format("{} ({}) does not exist", real, origin));
            return;
        }
        for (const auto& f : files) {
            std::string why;
            if (readable(f, why))
                out.push_back(f);
            else
                warn(fmt::format("cannot read {}: {}", f, why));
        }
    }

    void logs() {
        std::set<std::string> seen;
        nlohmann::json configured = nlohmann::json::array();
        if (conf_ok_) {
            for (const auto& e : conf_.error_logs) {
                configured.push_back({{"path", e.path},
                                      {"level", e.level},
                                      {"context", e.context},
                                      {"file", e.file},
                                      {"line", e.line}});
                add_log_set(e.path, fmt::format("error_log at {}:{}", e.file, e.line), f_.error_logs, seen);
            }
        }
        if (!conf_ok_ || !conf_.main_error_log) {
            std::string def = build_.count("error-log-path") ? build_["error-log-path"] : default_error_log;
            if (def == "stderr") def = default_error_log;
            if (!def.empty() && def.front() != '/') def = prefix_ + "/" + def;
            if (exists(under_root(root_, def)) || !conf_ok_)
                add_log_set(def, "NGINX's default error log", f_.error_logs, seen);
        }
        f_.host["nginx"]["error_logs_configured"] = configured;
        f_.host["error_logs"] = f_.error_logs;

        std::string audit = under_root(root_, "/var/log/audit/audit.log");
        bool auditd = live_ && process_running("auditd");
        auto files = ingest::find_rotations(audit);
        if (files.empty()) {
            std::string why;
            bool dir_readable =
                readable(under_root(root_, "/var/log/audit"), why) || why != std::strerror(EACCES);
            if (!dir_readable)
                warn(fmt::format("cannot read {}: {} (run as root)", under_root(root_, "/var/log/audit"),
                                 why));
            else if (live_ && !auditd)
                warn(fmt::format(
                    "no audit log: {} does not exist and auditd is not running, so SELinux denials "
                    "are not recorded there (the kernel log may have them: journalctl -k)",
                    audit));
            else
                warn(fmt::format("no audit log: {} does not exist", audit));
        } else {
            if (live_ && !auditd)
                warn(fmt::format("auditd is not running: {} may be stale and recent denials missing", audit));
            for (const auto& f : files) {
                std::string why;
                if (readable(f, why))
                    f_.audit_logs.push_back(f);
                else
                    warn(fmt::format("cannot read {}: {}{}", f, why,
                                     why == std::strerror(EACCES) ? " (run as root)" : ""));
            }
        }
        f_.host["audit_logs"] = f_.audit_logs;
        f_.host["auditd_running"] = live_ ? nlohmann::json(auditd) : nlohmann::json(nullptr);
    }

    void add_listeners(std::vector<listener> ls) {
        for (auto& l : ls) {
            bool dup = std::any_of(f_.listeners.begin(), f_.listeners.end(), [&](const listener& o) {
                return o.proto == l.proto && o.address == l.address && o.port == l.port && o.path == l.path;
            });
            if (!dup) f_.listeners.push_back(std::move(l));
        }
    }

    void listeners() {
        std::string source;
        if (live_) {
            for (const char* n : {"tcp", "tcp6", "unix"}) {
                std::string err;
                auto t = read_small_file(std::string("/proc/net/") + n, &err);
                if (!t) {
                    warn(fmt::format("cannot read /proc/net/{}: {}", n, err));
                    continue;
                }
                if (std::string_view(n) == "unix")
                    add_listeners(parse_proc_net_unix(*t));
                else
                    add_listeners(parse_proc_net_tcp(*t, std::string_view(n) == "tcp6"));
            }
            source = "/proc/net";
        } else {
            std::string dir = under_root(root_, "/sos_commands/networking");
            std::vector<std::string> ss, netstat;
            if (DIR* d = opendir(dir.c_str())) {
                while (dirent* e = readdir(d)) {
                    std::string n = e->d_name;
                    if (n.rfind("ss_", 0) == 0)
                        ss.push_back(dir + "/" + n);
                    else if (n.rfind("netstat_", 0) == 0)
                        netstat.push_back(dir + "/" + n);
                }
                closedir(d);
            }
            std::sort(ss.begin(), ss.end());
            std::sort(netstat.begin(), netstat.end());
            for (const auto& p : ss)
                if (auto t = read_small_file(p)) add_listeners(parse_ss(*t));
            if (f_.listeners.empty())
                for (const auto& p : netstat)
                    if (auto t = read_small_file(p)) add_listeners(parse_netstat(*t));
            for (const char* n : {"tcp", "tcp6", "unix"}) {
                auto t = read_small_file(under_root(root_, std::string("/proc/net/") + n));
                if (!t) continue;
                if (std::string_view(n) == "unix")
                    add_listeners(parse_proc_net_unix(*t));
                else
                    add_listeners(parse_proc_net_tcp(*t, std::string_view(n) == "tcp6"));
            }
            source = dir;
            if (f_.listeners.empty())
                warn(fmt::format("no listening sockets in the collected tree (no ss/netstat output under {})",
                                 dir));
        }
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& l : f_.listeners) arr.push_back(listener_json(l));
        f_.host["listeners"] = arr;
        f_.host["listeners_source"] = source;
    }

    static std::string unix_path(const std::string& address) {
        return address.rfind("unix:", 0) == 0 ? address.substr(5) : "";
    }

    void sockets() {
        nlohmann::json arr = nlohmann::json::array();
        std::set<std::string> seen;
        for (const auto& u : f_.upstreams) {
            std::string path = unix_path(u.address);
            if (path.empty() || u.variable || !seen.insert(path).second) continue;
            struct stat st {};
            bool present = lstat(under_root(root_, path).c_str(), &st) == 0;
            nlohmann::json s = {{"path", path}, {"exists", present}};
            if (!f_.listeners.empty())
                s["listening"] =
                    std::any_of(f_.listeners.begin(), f_.listeners.end(),
                                [&](const listener& l) { return l.proto == "unix" && l.path == path; });
            dac_verdict d = check_socket_access(root_, path, f_.nginx_user);
            s["dac"] = {{"user", f_.nginx_user},
                        {"checked", d.checked},
                        {"allowed", d.allowed},
                        {"denying_path", d.denying_path},
                        {"owner", d.owner},
                        {"group", d.group},
                        {"mode", fmt::format("{:04o}", d.mode)},
                        {"acl", d.acl},
                        {"reason", d.reason},
                        {"walk", d.walk}};
            file_label l = socket_label(root_, path);
            s["label"] = {{"actual", l.actual}, {"expected", l.expected}};
            arr.push_back(std::move(s));
        }
        f_.host["sockets"] = arr;
        nlohmann::json inv = nlohmann::json::array();
        for (const auto& u : f_.upstreams) {
            nlohmann::json e = {{"address", u.address},  {"directive", u.directive},
                                {"group", u.group},      {"server_names", u.server_names},
                                {"listens", u.listens},  {"location", u.location},
                                {"file", u.file},        {"line", u.line},
                                {"variable", u.variable}};
            if (!u.variable && unix_path(u.address).empty() && !f_.listeners.empty()) {
                auto colon = u.address.rfind(':');
                if (colon != std::string::npos) {
                    std::string host = u.address.substr(0, colon);
                    int port = std::atoi(u.address.c_str() + colon + 1);
                    if (port > 0) e["listener_hint"] = listener_hint(f_.listeners, host, port);
                }
            }
            inv.push_back(std::move(e));
        }
        f_.host["upstreams"] = inv;
    }

    void probes() {
        if (!live_) {
            f_.host["probing"] = "not done: a collected tree is never probed from this host";
            return;
        }
        if (!opt_.probe) {
            f_.host["probing"] = "off (--no-probe)";
            return;
        }
        std::vector<std::string> targets;
        for (const auto& u : f_.upstreams) {
            if (u.variable) continue;
            bool unix_sock = !unix_path(u.address).empty();
            bool has_port =
                !unix_sock && u.address.rfind(':') != std::string::npos &&
                u.address.find_first_not_of("0123456789", u.address.rfind(':') + 1) == std::string::npos;
            if ((unix_sock || has_port) &&
                std::find(targets.begin(), targets.end(), u.address) == targets.end())
                targets.push_back(u.address);
        }
        if (targets.size() > max_probes) {
            warn(fmt::format("{} backends in the configuration: probing the first {}", targets.size(),
                             max_probes));
            targets.resize(max_probes);
        }
        std::vector<probe_result> results(targets.size());
        std::atomic<size_t> next{0};
        std::vector<std::thread> pool;
        unsigned n = std::min<unsigned>(probe_threads, static_cast<unsigned>(targets.size()));
        for (unsigned t = 0; t < n; ++t)
            pool.emplace_back([&] {
                for (size_t i; (i = next++) < targets.size();)
                    results[i] = probe(targets[i], opt_.probe_timeout_ms);
            });
        for (auto& t : pool) t.join();
        nlohmann::json arr = nlohmann::json::array();
        for (size_t i = 0; i < targets.size(); ++i)
            arr.push_back({{"address", targets[i]},
                           {"attempted", results[i].attempted},
                           {"connected", results[i].connected},
                           {"errno", results[i].err},
                           {"ms", results[i].ms},
                           {"detail", results[i].detail}});
        f_.host["probing"] = "on";
        f_.host["probes"] = arr;
    }
};

}  // namespace

live_facts collect(const collect_options& o) {
    return collector(o).run();
}

}  // namespace why502::host
