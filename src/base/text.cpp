#include "base/text.hpp"

#include <cstdint>

namespace why502::text {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, unsigned char c) {
    out += "\\x";
    out += hex_digits[c >> 4];
    out += hex_digits[c & 15];
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t utf8_len(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else
        return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

uint32_t decode_cp(std::string_view s, size_t i, size_t n) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    if (n == 1) return b(i);
    uint32_t cp = b(i) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
    return cp;
}

// C1 controls and the bidi overrides/isolates that can make a terminal line lie.
bool dangerous_cp(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F;
}

template <class Plain>
std::string escape_with(std::string_view s, Plain plain) {
    std::string out;
    out.reserve(s.size() + 8);
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c == '\\')
                out += "\\\\";
            else if (c < 0x20 || c == 0x7F)
                append_hex(out, c);
            else
                plain(out, static_cast<char>(c));
            ++i;
            continue;
        }
        size_t n = utf8_len(s, i);
        if (n == 0 || dangerous_cp(decode_cp(s, i, n))) {
            size_t k = n == 0 ? 1 : n;
            for (size_t j = 0; j < k; ++j) append_hex(out, static_cast<unsigned char>(s[i + j]));
            i += k;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_len(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string escape_terminal(std::string_view s) {
    return escape_with(s, [](std::string& out, char c) { out += c; });
}

std::string to_valid_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string(s);
    std::string out;
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_len(s, i);
        if (n == 0) {
            append_hex(out, static_cast<unsigned char>(s[i]));
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

void append_html_char(std::string& out, char c) {
    switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
    }
}

std::string escape_html(std::string_view s) {
    return escape_with(s, append_html_char);
}

std::string shell_quote(std::string_view s) {
    if (s.empty()) return "''";
    bool bare = true;
    for (char c : s) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '/' || c == ':' || c == '=' || c == '@' || c == '%' || c == '+' ||
                    c == ',' || c == '-';
        if (!safe) {
            bare = false;
            break;
        }
    }
    // A leading '-' could be read as an option, '=' first as an assignment-ish word.
    if (bare && s.front() != '-' && s.front() != '=') return std::string(s);
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

bool is_safe_for_command(std::string_view s) {
    for (char c : s)
        if (c == '\0' || c == '\n' || c == '\r') return false;
    return true;
}

std::string regex_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        switch (c) {
            case '.':
            case '[':
            case ']':
            case '(':
            case ')':
            case '{':
            case '}':
            case '*':
            case '+':
            case '?':
            case '^':
            case '$':
            case '|':
            case '\\':
                out += '\\';
                [[fallthrough]];
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace why502::text
