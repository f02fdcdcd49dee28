#include "base/time.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sys/stat.h>

#include <fmt/format.h>

namespace why502::timeutil {
namespace {

std::string g_zone_name = "local";
// Bumped by set_input_zone so that per-thread offset caches never outlive a zone.
std::atomic<uint64_t> g_zone_generation{1};

bool read_int(std::string_view s, size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
}

long gmtoff_at(time_t t) {
    struct tm tmv {};
    localtime_r(&t, &tmv);
    return tmv.tm_gmtoff;
}

}  // namespace

int64_t days_from_civil(int y, int m, int d) {
    // H. Hinnant's days_from_civil.
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t utc_ms_from_civil(const civil& c) {
    int64_t days = days_from_civil(c.year, c.month, c.day);
    return ((days * 24 + c.hour) * 60 + c.minute) * 60000 + c.second * 1000LL + c.millis;
}

civil civil_from_utc_ms(int64_t ms) {
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int millis = static_cast<int>(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    civil c;
    c.year = static_cast<int>(y + (m <= 2));
    c.month = static_cast<int>(m);
    c.day = static_cast<int>(d);
    c.hour = static_cast<int>(rem / 3600);
    c.minute = static_cast<int>((rem / 60) % 60);
    c.second = static_cast<int>(rem % 60);
    c.millis = millis;
    return c;
}

bool valid(const civil& c) {
    static constexpr int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return c.year >= 1970 && c.year <= 9999 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
           c.day <= mdays[c.month - 1] && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59 &&
           c.second >= 0 && c.second <= 60 && c.millis >= 0 && c.millis <= 999;
}

status set_input_zone(std::string_view name) {
    std::string n(name);
    if (n.empty()) return user_error{"--tz: empty zone name"};
    g_zone_generation.fetch_add(1, std::memory_order_relaxed);
    if (n == "local") {
        g_zone_name = "local";
        tzset();
        return ok();
    }
    if (n == "UTC" || n == "Z" || n == "Etc/UTC" || n == "GMT") {
        setenv("TZ", "UTC0", 1);
        tzset();
        g_zone_name = "UTC";
        return ok();
    }
    bool sane = n.find("..") == std::string::npos && n.front() != '/' &&
                n.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
                    std::string::npos;
    const char* dir = std::getenv("TZDIR");
    std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + n;
    struct stat st {};
    if (!sane || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return user_error{
            fmt::format("--tz: unknown time zone '{}' (expected an IANA name such as "
                        "Europe/Paris or UTC)",
                        n)};
    }
    setenv("TZ", n.c_str(), 1);
    tzset();
    g_zone_name = n;
    return ok();
}

std::string input_zone_name() {
    if (g_zone_name != "local") return g_zone_name;
    const char* tz = std::getenv("TZ");
    return tz && *tz ? fmt::format("local ({})", tz) : "local";
}

int64_t local_to_utc_ms(const civil& c) {
    // Offsets change at most a few times a year: cache per hour-of-input.
    thread_local int64_t cached_key = INT64_MIN;
    thread_local uint64_t cached_generation = 0;
    thread_local long cached_off = 0;
    int64_t as_utc = utc_ms_from_civil(c);
    int64_t key = as_utc / 3600000;
    uint64_t gen = g_zone_generation.load(std::memory_order_relaxed);
    if (key != cached_key || gen != cached_generation) {
        cached_generation = gen;
        time_t guess = static_cast<time_t>(as_utc / 1000);
        long off = gmtoff_at(guess);
        long off2 = gmtoff_at(guess - off);
        if (off2 != off) {
            long off3 = gmtoff_at(guess - off2);
            off = off3 == off2 ? off2 : std::max(off, off2);
        }
        cached_key = key;
        cached_off = off;
    }
    return as_utc - cached_off * 1000LL;
}

civil utc_ms_to_local(int64_t ms) {
    time_t t = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    return civil_from_utc_ms(ms + gmtoff_at(t) * 1000LL);
}

std::string iso8601_utc(int64_t ms) {
    civil c = civil_from_utc_ms(ms);
    if (c.millis)
        return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour,
                           c.minute, c.second, c.millis);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute,
                       c.second);
}

int month_from_abbrev(std::string_view m) {
    static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (m == names[i]) return i + 1;
    return 0;
}

int infer_year(int month, int day, int64_t reference_ms) {
    civil ref = utc_ms_to_local(reference_ms);
    civil c{ref.year, month, day, 0, 0, 0, 0};
    if (utc_ms_from_civil(c) > utc_ms_from_civil(ref) + 86400000LL) return ref.year - 1;
    return ref.year;
}

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<int64_t> boot_time_ms() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            int64_t v = 0;
            if (in >> v) return v * 1000;
            return std::nullopt;
        }
        in.ignore(1 << 20, '\n');
    }
    return std::nullopt;
}

result<int64_t> parse_time_bound(std::string_view s, int64_t now) {
    auto bad = [&] {
        return user_error{
            fmt::format("invalid time '{}': expected 2026-07-01T10:00:00, 2026-07-01, -1h, -30m, -2d, now, "
                        "today, yesterday or boot",
                        std::string(s))};
    };
    if (s == "now") return now;
    if (s == "today" || s == "yesterday") {
        civil c = utc_ms_to_local(now);
        if (s == "yesterday") {
            civil d = civil_from_utc_ms((days_from_civil(c.year, c.month, c.day) - 1) * 86400000LL);
            c.year = d.year;
            c.month = d.month;
            c.day = d.day;
        }
        c.hour = c.minute = c.second = c.millis = 0;
        return local_to_utc_ms(c);
    }
    if (s == "boot") {
        auto b = boot_time_ms();
        if (!b) return user_error{"--since boot: cannot read the boot time from /proc/stat"};
        return *b;
    }
    if (!s.empty() && s.front() == '-') {
        int64_t n = 0;
        auto r = std::from_chars(s.data() + 1, s.data() + s.size(), n);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size() - 1 || n < 0) return bad();
        int64_t unit = 0;
        switch (s.back()) {
            case 's':
                unit = 1000;
                break;
            case 'm':
                unit = 60000;
                break;
            case 'h':
                unit = 3600000;
                break;
            case 'd':
                unit = 86400000;
                break;
            default:
                return bad();
        }
        // Relative bounds further back than a century are typos, and would overflow.
        if (n > 100LL * 366 * 86400000 / unit) return bad();
        return now - n * unit;
    }
    civil c;
    if (!read_int(s, 0, 4, c.year) || s.size() < 10 || s[4] != '-' || !read_int(s, 5, 2, c.month) ||
        s[7] != '-' || !read_int(s, 8, 2, c.day))
        return bad();
    size_t pos = 10;
    if (s.size() > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || !read_int(s, 11, 2, c.hour) || s.size() < 16 || s[13] != ':' ||
            !read_int(s, 14, 2, c.minute))
            return bad();
        pos = 16;
        if (s.size() > 16 && s[16] == ':') {
            if (!read_int(s, 17, 2, c.second)) return bad();
            pos = 19;
        }
    }
    if (!valid(c)) return bad();
    std::string_view rest = s.substr(pos);
    if (rest.empty()) return local_to_utc_ms(c);
    if (rest == "Z") return utc_ms_from_civil(c);
    int oh = 0, om = 0;
    if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':' &&
        read_int(rest, 1, 2, oh) && read_int(rest, 4, 2, om)) {
        int64_t off = (oh * 60 + om) * 60000LL * (rest[0] == '-' ? -1 : 1);
        return utc_ms_from_civil(c) - off;
    }
    return bad();
}

}  // namespace why502::timeutil
