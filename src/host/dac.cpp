// The DAC walk for a unix socket, as the kernel decides connect(): search (x) on every
// directory the lookup passes through (symlinks followed), then write (w) on the socket
// file; owner, then ACL named users, then owning and named groups, then other — the
// order of generic_permission / posix_acl_permission.
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include <fmt/format.h>

#include "host/host.hpp"
#include "host/sources.hpp"

namespace why502::host {

namespace {

struct identity {
    std::string name;
    uint32_t uid = 0;
    std::vector<uint32_t> gids;  // primary first
};

struct accounts {
    std::vector<account> users, groups;

    std::string user_name(uint32_t uid) const {
        for (const auto& a : users)
            if (a.id == uid) return a.name;
        return std::to_string(uid);
    }
    std::string group_name(uint32_t gid) const {
        for (const auto& a : groups)
            if (a.id == gid) return a.name;
        return std::to_string(gid);
    }
};

accounts load_accounts(const std::string& root) {
    accounts a;
    if (auto t = read_small_file(under_root(root, "/etc/passwd"))) a.users = parse_passwd(*t);
    if (auto t = read_small_file(under_root(root, "/etc/group"))) a.groups = parse_group(*t);
    return a;
}

std::optional<identity> find_identity(const std::string& root, const std::string& user, const accounts& acc) {
    identity id;
    id.name = user;
    bool found = false;
    for (const auto& u : acc.users) {
        if (u.name == user) {
            id.uid = u.id;
            id.gids.push_back(u.gid);
            found = true;
            break;
        }
    }
    if (!found && !user.empty() &&
        std::all_of(user.begin(), user.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        id.uid = static_cast<uint32_t>(std::stoul(user));
        for (const auto& u : acc.users)
            if (u.id == id.uid) id.gids.push_back(u.gid);
        found = true;
    }
    if (found) {
        for (const auto& g : acc.groups)
            if (std::find(g.members.begin(), g.members.end(), id.name) != g.members.end() &&
                std::find(id.gids.begin(), id.gids.end(), g.id) == id.gids.end())
                id.gids.push_back(g.id);
        return id;
    }
    if (!is_live_root(root)) return std::nullopt;
    // Accounts from NSS (LDAP, sssd) that /etc/passwd does not list.
    passwd pw{}, *res = nullptr;
    std::vector<char> buf(16384);
    if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
    id.uid = pw.pw_uid;
    int n = 64;
    std::vector<gid_t> gl(static_cast<size_t>(n));
    if (getgrouplist(user.c_str(), pw.pw_gid, gl.data(), &n) < 0) {
        gl.resize(static_cast<size_t>(n));
        getgrouplist(user.c_str(), pw.pw_gid, gl.data(), &n);
    }
    id.gids.push_back(pw.pw_gid);
    for (int i = 0; i < n; ++i)
        if (std::find(id.gids.begin(), id.gids.end(), gl[static_cast<size_t>(i)]) == id.gids.end())
            id.gids.push_back(gl[static_cast<size_t>(i)]);
    return id;
}

// getfacl outputs a sosreport kept (sos_commands/*/getfacl*), path -> entries.
std::map<std::string, std::vector<acl_entry>> load_getfacl(const std::string& root, const accounts& acc) {
    std::map<std::string, std::vector<acl_entry>> out;
    std::string sos = under_root(root, "/sos_commands");
    DIR* d = opendir(sos.c_str());
    if (!d) return out;
    std::vector<std::string> dirs;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') dirs.push_back(sos + "/" + e->d_name);
    closedir(d);
    for (const auto& sub : dirs) {
        DIR* sd = opendir(sub.c_str());
        if (!sd) continue;
        while (dirent* e = readdir(sd)) {
            if (std::strncmp(e->d_name, "getfacl", 7) != 0) continue;
            if (auto t = read_small_file(sub + "/" + e->d_name))
                out.merge(parse_getfacl(*t, acc.users, acc.groups));
        }
        closedir(sd);
    }
    return out;
}

std::string mode_string(const struct stat& st, bool acl) {
    std::string s(10, '-');
    if (S_ISDIR(st.st_mode))
        s[0] = 'd';
    else if (S_ISSOCK(st.st_mode))
        s[0] = 's';
    else if (S_ISLNK(st.st_mode))
        s[0] = 'l';
    else if (S_ISFIFO(st.st_mode))
        s[0] = 'p';
    const char* rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i)
        if (st.st_mode & (0400u >> i)) s[static_cast<size_t>(i) + 1] = rwx[i];
    if (st.st_mode & S_ISUID) s[3] = (st.st_mode & S_IXUSR) ? 's' : 'S';
    if (st.st_mode & S_ISGID) s[6] = (st.st_mode & S_IXGRP) ? 's' : 'S';
    if (st.st_mode & S_ISVTX) s[9] = (st.st_mode & S_IXOTH) ? 't' : 'T';
    if (acl) s += '+';
    return s;
}

enum class acl_state { none, present, unknown };

struct object_acl {
    acl_state state = acl_state::none;
    std::vector<acl_entry> entries;
};

struct decision {
    bool allowed = false;
    std::string via;  // "owner", "group www-data", "ACL user www-data", "other"
};

bool in_groups(const identity& id, uint32_t gid) {
    return std::find(id.gids.begin(), id.gids.end(), gid) != id.gids.end();
}

decision permitted(const struct stat& st, const object_acl& acl, const identity& id, unsigned want,
                   const accounts& acc) {
    auto has = [&](unsigned perm) { return (perm & want) == want; };
    if (acl.state != acl_state::present) {
        if (st.st_uid == id.uid) return {has((st.st_mode >> 6) & 7u), "owner"};
        if (in_groups(id, st.st_gid))
            return {has((st.st_mode >> 3) & 7u), "group " + acc.group_name(st.st_gid)};
        return {has(st.st_mode & 7u), "other"};
    }
    unsigned mask = 7;
    for (const auto& e : acl.entries)
        if (e.tag == acl_tag::mask) mask = e.perm;
    bool found_group = false;
    std::string group_via;
    for (const auto& e : acl.entries) {
        switch (e.tag) {
            case acl_tag::user_obj:
                if (st.st_uid == id.uid) return {has(e.perm), "owner"};
                break;
            case acl_tag::user:
                if (e.id == id.uid) return {has(e.perm & mask), "ACL entry user:" + acc.user_name(e.id)};
                break;
            case acl_tag::group_obj:
            case acl_tag::group: {
                uint32_t gid = e.tag == acl_tag::group_obj ? static_cast<uint32_t>(st.st_gid) : e.id;
                if (!in_groups(id, gid)) break;
                std::string via =
                    (e.tag == acl_tag::group ? "ACL entry group:" : "group ") + acc.group_name(gid);
                if (!found_group) group_via = via;
                found_group = true;
                if (has(e.perm)) return {has(e.perm & mask), via + " (ACL mask applies)"};
                break;
            }
            case acl_tag::mask:
                break;
            case acl_tag::other:
                if (found_group) return {false, group_via};
                return {has(e.perm), "other"};
        }
    }
    return {false, found_group ? group_via : "no ACL entry"};
}

std::vector<std::string> split_path(const std::string& p) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < p.size()) {
        size_t slash = p.find('/', pos);
        if (slash == std::string::npos) slash = p.size();
        if (slash > pos) out.push_back(p.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return out;
}

std::string describe(const identity& id, const accounts& acc) {
    std::string groups;
    for (uint32_t g : id.gids) groups += (groups.empty() ? "" : ",") + acc.group_name(g);
    return fmt::format("{} (uid {}, groups {})", id.name, id.uid, groups.empty() ? "none" : groups);
}

}  // namespace

dac_verdict check_socket_access(const std::string& root, const std::string& socket_path,
                                const std::string& user) {
    dac_verdict v;
    std::string path = socket_path;
    if (path.rfind("unix:", 0) == 0) path = path.substr(5);
    if (path.empty() || path.front() != '/') {
        v.reason = fmt::format("{} is not an absolute socket path", path);
        return v;
    }
    accounts acc = load_accounts(root);
    auto id = find_identity(root, user, acc);
    if (!id) {
        v.reason = fmt::format("user {} is not in {}", user, under_root(root, "/etc/passwd"));
        return v;
    }
    bool live = is_live_root(root);
    std::map<std::string, std::vector<acl_entry>> getfacl;
    bool getfacl_loaded = false;
    std::vector<std::string> acl_unknown;

    auto acl_of = [&](const std::string& logical, const std::string& real) {
        object_acl a;
        char buf[4096];
        ssize_t n = lgetxattr(real.c_str(), "system.posix_acl_access", buf, sizeof buf);
        if (n > 0) {
            if (auto e = decode_posix_acl(std::string_view(buf, static_cast<size_t>(n)))) {
                a.state = acl_state::present;
                a.entries = std::move(*e);
            }
            return a;
        }
        if (live) return a;
        if (!getfacl_loaded) {
            getfacl = load_getfacl(root, acc);
            getfacl_loaded = true;
        }
        auto it = getfacl.find(logical);
        if (it == getfacl.end()) {
            a.state = acl_state::unknown;
            acl_unknown.push_back(logical);
            return a;
        }
        a.state = acl_state::present;
        a.entries = it->second;
        return a;
    };

    std::string who = describe(*id, acc);
    std::deque<std::string> todo;
    for (auto& c : split_path(path)) todo.push_back(std::move(c));
    std::vector<std::string> current;  // resolved logical components
    auto logical_of = [](const std::vector<std::string>& comps) {
        std::string s;
        for (const auto& c : comps) s += "/" + c;
        return s.empty() ? std::string("/") : s;
    };
    int hops = 0;
    bool root_user = id->uid == 0;

    auto check_dir = [&](const std::string& logical, const struct stat& st, const object_acl& a) -> bool {
        v.walk.push_back(fmt::format("{} {}:{} {}", mode_string(st, a.state == acl_state::present),
                                     acc.user_name(st.st_uid), acc.group_name(st.st_gid), logical));
        if (root_user) return true;
        decision d = permitted(st, a, *id, 1, acc);
        if (d.allowed) return true;
        v.allowed = false;
        v.checked = true;
        v.denying_path = logical;
        v.owner = acc.user_name(st.st_uid);
        v.group = acc.group_name(st.st_gid);
        v.mode = st.st_mode & 07777;
        v.acl = a.state == acl_state::present;
        v.reason = fmt::format(
            "{} may not search (x) the directory {} ({} {}:{}, decided by {}), so it cannot reach {}", who,
            logical, mode_string(st, v.acl), v.owner, v.group, d.via, path);
        if (a.state == acl_state::unknown)
            v.reason += fmt::format(
                "; ACLs unknown for {}: the collected tree keeps none (no getfacl output)", logical);
        return false;
    };

    if (live) {
        struct stat st {};
        if (stat("/", &st) == 0 && !check_dir("/", st, acl_of("/", "/"))) return v;
    }
    while (!todo.empty()) {
        std::string comp = todo.front();
        todo.pop_front();
        if (comp == ".") continue;
        if (comp == "..") {
            if (!current.empty()) current.pop_back();
            continue;
        }
        current.push_back(comp);
        std::string logical = logical_of(current);
        std::string real = under_root(root, logical);
        struct stat st {};
        if (lstat(real.c_str(), &st) != 0) {
            int e = errno;
            v.checked = false;
            v.reason = e == ENOENT
                           ? fmt::format("{} does not exist{}", logical, live ? "" : " in the collected tree")
                           : fmt::format("cannot examine {}: {}", logical, std::strerror(e));
            return v;
        }
        if (S_ISLNK(st.st_mode)) {
            if (++hops > 40) {
                v.reason = fmt::format("too many symbolic links resolving {}", path);
                return v;
            }
            char buf[4096];
            ssize_t n = readlink(real.c_str(), buf, sizeof buf - 1);
            if (n <= 0) {
                v.reason = fmt::format("cannot read the symbolic link {}", logical);
                return v;
            }
            std::string target(buf, static_cast<size_t>(n));
            v.walk.push_back(fmt::format("{} -> {}", logical, target));
            current.pop_back();
            if (!target.empty() && target.front() == '/') current.clear();
            auto parts = split_path(target);
            todo.insert(todo.begin(), parts.begin(), parts.end());
            continue;
        }
        object_acl a = acl_of(logical, real);
        if (!todo.empty()) {
            if (!S_ISDIR(st.st_mode)) {
                v.reason = fmt::format("{} is not a directory", logical);
                return v;
            }
            if (!check_dir(logical, st, a)) return v;
            continue;
        }
        // The socket itself.
        v.checked = true;
        v.acl = a.state == acl_state::present;
        v.owner = acc.user_name(st.st_uid);
        v.group = acc.group_name(st.st_gid);
        v.mode = st.st_mode & 07777;
        v.walk.push_back(fmt::format("{} {}:{} {}", mode_string(st, v.acl), v.owner, v.group, logical));
        std::string kind = S_ISSOCK(st.st_mode) ? "" : " (note: it is not a socket)";
        if (root_user) {
            v.allowed = true;
            v.reason = fmt::format("{} runs as root: file permissions do not limit it{}", user, kind);
            return v;
        }
        decision d = permitted(st, a, *id, 2, acc);
        v.allowed = d.allowed;
        if (!d.allowed) v.denying_path = logical;
        v.reason = d.allowed ? fmt::format(
                                   "{} may search every directory of {} and write to it ({} {}:{}, via {}){}",
                                   who, logical, mode_string(st, v.acl), v.owner, v.group, d.via, kind)
                             : fmt::format(
                                   "{} may not write to the socket {} ({} {}:{}, decided by {}): connect() "
                                   "needs write permission on the socket file{}",
                                   who, logical, mode_string(st, v.acl), v.owner, v.group, d.via, kind);
        if (!acl_unknown.empty()) {
            std::string list;
            for (const auto& p : acl_unknown) list += (list.empty() ? "" : ", ") + p;
            v.reason +=
                fmt::format("; ACLs unknown for {}: the collected tree keeps none (no getfacl output)", list);
        }
        return v;
    }
    v.reason = fmt::format("{} names no file", path);
    return v;
}

}  // namespace why502::host
