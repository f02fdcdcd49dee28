#include "base/text.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

using namespace why502::text;

TEST(escape_terminal, keeps_printable_and_utf8) {
    EXPECT_EQ(escape_terminal("GET /caf\xc3\xa9 HTTP/1.1"), "GET /caf\xc3\xa9 HTTP/1.1");
}

TEST(escape_terminal, escapes_controls_and_backslash) {
    EXPECT_EQ(escape_terminal("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z");
    EXPECT_EQ(escape_terminal("line\nnext\r"), "line\\x0anext\\x0d");
    EXPECT_EQ(escape_terminal("back\\x1b"), "back\\\\x1b");  // cannot be forged
    EXPECT_EQ(escape_terminal(std::string("nul\0x", 5)), "nul\\x00x");
}

TEST(escape_terminal, escapes_invalid_utf8_and_c1_and_bidi) {
    EXPECT_EQ(escape_terminal("bad\xff\xfe"), "bad\\xff\\xfe");
    EXPECT_EQ(escape_terminal("\xc2\x9b"
                              "31m"),
              "\\xc2\\x9b31m");  // C1 CSI
    EXPECT_EQ(escape_terminal("a\xe2\x80\xae"
                              "b"),
              "a\\xe2\\x80\\xaeb");                                 // RLO
    EXPECT_EQ(escape_terminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong
    EXPECT_EQ(escape_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(to_valid_utf8, replaces_only_invalid_bytes) {
    EXPECT_EQ(to_valid_utf8("ok \xc3\xa9"), "ok \xc3\xa9");
    EXPECT_EQ(to_valid_utf8("x\x80y"), "x\\x80y");
    EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xff\xfe\xfd")));
}

TEST(escape_html, escapes_markup) {
    EXPECT_EQ(escape_html("<script>alert('x')</script>&\""),
              "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    EXPECT_EQ(escape_html("a\x1b[31m"), "a\\x1b[31m");
}

TEST(shell_quote, bare_words_stay_bare) {
    EXPECT_EQ(shell_quote("httpd_can_network_connect"), "httpd_can_network_connect");
    EXPECT_EQ(shell_quote("/run/php-fpm/www.sock"), "/run/php-fpm/www.sock");
    EXPECT_EQ(shell_quote("3000"), "3000");
}

TEST(shell_quote, quotes_everything_else) {
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("a b"), "'a b'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote("-rf"), "'-rf'");
    EXPECT_EQ(shell_quote("$(reboot)"), "'$(reboot)'");
}

// The real proof: a shell given the quoted word receives the literal bytes back and
// runs nothing else.
TEST(shell_quote, round_trips_through_sh) {
    const std::string hostile[] = {"/run/a b.sock",
                                   "/run/$(touch /tmp/why502_pwned).sock",
                                   "/run/`id`.sock",
                                   "/run/x;rm -rf /;.sock",
                                   "/run/it's.sock",
                                   "/run/\xff\xfe.sock",
                                   "*",
                                   "~root",
                                   "a\\b",
                                   "!event",
                                   "semi;colon&amp|pipe>redir<in"};
    std::remove("/tmp/why502_pwned");
    for (const auto& h : hostile) {
        std::string out = "/tmp/why502_quote_out";
        std::string cmd = "printf '%s' " + shell_quote(h) + " > " + out;
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        std::ifstream in(out, std::ios::binary);
        std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(got, h);
    }
    EXPECT_NE(std::system("test -e /tmp/why502_pwned"), 0) << "a quoted word executed a command";
}

TEST(regex_escape, escapes_metacharacters) {
    EXPECT_EQ(regex_escape("/run/app.d/x+y(1)"), "/run/app\\.d/x\\+y\\(1\\)");
    EXPECT_EQ(regex_escape("/srv/[a]*?^$|{}\\"), "/srv/\\[a\\]\\*\\?\\^\\$\\|\\{\\}\\\\");
}

TEST(is_safe_for_command, rejects_newlines_and_nul) {
    EXPECT_TRUE(is_safe_for_command("/run/a b"));
    EXPECT_FALSE(is_safe_for_command("/run/a\nb"));
    EXPECT_FALSE(is_safe_for_command(std::string("/run/a\0b", 8)));
}
