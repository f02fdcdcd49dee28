// Linux audit records and events in every form users paste or point at, -> typed
// records. Zero-copy where possible: views point into the line given to the parser.
//
// Forms (detected per line; a file may mix them):
//  raw        type=AVC msg=audit(1782555242.115:4242): avc:  denied { name_connect } ...
//  enriched   raw + 0x1d + interpreted upper-case fields (the 0x1d is sometimes lost in
//             copies: then the upper-case KEY= fields at the end are the enriched part)
//  node=      "node=web1 type=AVC msg=audit(...)"
//  ausearch-i "type=AVC msg=audit(07/01/2026 10:14:02.115:4242) : avc:  denied ..."
//             (local time in the input zone, "----" between events, values decoded)
//  kernel     "... kernel: audit: type=1400 audit(1782555242.115:4242): avc: denied ..."
//             and dmesg "[ 1234.567890] audit: type=1400 audit(...): ..."
//  journald   "Jul  1 10:14:02 web1 audit[2841]: AVC avc:  denied ..." (type name, no
//             serial, syslog time without year) and "... audit: PROCTITLE proctitle=..."
//  grep -r    "audit.log:type=AVC ..." / "audit.log.1:type=..." prefixes
// Record types kept: AVC, USER_AVC, SELINUX_ERR, USER_SELINUX_ERR, SYSCALL, PROCTITLE,
// SOCKADDR, PATH, CWD, EOE (others are recognised and skipped cheaply).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.hpp"
#include "parse/nginx_error.hpp"  // for match

namespace why502::parse {

enum class audit_form : uint8_t { raw, enriched, ausearch_interpreted, kernel, journald };

struct audit_record {
    std::string_view type;  // "AVC", "SYSCALL", ... (numeric 1400 mapped to "AVC", a static name)
    std::string_view node;  // empty if none
    int64_t time_ms = 0;    // UTC epoch ms
    uint64_t serial = 0;    // 0 when the form has none (journald)
    bool has_serial = false;
    std::string_view stamp;     // the text inside audit(...): with node, an event's identity
    std::string_view body;      // the fields after "): " (or after the type name)
    std::string_view enriched;  // fields after 0x1d, empty if none
    audit_form form = audit_form::raw;
    uint32_t journald_pid = 0;  // audit[PID] in the journald form
};

struct audit_parse_context {
    int64_t reference_ms = 0;  // for syslog stamps without a year (file mtime or now)
};

// `no` for lines that are not audit records (including "----" separators and
// "time->..." lines of ausearch), `malformed` for lines that start like a record but
// break (e.g. no closing parenthesis after audit().
match parse_audit_line(std::string_view line, const audit_parse_context& ctx, audit_record& out);

// The value of field `key` in a record body: unquotes "..." values, decodes hex-encoded
// values (audit writes a value as hex when it contains spaces, quotes or controls),
// maps "(null)" and "?" to empty. Returns false if the key is absent.
bool audit_field(std::string_view body, std::string_view key, std::string& value);
// Without decoding: the raw token (quotes kept), for fast checks.
bool audit_field_raw(std::string_view body, std::string_view key, std::string_view& value);
// Decodes an audit hex string ("2F72756E" -> "/run"); false if not valid hex.
bool decode_audit_hex(std::string_view hex, std::string& out);

// One AVC / USER_AVC / SELINUX_ERR with what its event adds (SYSCALL, SOCKADDR,
// PROCTITLE, PATH). Owned strings: the diagnosis keeps them after the buffer is gone.
struct avc_denial {
    std::string record_type;  // "AVC", "USER_AVC", "SELINUX_ERR"
    std::string node;
    int64_t time_ms = 0;
    uint64_t serial = 0;
    bool denied = true;  // false for "granted"
    std::vector<std::string> permissions;
    uint32_t pid = 0;
    std::string comm;  // decoded
    std::string exe;   // from SYSCALL
    std::string scontext, tcontext, tclass;
    std::string source_type, target_type;  // third field of the contexts
    int permissive = -1;                   // -1 not stated, 0, 1
    int dest_port = -1;                    // dest= (name_connect)
    int src_port = -1;                     // src= (name_bind)
    std::string laddr, faddr;
    int lport = -1, fport = -1;
    std::string path;  // path= of the AVC, else SOCKADDR unix path, else PATH name
    std::string name;  // name= (dentry name) of the AVC
    std::string dev;
    uint64_t ino = 0;
    std::string saddr_host;  // from SOCKADDR (inet/inet6)
    int saddr_port = -1;
    std::string saddr_path;  // from SOCKADDR (local)
    int syscall = -1;
    int exit_code = 0;  // SYSCALL exit= (e.g. -13)
    int success = -1;   // SYSCALL success= yes(1)/no(0), -1 unknown
    uint32_t uid = UINT32_MAX;
    std::string proctitle;  // decoded, NULs shown as spaces
    std::string text;       // the AVC record line as read (for evidence)
    uint64_t line = 0;      // line number of the AVC record in its file
};

// Groups records into events by (node, time, serial), as auparse does: records of
// different events interleave; an event is complete at EOE, when the reading is more
// than audit_event_window lines past its first denial (a distance measured in lines
// rather than serials, so that the parallel selector can reproduce it exactly), or at
// finish(). Records may come before their denial (ausearch prints them last to first).
// Forms without a serial (journald) group consecutive records of the same audit[PID]
// and second. Emits one avc_denial per AVC (and USER_AVC / SELINUX_ERR) record with the
// event's SYSCALL, SOCKADDR, PROCTITLE, PATH merged in, in the order of their events'
// first denial line.
class audit_event_builder {
public:
    explicit audit_event_builder(audit_parse_context ctx = {});
    ~audit_event_builder();
    audit_event_builder(const audit_event_builder&) = delete;
    audit_event_builder& operator=(const audit_event_builder&) = delete;

    // Feed one line (with its line number). Returns the parse result of the line.
    match feed(std::string_view line, uint64_t line_no);
    // Denials whose events are complete; call take() after feed() or finish().
    std::vector<avc_denial> take();
    // End of input: completes every pending event.
    void finish();

    uint64_t records() const;    // audit records recognised
    uint64_t malformed() const;  // lines that started like records but broke

private:
    struct impl;
    impl* impl_;
};

// ---- Building blocks shared by the audit parser's pieces (and useful to callers) ----

// How far apart, in lines, the records of one event may be. The event builder joins a
// record to an event only when it lies within this many lines of the event's first
// denial record, and select_audit_lines keeps every line within this distance of a
// denial: the two use the same window, which is what makes parallel selection give
// exactly the denials of sequential reading. It also bounds memory: at most this many
// records are pending and this many events open.
inline constexpr uint64_t audit_event_window = 128;

// What a record type means for the event builder.
enum class audit_type_class : uint8_t {
    other,    // skipped (EXECVE, USER_*, CRED_*, SERVICE_*, BPF, ...)
    denial,   // AVC, USER_AVC, SELINUX_ERR, USER_SELINUX_ERR
    context,  // SYSCALL, SOCKADDR, PROCTITLE, PATH, CWD
    end,      // EOE
};
audit_type_class classify_audit_type(std::string_view type);

// Kernel numeric record type -> name ("1400" -> "AVC"); empty if unknown.
std::string_view audit_type_name(unsigned number);

// Walks the key=value fields of a record body, left to right. Tokens without '=' are
// skipped ("avc:", "denied", "{", perms, "}", "for"). Values keep their quotes; a
// value is "..." , '...' , { ... } or runs to the next space. In `ausearch -i` bodies
// (interpreted) a bare value may hold spaces and runs to the next " key=". A msg='...'
// field is returned whole and then its inside is walked too (USER_* records carry
// their fields there, as auparse reads them). Stops at 0x1d (the enriched part).
class audit_field_cursor {
public:
    audit_field_cursor(std::string_view body, bool interpreted);
    bool next(std::string_view& key, std::string_view& raw_value);

private:
    std::string_view s_;
    size_t pos_ = 0;
    size_t end_ = 0;        // end of the part being walked (the msg='...' inside, or s_)
    size_t outer_end_ = 0;  // end of the whole body
    bool interpreted_ = false;
};

// Decodes one raw value as audit_field does: quotes removed, "(null)" and "?" -> empty,
// hex decoded for the fields the kernel writes as untrusted strings (comm, exe, path,
// name, cwd, proctitle, ...; proctitle's NULs become spaces). Interpreted values are
// already decoded: only quotes and (null)/? are handled.
void decode_audit_value(std::string_view key, std::string_view raw, bool interpreted, std::string& out);

// A cheap look at a line, without parsing its stamp or fields: for the parallel
// selector and the prefilter. `cls` is `other` for lines that are not records.
struct audit_line_peek {
    audit_type_class cls = audit_type_class::other;
    bool journald = false;   // journald form: no serial, grouped by position
    std::string_view node;   // keyed forms: node name (may be empty)
    std::string_view stamp;  // keyed forms: the text inside audit(...)
};
bool peek_audit_line(std::string_view line, audit_line_peek& out);

// Form-aware audit_field: reads `ausearch -i` bodies with the interpreted rules.
bool audit_record_field(const audit_record& rec, std::string_view key, std::string& value);
// A field of the enriched part (upper-case keys, e.g. "SADDR", "UID"), unquoted.
bool audit_enriched_field(const audit_record& rec, std::string_view key, std::string& value);

// For parallel reading. From one chunk of an audit log, the lines an
// audit_event_builder may need, copied: every AVC / USER_AVC / SELINUX_ERR line, the other
// records of their events, and the SYSCALL / SOCKADDR / PROCTITLE / PATH / EOE lines near
// the chunk's start and end (their events may continue in the neighbouring chunk).
// Feeding the selections of every chunk, in chunk order, through an
// audit_selection_feeder gives the same denials as feeding every line to the builder.
// Lines that cannot matter cost about what reading them does. Lines are numbered from
// `first_line` (the chunk's first line; or 0, and renumber() once it is known). Returns
// the chunk's number of newlines (counted in the same pass).
struct kept_line {
    uint64_t line = 0;
    uint32_t offset = 0, size = 0;        // its bytes in audit_selection::text
    uint8_t why = 0;                      // why it was kept: the flags below
    static constexpr uint8_t denial = 1;  // a denial record
    static constexpr uint8_t event = 2;   // a record of the event of a denial in the chunk
    static constexpr uint8_t head = 4;    // among the chunk's first audit_event_window lines
    static constexpr uint8_t tail = 8;    // among its last audit_event_window lines
};
struct audit_selection {
    std::string text;                      // the kept lines' bytes, one after another
    std::vector<kept_line> lines;          // in line order
    uint64_t first_line = 0;               // the number of the chunk's first line
    uint64_t line_count = 0;               // lines in the chunk (the last may lack its newline)
    std::optional<uint64_t> first_denial;  // the number of its first denial record's line
    void renumber(uint64_t first);         // numbers the lines from `first` instead
    std::string_view line_text(const kept_line& k) const { return {text.data() + k.offset, k.size}; }
};
uint64_t select_audit_lines(std::string_view chunk_text, uint64_t first_line, audit_selection& out);

// Feeds selections, in chunk order, to a builder. A line kept only because it lies near
// a chunk's edge is fed only if a denial lies within audit_event_window lines of it
// across that edge (the last denial fed before it; the next chunk's first denial): no
// other denial's event can take it; the rest are never parsed. The chunk's last
// audit_event_window lines wait for the next chunk (or finish()) to tell.
class audit_selection_feeder {
public:
    explicit audit_selection_feeder(audit_event_builder& b) : builder_(b) {}
    void feed(audit_selection&& s);
    // After the last chunk: feeds what waits and finishes the builder.
    void finish();

private:
    void settle(const audit_selection* next);
    bool near_last_denial(const kept_line& k) const;
    void give(const audit_selection& s, const kept_line& k);
    audit_event_builder& builder_;
    audit_selection waiting_;  // the previous chunk: its lines from waiting_from_ wait
    size_t waiting_from_ = 0;
    std::optional<uint64_t> last_denial_;
};

// Cheap prefilter: true if a line can be (part of) an event that yields an AVC
// denial. Lines for which it is false may be dropped before parsing. Must be
// conservative: SYSCALL/SOCKADDR/PROCTITLE/PATH/EOE lines pass too (they complete AVC
// events); other record types may not.
bool audit_line_may_matter(std::string_view line);

}  // namespace why502::parse
