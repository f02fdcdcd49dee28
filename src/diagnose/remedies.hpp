// Fixes for causes that are not SELinux: checks and changes for the operator, as a
// table (one row per remedy) filled in with the upstream's address, words quoted.
#pragma once

#include <string>
#include <vector>

#include "diagnose/model.hpp"

namespace why502::diagnose {

struct remedy_context {
    std::string transport;  // "tcp" | "unix"
    std::string host;       // may be empty
    int port = -1;
    std::string path;         // unix socket path
    std::string scheme;       // "http", "fastcgi", "uwsgi", ... (may be empty)
    std::string address;      // as in the finding
    std::string phase;        // "connecting" | "reading_header" | ... (timeouts)
    std::string worker_user;  // live mode: the NGINX worker user, when known
};

std::vector<fix> remedies_for(const std::string& cause, const remedy_context& ctx);

}  // namespace why502::diagnose
