// The join and the classification: evidence in, diagnosis out.
#pragma once

#include <string>
#include <vector>

#include "diagnose/evidence.hpp"
#include "diagnose/model.hpp"
#include "policy/policy.hpp"

namespace why502::diagnose {

struct diagnose_options {
    // A denial explains a failure when their times differ by at most this much (NGINX
    // stamps have one-second resolution and come from a cached clock).
    int64_t join_window_ms = 2000;
    std::vector<std::string> files;  // file id -> name, for evidence
    bool have_error_log = false;
    bool have_audit_log = false;
    const policy::policy_view* policy = nullptr;  // never null when called from cli
    std::string worker_user;                      // live mode, when known
};

diagnosis diagnose(const evidence_store& ev, const diagnose_options& opt);

// Sort findings: errors before warnings, then most failure lines first.
void order_findings(std::vector<finding>& findings);

}  // namespace why502::diagnose
