// From an NGINX failure (kind, errno, transport) to a cause id: the errno table.
#pragma once

#include <string_view>

#include "parse/nginx_error.hpp"

namespace why502::diagnose {

// The cause a failure points to by itself, before any join with denials. errno 13 maps
// to "" (decided by the join: an AVC, the audit log's coverage, the policy).
std::string_view cause_of(parse::failure_kind kind, int err, bool unix_socket);

// errno number -> symbolic name and meaning ("ECONNREFUSED", "connection refused"):
// NGINX prints the C library's text, which differs between libcs; we print ours.
struct errno_info {
    int number;
    std::string_view name;
    std::string_view text;
};
const errno_info* find_errno(int number);

}  // namespace why502::diagnose
