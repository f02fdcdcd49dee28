// SELinux and AppArmor state of the inspected host: live through libselinux and
// /sys, or from a collected tree (etc/selinux/config and the sosreport's sestatus,
// getsebool, semanage outputs). Internal to the host stage.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace why502::host {

struct selinux_state {
    std::string mode = "unknown";  // enforcing | permissive | disabled | unknown
    std::optional<std::string> policy_path;
    std::map<std::string, bool> booleans;
    bool booleans_known = false;
    nlohmann::json json = nlohmann::json::object();
    std::vector<std::string> warnings;
};
selinux_state read_selinux(const std::string& root);

struct apparmor_state {
    std::string status;  // "enabled" | "disabled" | ""
    nlohmann::json json = nlohmann::json::object();
    std::vector<std::string> warnings;
};
apparmor_state read_apparmor(const std::string& root);

// The newest policy.NN under DIR/etc/selinux/TYPE/policy, if any.
std::optional<std::string> installed_policy(const std::string& root, const std::string& type);

}  // namespace why502::host
