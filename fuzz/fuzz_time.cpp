// Fuzzes the time-stamp code: --since/--until parsing, zone names, and the civil <->
// epoch conversions every parser relies on. Beyond not crashing: a parsed bound is
// either an error with a message or a time, and civil conversions round-trip.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/time.hpp"

using namespace why502;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string s(reinterpret_cast<const char*>(data), size);
    static const bool zone_set = timeutil::set_input_zone("Europe/Paris").ok();
    if (!zone_set) std::abort();
    int64_t now = timeutil::utc_ms_from_civil({2026, 7, 1, 10, 0, 0, 0});
    auto r = timeutil::parse_time_bound(s, now);
    if (!r.ok() && r.error().message.empty()) std::abort();
    // Zone names are validated, never passed through blindly (no path escapes).
    auto z = timeutil::set_input_zone(s.substr(0, 64));
    if (!z.ok() && z.error().message.empty()) std::abort();
    if (!timeutil::set_input_zone("Europe/Paris").ok()) std::abort();
    int64_t ms = 0;
    for (size_t i = 0; i < size && i < 8; ++i) ms = (ms << 8) | data[i];
    ms &= (int64_t{1} << 47) - 1;  // up to year ~6400
    if (timeutil::utc_ms_from_civil(timeutil::civil_from_utc_ms(ms)) != ms) std::abort();
    timeutil::civil local = timeutil::utc_ms_to_local(ms);
    if (!timeutil::valid(local) && local.year <= 9999) std::abort();
    (void)timeutil::local_to_utc_ms(local);
    (void)timeutil::iso8601_utc(ms);
    return 0;
}
