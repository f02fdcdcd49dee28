// Making untrusted bytes (every byte that came from a log) safe for each place they
// can reach. One function per destination; everything that prints log text goes
// through one of them.
#pragma once

#include <string>
#include <string_view>

namespace why502::text {

// For a terminal and for Markdown prose: printable ASCII and valid UTF-8 pass through
// (except C1/bidi controls), every control byte and every invalid byte becomes \xNN,
// backslash becomes \\ so the escaping cannot be forged.
std::string escape_terminal(std::string_view s);

// Valid UTF-8 for JSON strings: invalid bytes are replaced by the text "\xNN".
std::string to_valid_utf8(std::string_view s);

// HTML text and attribute values: & < > " ' escaped, control and invalid bytes as in
// escape_terminal.
std::string escape_html(std::string_view s);
// Appends c to out with the five HTML metacharacters as entities (no other escaping:
// for text already known to be free of control bytes).
void append_html_char(std::string& out, char c);

// One POSIX shell word: the only way any command word is built. Words made only of
// safe characters ([A-Za-z0-9_./:=@%+,-]) are left bare; everything else is single-quoted
// with ' written as '\''. Returns "" for the empty string as ''.
std::string shell_quote(std::string_view s);

// True when s can be put in a command at all: no NUL and no newline/CR (a newline in
// a path inside a one-line fix command would be confusing even when quoted).
bool is_safe_for_command(std::string_view s);

// A POSIX extended regex (as semanage fcontext takes) that matches exactly the literal
// path: every regex metacharacter escaped with a backslash.
std::string regex_escape(std::string_view s);

// true if s is valid UTF-8.
bool is_valid_utf8(std::string_view s);

}  // namespace why502::text
