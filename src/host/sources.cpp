#include "host/sources.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace why502::host {

namespace {

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

template <class F>
void for_lines(std::string_view text, F&& fn) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        fn(line);
        pos = end + 1;
    }
}

template <class T>
bool parse_num(std::string_view s, T& out, int base = 10) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// "127.0.0.1:80", "[::1]:80", "*:80", "::1:80" (netstat), "127.0.0.53%lo:53" -> listener.
bool split_host_port(std::string_view s, listener& l) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    int port = 0;
    if (!parse_num(s.substr(colon + 1), port)) return false;
    std::string_view host = s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (auto pct = host.find('%'); pct != std::string_view::npos) host = host.substr(0, pct);
    if (host == "*") host = "::";
    l.address = std::string(host);
    l.port = port;
    l.proto = l.address.find(':') != std::string::npos ? "tcp6" : "tcp";
    return true;
}

// ss: users:(("nginx",pid=1234,fd=6),...) -> "nginx (pid 1234)".
std::string ss_process(std::string_view tok) {
    auto q1 = tok.find("((\"");
    if (q1 == std::string_view::npos) return "";
    auto q2 = tok.find('"', q1 + 3);
    if (q2 == std::string_view::npos) return "";
    std::string out(tok.substr(q1 + 3, q2 - q1 - 3));
    auto pid = tok.find("pid=", q2);
    if (pid != std::string_view::npos) {
        auto end = tok.find_first_not_of("0123456789", pid + 4);
        out += fmt::format(" (pid {})", tok.substr(pid + 4, end - pid - 4));
    }
    return out;
}

// netstat: "1234/python3" -> "python3 (pid 1234)".
std::string netstat_process(std::string_view tok) {
    auto slash = tok.find('/');
    if (slash == std::string_view::npos || !all_digits(tok.substr(0, slash))) return "";
    return fmt::format("{} (pid {})", tok.substr(slash + 1), tok.substr(0, slash));
}

std::string decode_octal_escapes(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && s.size() - i >= 4) {
            unsigned v = 0;
            if (parse_num(s.substr(i + 1, 3), v, 8)) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

unsigned perm_bits(std::string_view rwx) {
    unsigned p = 0;
    if (rwx.size() >= 3) {
        if (rwx[0] == 'r') p |= 4;
        if (rwx[1] == 'w') p |= 2;
        if (rwx[2] == 'x') p |= 1;
    }
    return p;
}

std::optional<uint32_t> resolve_id(std::string_view name, const std::vector<account>& accounts) {
    uint32_t id = 0;
    if (parse_num(name, id)) return id;
    for (const auto& a : accounts)
        if (a.name == name) return a.id;
    return std::nullopt;
}

}  // namespace

std::vector<listener> parse_proc_net_tcp(std::string_view text, bool v6) {
    std::vector<listener> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 10 || f[0].back() != ':' || f[3] != "0A") return;
        auto colon = f[1].find(':');
        if (colon == std::string_view::npos) return;
        std::string_view hex = f[1].substr(0, colon);
        listener l;
        l.proto = v6 ? "tcp6" : "tcp";
        if (!parse_num(f[1].substr(colon + 1), l.port, 16)) return;
        // The kernel prints each 32-bit word of the address as a host-order integer.
        unsigned char bytes[16] = {};
        size_t words = v6 ? 4 : 1;
        if (hex.size() != words * 8) return;
        for (size_t w = 0; w < words; ++w) {
            uint32_t v = 0;
            if (!parse_num(hex.substr(w * 8, 8), v, 16)) return;
            std::memcpy(bytes + w * 4, &v, 4);
        }
        char buf[INET6_ADDRSTRLEN] = {};
        if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf)) return;
        l.address = buf;
        (void)parse_num(f[9], l.inode);
        out.push_back(std::move(l));
    });
    return out;
}

std::vector<listener> parse_proc_net_unix(std::string_view text) {
    std::vector<listener> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 7 || f[0].back() != ':') return;
        uint32_t flags = 0, type = 0;
        if (!parse_num(f[3], flags, 16) || !parse_num(f[4], type, 16)) return;
        constexpr uint32_t so_acceptcon = 0x10000;
        if (!(flags & so_acceptcon) || (type != 1 && type != 5)) return;  // stream, seqpacket
        listener l;
        l.proto = "unix";
        (void)parse_num(f[6], l.inode);
        if (f.size() >= 8) {
            // The path is the rest of the line (it may contain spaces).
            size_t start = static_cast<size_t>(f[7].data() - line.data());
            l.path = std::string(trim(line.substr(start)));
        }
        out.push_back(std::move(l));
    });
    return out;
}

std::vector<listener> parse_ss(std::string_view text) {
    std::vector<listener> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 4) return;
        size_t i = 0;
        std::string_view netid;
        if (f[0] != "LISTEN") {
            netid = f[0];
            i = 1;
        }
        if (f.size() < i + 4 || f[i] != "LISTEN") return;
        std::string_view local = f[i + 3];
        listener l;
        if (netid == "u_str" || netid == "u_seq") {
            if (local == "*" || local.empty()) return;
            l.proto = "unix";
            l.path = std::string(local);
            if (f.size() > i + 4) (void)parse_num(f[i + 4], l.inode);
        } else if (netid.empty() || netid == "tcp") {
            if (!split_host_port(local, l)) return;
        } else {
            return;
        }
        for (size_t k = i + 4; k < f.size(); ++k) {
            if (f[k].starts_with("users:")) l.process = ss_process(f[k]);
            if (f[k].starts_with("ino:") && l.proto != "unix") (void)parse_num(f[k].substr(4), l.inode);
        }
        out.push_back(std::move(l));
    });
    return out;
}

std::vector<listener> parse_netstat(std::string_view text) {
    std::vector<listener> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 6) return;
        if ((f[0] == "tcp" || f[0] == "tcp6") && f[5] == "LISTEN") {
            listener l;
            if (!split_host_port(f[3], l)) return;
            if (f.size() >= 9 && all_digits(f[7])) {  // -e: user, inode, then -p's PID/name
                (void)parse_num(f[7], l.inode);
                l.process = netstat_process(f[8]);
            } else if (f.size() >= 7) {
                l.process = netstat_process(f[6]);
            }
            out.push_back(std::move(l));
            return;
        }
        if (f[0] != "unix") return;
        auto st = std::find(f.begin(), f.end(), std::string_view("LISTENING"));
        if (st == f.end() || st == f.begin() || (st[-1] != "STREAM" && st[-1] != "SEQPACKET")) return;
        listener l;
        l.proto = "unix";
        size_t k = static_cast<size_t>(st - f.begin()) + 1;
        if (k < f.size()) (void)parse_num(f[k++], l.inode);
        if (k < f.size() && (f[k] == "-" || netstat_process(f[k]).size()))
            l.process = netstat_process(f[k++]);
        if (k < f.size()) {
            size_t start = static_cast<size_t>(f[k].data() - line.data());
            l.path = std::string(trim(line.substr(start)));
        }
        if (l.path.empty()) return;
        out.push_back(std::move(l));
    });
    return out;
}

std::vector<account> parse_passwd(std::string_view text) {
    std::vector<account> out;
    for_lines(text, [&](std::string_view line) {
        if (line.empty() || line[0] == '#') return;
        std::vector<std::string_view> f;
        size_t pos = 0;
        for (;;) {
            auto c = line.find(':', pos);
            f.push_back(line.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos));
            if (c == std::string_view::npos) break;
            pos = c + 1;
        }
        if (f.size() < 4) return;
        account a;
        a.name = std::string(f[0]);
        if (!parse_num(f[2], a.id)) return;
        (void)parse_num(f[3], a.gid);
        out.push_back(std::move(a));
    });
    return out;
}

std::vector<account> parse_group(std::string_view text) {
    std::vector<account> out;
    for_lines(text, [&](std::string_view line) {
        if (line.empty() || line[0] == '#') return;
        auto c1 = line.find(':');
        auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        auto c3 = c2 == std::string_view::npos ? c2 : line.find(':', c2 + 1);
        if (c3 == std::string_view::npos) return;
        account a;
        a.name = std::string(line.substr(0, c1));
        if (!parse_num(line.substr(c2 + 1, c3 - c2 - 1), a.id)) return;
        a.gid = a.id;
        std::string_view members = line.substr(c3 + 1);
        size_t pos = 0;
        while (pos <= members.size() && !members.empty()) {
            auto comma = members.find(',', pos);
            std::string_view m = trim(
                members.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
            if (!m.empty()) a.members.emplace_back(m);
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
        out.push_back(std::move(a));
    });
    return out;
}

std::map<std::string, bool> parse_getsebool(std::string_view text) {
    std::map<std::string, bool> out;
    for_lines(text, [&](std::string_view line) {
        auto arrow = line.find(" --> ");
        if (arrow == std::string_view::npos) return;
        std::string_view name = trim(line.substr(0, arrow)), v = trim(line.substr(arrow + 5));
        if (name.empty() || name.find(' ') != std::string_view::npos) return;
        if (v == "on" || v == "off") out[std::string(name)] = v == "on";
    });
    return out;
}

std::map<std::string, bool> parse_semanage_boolean(std::string_view text) {
    std::map<std::string, bool> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 2) return;
        auto open = line.find('(');
        auto comma = line.find(',', open == std::string_view::npos ? 0 : open);
        if (open == std::string_view::npos || comma == std::string_view::npos) return;
        std::string_view cur = trim(line.substr(open + 1, comma - open - 1));
        if (cur != "on" && cur != "off") return;
        std::string_view name = trim(line.substr(0, open));
        if (name.empty() || name.find(' ') != std::string_view::npos) return;
        out[std::string(name)] = cur == "on";
    });
    return out;
}

sestatus_info parse_sestatus(std::string_view text) {
    sestatus_info out;
    bool in_booleans = false;
    for_lines(text, [&](std::string_view line) {
        if (trim(line).empty()) return;
        if (lower(trim(line)) == "policy booleans:") {
            in_booleans = true;
            return;
        }
        if (in_booleans) {
            auto f = split_ws(line);
            if (f.size() == 2 && (f[1] == "on" || f[1] == "off")) {
                out.booleans[std::string(f[0])] = f[1] == "on";
                return;
            }
            in_booleans = false;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return;
        std::string key = lower(trim(line.substr(0, colon)));
        std::string_view value = trim(line.substr(colon + 1));
        if (!key.empty()) out.fields[key] = std::string(value);
    });
    return out;
}

std::map<std::string, std::string> parse_selinux_config(std::string_view text) {
    std::map<std::string, std::string> out;
    for_lines(text, [&](std::string_view line) {
        line = trim(line);
        if (line.empty() || line[0] == '#') return;
        auto eq = line.find('=');
        if (eq == std::string_view::npos) return;
        std::string_view v = trim(line.substr(eq + 1));
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
            v = v.substr(1, v.size() - 2);
        out[std::string(trim(line.substr(0, eq)))] = std::string(v);
    });
    return out;
}

std::vector<port_record> parse_semanage_port(std::string_view text) {
    std::vector<port_record> out;
    for_lines(text, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() < 3 || (f[1] != "tcp" && f[1] != "udp" && f[1] != "sctp" && f[1] != "dccp")) return;
        size_t start = static_cast<size_t>(f[2].data() - line.data());
        out.push_back({std::string(f[0]), std::string(f[1]), std::string(trim(line.substr(start)))});
    });
    return out;
}

std::optional<std::vector<acl_entry>> decode_posix_acl(std::string_view bytes) {
    auto le16 = [&](size_t at) {
        return static_cast<uint16_t>(static_cast<unsigned char>(bytes[at]) |
                                     static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 1])) << 8);
    };
    auto le32 = [&](size_t at) {
        return static_cast<uint32_t>(le16(at)) | static_cast<uint32_t>(le16(at + 2)) << 16;
    };
    if (bytes.size() < 4 || (bytes.size() - 4) % 8 != 0 || le32(0) != 2) return std::nullopt;
    std::vector<acl_entry> out;
    for (size_t at = 4; at < bytes.size(); at += 8) {
        acl_entry e;
        uint16_t tag = le16(at);
        switch (tag) {
            case 0x01:
            case 0x02:
            case 0x04:
            case 0x08:
            case 0x10:
            case 0x20:
                break;
            default:
                return std::nullopt;
        }
        e.tag = static_cast<acl_tag>(tag);
        e.perm = le16(at + 2) & 7u;
        e.id = le32(at + 4);
        out.push_back(e);
    }
    return out;
}

std::map<std::string, std::vector<acl_entry>> parse_getfacl(std::string_view text,
                                                            const std::vector<account>& users,
                                                            const std::vector<account>& groups) {
    std::map<std::string, std::vector<acl_entry>> out;
    std::string current;
    for_lines(text, [&](std::string_view line) {
        line = trim(line);
        if (line.starts_with("# file: ")) {
            current = decode_octal_escapes(line.substr(8));
            if (current.empty() || current.front() != '/') current.insert(current.begin(), '/');
            out[current];
            return;
        }
        if (current.empty() || line.empty() || line[0] == '#' || line.starts_with("default:")) return;
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = trim(line.substr(0, hash));
        auto c1 = line.find(':');
        auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) return;
        std::string_view kind = line.substr(0, c1), qual = line.substr(c1 + 1, c2 - c1 - 1),
                         perms = line.substr(c2 + 1);
        acl_entry e;
        e.perm = perm_bits(perms);
        if (kind == "user") {
            e.tag = qual.empty() ? acl_tag::user_obj : acl_tag::user;
            if (!qual.empty()) {
                auto id = resolve_id(qual, users);
                if (!id) return;
                e.id = *id;
            }
        } else if (kind == "group") {
            e.tag = qual.empty() ? acl_tag::group_obj : acl_tag::group;
            if (!qual.empty()) {
                auto id = resolve_id(qual, groups);
                if (!id) return;
                e.id = *id;
            }
        } else if (kind == "mask") {
            e.tag = acl_tag::mask;
        } else if (kind == "other") {
            e.tag = acl_tag::other;
        } else {
            return;
        }
        out[current].push_back(e);
    });
    return out;
}

std::map<std::string, std::string> parse_nginx_v(std::string_view text) {
    std::map<std::string, std::string> out;
    for_lines(text, [&](std::string_view line) {
        if (line.starts_with("nginx version: ")) {
            std::string_view v = line.substr(15);
            if (auto slash = v.find('/'); slash != std::string_view::npos) v = v.substr(slash + 1);
            out["version"] = std::string(trim(v));
            return;
        }
        constexpr std::string_view head = "configure arguments:";
        if (!line.starts_with(head)) return;
        std::string_view rest = line.substr(head.size());
        size_t i = 0;
        while (i < rest.size()) {
            while (i < rest.size() && rest[i] == ' ') ++i;
            std::string word;
            bool quoted = false;
            while (i < rest.size() && (quoted || rest[i] != ' ')) {
                if (rest[i] == '\'')
                    quoted = !quoted;
                else
                    word += rest[i];
                ++i;
            }
            if (!word.starts_with("--")) continue;
            auto eq = word.find('=');
            out[word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
                eq == std::string::npos ? "" : word.substr(eq + 1);
        }
    });
    return out;
}

std::map<std::string, std::string> parse_apparmor_profiles(std::string_view text) {
    std::map<std::string, std::string> out;
    std::string section_mode;
    for_lines(text, [&](std::string_view line) {
        std::string_view t = trim(line);
        if (t.empty()) return;
        // /sys/kernel/security/apparmor/profiles: "name (mode)".
        if (t.back() == ')' && line.front() != ' ') {
            auto open = t.rfind(" (");
            if (open != std::string_view::npos) {
                out[std::string(t.substr(0, open))] = std::string(t.substr(open + 2, t.size() - open - 3));
                return;
            }
        }
        // aa-status: "12 profiles are in enforce mode." then indented names.
        if (auto at = t.find(" are in ");
            at != std::string_view::npos && t.find("profiles") != std::string_view::npos) {
            std::string_view m = t.substr(at + 8);
            auto sp = m.find(' ');
            section_mode = std::string(m.substr(0, sp));
            if (t.find("processes") != std::string_view::npos) section_mode.clear();
            return;
        }
        if (t.find(" processes ") != std::string_view::npos || t.ends_with(":") || t.ends_with(".")) {
            section_mode.clear();
            return;
        }
        if (!section_mode.empty() && (line.front() == ' ' || line.front() == '\t'))
            out[std::string(t)] = section_mode;
    });
    return out;
}

command_result run_command(const std::vector<std::string>& argv, int timeout_ms, size_t max_bytes) {
    command_result r;
    if (argv.empty() || argv[0].empty() || argv[0][0] != '/') return r;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return r;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return r;
    }
    pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
        return r;
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        execv(args[0], args.data());
        _exit(127);
    }
    r.started = true;
    close(out_pipe[1]);
    close(err_pipe[1]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            break;
        }
        int n = poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        for (int k = 0; k < 2; ++k) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(fds[k].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                --open_fds;
                continue;
            }
            size_t room = max_bytes > sinks[k]->size() ? max_bytes - sinks[k]->size() : 0;
            sinks[k]->append(buf, std::min(room, static_cast<size_t>(got)));
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    if (r.timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (r.exit_code == 127) r.started = false;
    return r;
}

std::optional<std::string> read_small_file(const std::string& path, std::string* error, size_t max_bytes) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (error) *error = std::strerror(errno);
        return std::nullopt;
    }
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (error) *error = std::strerror(errno);
            close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (data.size() > max_bytes) break;
    }
    close(fd);
    return data;
}

bool is_live_root(const std::string& root) {
    return root.empty() || root == "/";
}

std::string under_root(const std::string& root, const std::string& path) {
    if (is_live_root(root)) return path;
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    if (path.empty() || path.front() != '/') return r + "/" + path;
    return r + path;
}

}  // namespace why502::host
