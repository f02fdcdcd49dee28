// Live mode (no input files) and collected trees (--root): what the host tells us, and
// the per-finding checks only a host can answer (DAC walk, probe, listeners, labels).
#pragma once

#include <memory>
#include <optional>

#include "cli/options.hpp"
#include "diagnose/model.hpp"
#include "host/host.hpp"
#include "policy/policy.hpp"

namespace why502::cli {

struct live_context : host::live_facts {};

live_context collect_live(const options& o);
// The host's loaded policy with its current booleans, when SELinux is on and the
// policy is readable.
std::optional<std::unique_ptr<policy::policy_view>> load_live_policy(const live_context& live);
void enrich_live(const options& o, const live_context& live, const policy::policy_view* policy,
                 diagnose::diagnosis& d);

}  // namespace why502::cli
