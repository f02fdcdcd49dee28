#include "host/security.hpp"

#include <dirent.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "host/host.hpp"
#include "host/sources.hpp"

namespace why502::host {

namespace {

constexpr const char* disabled_summary = "SELinux is disabled (or not available) on this host";

// sosreport file names vary by version: the first that exists wins (one row each).
constexpr const char* sestatus_files[] = {"sestatus_-v", "sestatus_-b", "sestatus"};
constexpr const char* getsebool_files[] = {"getsebool_-a"};
constexpr const char* semanage_boolean_files[] = {"semanage_boolean_-l"};
constexpr const char* semanage_port_files[] = {"semanage_port_-l"};
constexpr const char* apparmor_files[] = {"apparmor_status", "aa-status", "aa_status"};

template <size_t N>
std::optional<std::pair<std::string, std::string>> read_sos(const std::string& root, const char* plugin,
                                                            const char* const (&names)[N]) {
    for (const char* n : names) {
        std::string p = under_root(root, fmt::format("/sos_commands/{}/{}", plugin, n));
        if (auto t = read_small_file(p)) return std::pair{p, std::move(*t)};
    }
    return std::nullopt;
}

// Booleans worth showing in the report; the full set is in `booleans`.
bool shown_boolean(const std::string& name) {
    return name.rfind("httpd_", 0) == 0 || name == "nis_enabled" || name == "allow_ypbind";
}

nlohmann::json shown_booleans(const std::map<std::string, bool>& b) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : b)
        if (shown_boolean(k)) j[k] = v;
    return j;
}

}  // namespace

std::optional<std::string> installed_policy(const std::string& root, const std::string& type) {
    if (type.empty() || type.find('/') != std::string::npos) return std::nullopt;
    std::string dir = under_root(root, fmt::format("/etc/selinux/{}/policy", type));
    DIR* d = opendir(dir.c_str());
    if (!d) return std::nullopt;
    int best = -1;
    while (dirent* e = readdir(d)) {
        if (std::strncmp(e->d_name, "policy.", 7) != 0) continue;
        char* end = nullptr;
        long v = std::strtol(e->d_name + 7, &end, 10);
        if (end && *end == '\0' && v > best) best = static_cast<int>(v);
    }
    closedir(d);
    if (best < 0) return std::nullopt;
    return fmt::format("{}/policy.{}", dir, best);
}

selinux_state read_selinux(const std::string& root) {
    selinux_state s;
    auto& j = s.json;
    std::map<std::string, std::string> config;
    std::string config_path = under_root(root, "/etc/selinux/config");
    if (auto t = read_small_file(config_path)) {
        config = parse_selinux_config(*t);
        if (config.count("SELINUX")) j["config_mode"] = config["SELINUX"];
    }
    std::string type = config.count("SELINUXTYPE") ? config["SELINUXTYPE"] : "";

    if (is_live_root(root)) {
        bool enabled = is_selinux_enabled() > 0;
        j["enabled"] = enabled;
        if (!enabled) {
            s.mode = "disabled";
            j["mode"] = s.mode;
            j["summary"] = disabled_summary;
            j["booleans_source"] = nullptr;
            if (!type.empty()) j["policy_type"] = type;
            if (auto p = installed_policy(root, type)) {
                // Installed but not loaded: good for computing fixes, not a fact of the kernel.
                s.policy_path = p;
                j["policy_path"] = *p;
                j["policy_loaded"] = false;
            }
            return s;
        }
        int enforce = security_getenforce();
        s.mode = enforce == 1 ? "enforcing" : enforce == 0 ? "permissive" : "unknown";
        j["mode"] = s.mode;
        j["summary"] = fmt::format("SELinux is {} on this host", s.mode);
        char* ptype = nullptr;
        if (selinux_getpolicytype(&ptype) == 0 && ptype) {
            type = ptype;
            free(ptype);
        }
        if (!type.empty()) j["policy_type"] = type;
        if (const char* p = selinux_current_policy_path(); p && access(p, R_OK) == 0) {
            s.policy_path = p;
        } else if (auto ip = installed_policy(root, type)) {
            s.policy_path = ip;
            s.warnings.push_back(fmt::format("the loaded policy file is not readable; using {}", *ip));
        } else {
            s.warnings.push_back(
                "no readable SELinux policy file: fixes cannot be verified against the policy");
        }
        if (s.policy_path) {
            j["policy_path"] = *s.policy_path;
            j["policy_loaded"] = true;
        }
        char** names = nullptr;
        int len = 0;
        if (security_get_boolean_names(&names, &len) == 0) {
            for (int i = 0; i < len; ++i) {
                int v = security_get_boolean_active(names[i]);
                if (v >= 0) s.booleans[names[i]] = v == 1;
                free(names[i]);
            }
            free(names);
            s.booleans_known = true;
            j["booleans_source"] = "host's current values (libselinux)";
        } else {
            s.warnings.push_back(fmt::format("cannot read SELinux booleans: {}", std::strerror(errno)));
        }
        j["booleans_count"] = s.booleans.size();
        j["booleans"] = shown_booleans(s.booleans);
        return s;
    }

    // A collected tree.
    if (config.empty()) s.warnings.push_back(fmt::format("{}: missing or unreadable", config_path));
    if (auto st = read_sos(root, "selinux", sestatus_files)) {
        auto info = parse_sestatus(st->second);
        j["sestatus_file"] = st->first;
        std::string status = info.fields.count("selinux status") ? info.fields["selinux status"] : "";
        if (status == "disabled") {
            s.mode = "disabled";
        } else if (info.fields.count("current mode")) {
            s.mode = info.fields["current mode"];
        }
        if (info.fields.count("loaded policy name")) type = info.fields["loaded policy name"];
        if (!info.booleans.empty()) {
            s.booleans = info.booleans;
            s.booleans_known = true;
            j["booleans_source"] = st->first;
        }
        j["mode_source"] = st->first;
    } else if (config.count("SELINUX")) {
        s.mode = config["SELINUX"];
        j["mode_source"] = config_path + " (configured mode, not observed)";
        s.warnings.push_back(
            "no sestatus output in the collected tree: the SELinux mode is the configured one");
    } else {
        s.warnings.push_back(
            "the SELinux mode of the collected host is unknown (no sestatus, no etc/selinux/config)");
    }
    if (auto gb = read_sos(root, "selinux", getsebool_files)) {
        s.booleans = parse_getsebool(gb->second);
        s.booleans_known = !s.booleans.empty();
        j["booleans_source"] = gb->first;
    } else if (auto sb = read_sos(root, "selinux", semanage_boolean_files); sb && !s.booleans_known) {
        s.booleans = parse_semanage_boolean(sb->second);
        s.booleans_known = !s.booleans.empty();
        j["booleans_source"] = sb->first;
    }
    if (!s.booleans_known && s.mode != "disabled")
        s.warnings.push_back("no getsebool -a output in the collected tree: current boolean values unknown");
    if (auto sp = read_sos(root, "selinux", semanage_port_files)) {
        nlohmann::json ports = nlohmann::json::array();
        for (const auto& r : parse_semanage_port(sp->second))
            ports.push_back({{"type", r.type}, {"proto", r.proto}, {"ports", r.ports}});
        j["port_labels"] = ports;
        j["port_labels_source"] = sp->first;
    }
    j["mode"] = s.mode;
    j["enabled"] = s.mode == "enforcing" || s.mode == "permissive";
    j["summary"] = s.mode == "disabled" ? std::string("SELinux is disabled on the collected host")
                                        : fmt::format("SELinux is {} on the collected host", s.mode);
    if (!type.empty()) j["policy_type"] = type;
    if (auto p = installed_policy(root, type)) {
        s.policy_path = p;
        j["policy_path"] = *p;
    }
    j["booleans_count"] = s.booleans.size();
    j["booleans"] = shown_booleans(s.booleans);
    return s;
}

apparmor_state read_apparmor(const std::string& root) {
    apparmor_state a;
    std::map<std::string, std::string> profiles;
    if (is_live_root(root)) {
        if (auto t = read_small_file("/sys/module/apparmor/parameters/enabled")) {
            a.status = (!t->empty() && (*t)[0] == 'Y') ? "enabled" : "disabled";
        }
        std::string err;
        if (auto t = read_small_file("/sys/kernel/security/apparmor/profiles", &err))
            profiles = parse_apparmor_profiles(*t);
        else if (a.status == "enabled")
            a.warnings.push_back(fmt::format("cannot read /sys/kernel/security/apparmor/profiles: {}", err));
    } else if (auto t = read_sos(root, "apparmor", apparmor_files)) {
        a.status = t->second.find("module is loaded") != std::string::npos ? "enabled" : "disabled";
        profiles = parse_apparmor_profiles(t->second);
        a.json["source"] = t->first;
    }
    a.json["status"] = a.status.empty() ? "not available" : a.status;
    nlohmann::json nginx = nlohmann::json::array();
    for (const auto& [name, mode] : profiles)
        if (name.find("nginx") != std::string::npos) nginx.push_back({{"profile", name}, {"mode", mode}});
    a.json["nginx_profiles"] = nginx;
    if (a.status == "enabled")
        a.json["summary"] = nginx.empty() ? "AppArmor is enabled; no profile for nginx is loaded"
                                          : "AppArmor is enabled and confines nginx";
    else
        a.json["summary"] = a.status.empty() ? "AppArmor is not available" : "AppArmor is disabled";
    return a;
}

file_label socket_label(const std::string& root, const std::string& path_in) {
    file_label out;
    std::string path = path_in.rfind("unix:", 0) == 0 ? path_in.substr(5) : path_in;
    if (path.empty() || path.front() != '/') return out;
    char* con = nullptr;
    if (lgetfilecon_raw(under_root(root, path).c_str(), &con) > 0 && con) {
        out.actual = con;
        freecon(con);
    }
    std::string type;
    if (auto t = read_small_file(under_root(root, "/etc/selinux/config"))) {
        auto cfg = parse_selinux_config(*t);
        type = cfg.count("SELINUXTYPE") ? cfg["SELINUXTYPE"] : "";
    }
    if (type.empty() || type.find('/') != std::string::npos) return out;
    std::string fc = under_root(root, fmt::format("/etc/selinux/{}/contexts/files/file_contexts", type));
    if (access(fc.c_str(), R_OK) != 0) return out;
    // Compiling file_contexts costs tens of milliseconds: keep one handle per file,
    // closed at exit.
    struct handle_cache {
        std::mutex mu;
        std::map<std::string, selabel_handle*> handles;
        ~handle_cache() {
            for (auto& [k, h] : handles)
                if (h) selabel_close(h);
        }
    };
    static handle_cache cache;
    std::lock_guard lock(cache.mu);
    selabel_handle*& h = cache.handles[fc];
    if (!h) {
        selinux_opt opts[] = {{SELABEL_OPT_PATH, fc.c_str()}};
        h = selabel_open(SELABEL_CTX_FILE, opts, 1);
        if (!h) return out;
    }
    char* expected = nullptr;
    if (selabel_lookup_raw(h, &expected, path.c_str(), S_IFSOCK) == 0 && expected) {
        out.expected = expected;
        freecon(expected);
    }
    return out;
}

}  // namespace why502::host
