// Time stamps: NGINX, syslog, journald and `ausearch -i` write local civil time without a
// zone; the kernel's audit records carry UTC epoch seconds. Every local stamp of the
// inputs is in one zone (--tz, else the host's), so the zone is set once per process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace why502::timeutil {

struct civil {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millis = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int year, int month, int day);
// Epoch milliseconds of a civil time read as UTC.
int64_t utc_ms_from_civil(const civil& c);
civil civil_from_utc_ms(int64_t ms);
bool valid(const civil& c);

// Make IANA zone `name` the zone of every local stamp ("UTC" and "local" accepted).
// Unknown names are an error (glibc would silently fall back to UTC).
status set_input_zone(std::string_view name);
std::string input_zone_name();

// Local civil time in the input zone -> UTC epoch milliseconds. In a DST gap the
// stamp is read with the offset before the gap; in an overlap the earlier instant.
int64_t local_to_utc_ms(const civil& c);
// UTC epoch ms -> civil time in the input zone.
civil utc_ms_to_local(int64_t ms);

// "2026-07-01T10:14:02Z" (milliseconds shown only when non-zero).
std::string iso8601_utc(int64_t ms);

// Month from its English three-letter abbreviation ("Jan" -> 1); 0 if not one.
int month_from_abbrev(std::string_view m);

// A syslog stamp has no year: pick the year that puts (month, day) no later than a
// day after `reference_ms` (the file's modification time, or now).
int infer_year(int month, int day, int64_t reference_ms);

int64_t now_ms();
// Boot time (from /proc/stat btime), or nullopt.
std::optional<int64_t> boot_time_ms();

// --since / --until: "2026-07-01T10:00:00" or "2026-07-01 10:00:00" (input zone, or a
// trailing Z / +HH:MM), "2026-07-01", "-1h" / "-30m" / "-2d" / "-45s" (before now),
// "now", "today", "yesterday", "boot".
result<int64_t> parse_time_bound(std::string_view text, int64_t now);

}  // namespace why502::timeutil
