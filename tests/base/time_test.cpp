#include "base/time.hpp"

#include <gtest/gtest.h>

using namespace why502::timeutil;

TEST(civil, round_trips) {
    for (int64_t ms : {0LL, 1782900842115LL, 951782400000LL /* 2000-02-29 */, 4102444799999LL}) {
        EXPECT_EQ(utc_ms_from_civil(civil_from_utc_ms(ms)), ms);
    }
    civil c{2026, 7, 1, 10, 14, 2, 115};
    EXPECT_EQ(utc_ms_from_civil(c), 1782900842115LL);
    EXPECT_EQ(iso8601_utc(1782900842000LL), "2026-07-01T10:14:02Z");
    EXPECT_EQ(iso8601_utc(1782900842115LL), "2026-07-01T10:14:02.115Z");
}

TEST(zone, unknown_zone_is_an_error) {
    auto r = set_input_zone("Mars/Olympus_Mons");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("Mars/Olympus_Mons"), std::string::npos);
    EXPECT_FALSE(set_input_zone("../../etc/passwd").ok());
    EXPECT_FALSE(set_input_zone("").ok());
}

TEST(zone, local_to_utc_with_dst) {
    ASSERT_TRUE(set_input_zone("Europe/Paris").ok());
    EXPECT_EQ(local_to_utc_ms({2026, 7, 1, 12, 14, 2, 0}),
              utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0}));  // CEST
    EXPECT_EQ(local_to_utc_ms({2026, 1, 15, 12, 0, 0, 0}),
              utc_ms_from_civil({2026, 1, 15, 11, 0, 0, 0}));  // CET
    // Around the switch (2026-03-29 02:00 -> 03:00 local).
    EXPECT_EQ(local_to_utc_ms({2026, 3, 29, 1, 59, 59, 0}), utc_ms_from_civil({2026, 3, 29, 0, 59, 59, 0}));
    EXPECT_EQ(local_to_utc_ms({2026, 3, 29, 3, 0, 0, 0}), utc_ms_from_civil({2026, 3, 29, 1, 0, 0, 0}));
    ASSERT_TRUE(set_input_zone("America/New_York").ok());
    EXPECT_EQ(local_to_utc_ms({2026, 7, 1, 6, 14, 2, 0}), utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0}));
    ASSERT_TRUE(set_input_zone("UTC").ok());
    EXPECT_EQ(local_to_utc_ms({2026, 7, 1, 10, 14, 2, 0}), utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0}));
}

TEST(zone, switching_zones_within_the_same_hour_is_not_cached) {
    civil c{2026, 7, 1, 6, 14, 2, 0};
    ASSERT_TRUE(set_input_zone("UTC").ok());
    EXPECT_EQ(local_to_utc_ms(c), utc_ms_from_civil(c));
    ASSERT_TRUE(set_input_zone("America/New_York").ok());
    EXPECT_EQ(local_to_utc_ms(c), utc_ms_from_civil(c) + 4 * 3600000LL);
}

TEST(bounds, absolute_relative_and_named) {
    ASSERT_TRUE(set_input_zone("UTC").ok());
    int64_t now = utc_ms_from_civil({2026, 7, 1, 10, 0, 0, 0});
    EXPECT_EQ(*parse_time_bound("2026-07-01T09:00:00", now), now - 3600000);
    EXPECT_EQ(*parse_time_bound("2026-07-01 09:00", now), now - 3600000);
    EXPECT_EQ(*parse_time_bound("2026-07-01T11:00:00+02:00", now), now - 3600000);
    EXPECT_EQ(*parse_time_bound("2026-07-01T09:00:00Z", now), now - 3600000);
    EXPECT_EQ(*parse_time_bound("2026-07-01", now), now - 10 * 3600000LL);
    EXPECT_EQ(*parse_time_bound("-1h", now), now - 3600000);
    EXPECT_EQ(*parse_time_bound("-30m", now), now - 1800000);
    EXPECT_EQ(*parse_time_bound("-2d", now), now - 2 * 86400000LL);
    EXPECT_EQ(*parse_time_bound("today", now), now - 10 * 3600000LL);
    EXPECT_EQ(*parse_time_bound("yesterday", now), now - 34 * 3600000LL);
    EXPECT_EQ(*parse_time_bound("now", now), now);
    for (const char* bad : {"", "tomorrow", "-1x", "-h", "2026-13-01", "2026-02-30T00:00:00",
                            "2026-07-01T25:00", "2026/07/01", "1h", "2026-07-01T10:00:00+2",
                            "-13333333333333333h" /* found by fuzz_time: overflowed */, "-999999999999d"}) {
        auto r = parse_time_bound(bad, now);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_NE(r.error().message.find("invalid time"), std::string::npos);
        }
    }
    EXPECT_TRUE(parse_time_bound("boot", now).ok());
}

TEST(syslog, infer_year) {
    ASSERT_TRUE(set_input_zone("UTC").ok());
    int64_t ref = utc_ms_from_civil({2027, 1, 2, 0, 0, 0, 0});
    EXPECT_EQ(infer_year(12, 31, ref), 2026);  // December stamp read in early January
    EXPECT_EQ(infer_year(1, 1, ref), 2027);
    EXPECT_EQ(month_from_abbrev("Jul"), 7);
    EXPECT_EQ(month_from_abbrev("jul"), 0);
}
