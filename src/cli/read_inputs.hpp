// Reading the logs into evidence: chunks in parallel, one evidence store per worker,
// merged at the end; audit events stitched in chunk order.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "diagnose/evidence.hpp"
#include "ingest/input.hpp"
#include "diagnose/model.hpp"

namespace why502::cli {

struct read_options {
    unsigned workers = 2;
    ingest::progress* meter = nullptr;  // reading progress, shared by the inputs
    diagnose::time_window window;
    // How files are read (tests force each way, with small pieces, on small files).
    ingest::mapping map = ingest::mapping::automatic;
    size_t chunk_bytes = 4u << 20;
};

// Reads one NGINX error log (file id `file`) into `store`.
result<diagnose::input_summary> read_error_log(const std::string& path, uint32_t file, const read_options& o,
                                               diagnose::evidence_store& store);
// Reads one audit log into `store`.
result<diagnose::input_summary> read_audit_log(const std::string& path, uint32_t file, const read_options& o,
                                               diagnose::evidence_store& store);

}  // namespace why502::cli
