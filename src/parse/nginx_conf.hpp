// NGINX configuration -> the facts why502 needs: the worker user, every error_log, the
// upstream groups and every *_pass with the server and location it serves.
//
// The tokenizer follows ngx_conf_read_token: words separated by blanks, ';' ends a
// directive, '{' opens a block, '#' starts a comment only where a word could start,
// "..." and '...' quote (a quote is only special at the start of a word), a backslash
// escapes the next character, and "${name}" keeps its braces. `include` is expanded
// in place (glob, sorted, relative to the configuration directory). The `nginx -T`
// form ("# configuration file PATH:" before each file) is recognised: includes are
// then resolved against the dumped files, not the disk, because -T shows what the
// running master actually read.
//
// Owned strings throughout: a configuration is small and its facts outlive the text.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace why502::parse {

struct conf_directive {
    std::string name;
    std::vector<std::string> args;  // unquoted, escapes resolved
    std::string file;               // as read (the -T section name, or the disk path)
    int line = 0;
    bool has_block = false;
    std::vector<conf_directive> block;
};

struct conf_error_log {
    std::string path;     // absolute (relative paths joined to the prefix)
    std::string level;    // "" when not given (NGINX's default is error)
    std::string context;  // "main" | "http" | "server" | "location" | ...
    std::string file;
    int line = 0;
};

struct conf_upstream_server {
    std::string address;  // normalised: "127.0.0.1:3000", "[::1]:8080", "unix:/run/x.sock"
    std::string host;     // "127.0.0.1", "::1", "app.internal"; empty for unix
    int port = -1;
    std::string path;                 // unix socket path
    std::vector<std::string> params;  // weight=5, backup, down, max_fails=3...
    int line = 0;
};

struct conf_upstream {
    std::string name;
    std::vector<conf_upstream_server> servers;
    std::string file;
    int line = 0;
};

// One proxy_pass / fastcgi_pass / uwsgi_pass / scgi_pass / grpc_pass.
struct conf_pass {
    std::string directive;  // "proxy_pass", ...
    std::string target;     // the argument as written
    std::string scheme;     // "http", "https", "grpc", "grpcs", "uwsgi", "suwsgi" or ""
    std::string address;    // normalised (see conf_upstream_server), or the group name
    std::string host;
    int port = -1;
    std::string path;       // unix socket path
    std::string group;      // name of the `upstream` block it names, if any
    bool variable = false;  // the target contains $: not resolvable statically
    std::vector<std::string> server_names;
    std::vector<std::string> listens;  // first argument of each listen of the server
    std::string location;              // "/api", "= /x", "~ \\.php$", "@fallback"; "" at server level
    std::string file;
    int line = 0;
};

struct nginx_config {
    std::string user = "nobody";  // worker user (NGINX's compiled-in default)
    std::string group;            // second argument of `user`, if any
    bool user_set = false;        // a `user` directive was present
    std::string user_file;
    int user_line = 0;
    std::vector<conf_error_log> error_logs;
    bool main_error_log = false;  // an error_log at main level (else the compiled default)
    std::vector<conf_upstream> upstreams;
    std::vector<conf_pass> passes;
    std::vector<std::string> files;     // every file read, in order
    std::vector<std::string> warnings;  // an include that matched nothing, a cycle...
    bool dump_form = false;             // read from `nginx -T` output
    std::vector<conf_directive> tree;   // the whole configuration, includes expanded
};

struct conf_options {
    // Files named by the configuration are read under this directory ("" or "/": as is).
    std::string root;
    // Relative error_log paths join this (NGINX's -p / --prefix); Debian builds use
    // /usr/share/nginx, RHEL /usr/share/nginx, upstream /usr/local/nginx.
    std::string prefix = "/usr/share/nginx";
    // Relative include paths join this; empty: the directory of the main file.
    std::string conf_dir;
    int max_include_depth = 32;
    size_t max_bytes = 64u << 20;  // refuse larger files (a config is kilobytes)
};

// Reads a configuration file and its includes. Errors (missing main file, unbalanced
// braces, unterminated quote) name the file and line.
result<nginx_config> read_nginx_conf(const std::string& path, const conf_options& options = {});

// Parses text: a single file named `name`, or the `nginx -T` dump form (detected by its
// "# configuration file PATH:" lines; stray lines before the first, such as the
// "syntax is ok" messages, are ignored).
result<nginx_config> parse_nginx_conf(std::string_view text, const std::string& name,
                                      const conf_options& options = {});

// Splits `nginx -T` output into (file name -> contents with its first line number 1).
// Empty when the text is not in that form.
std::vector<std::pair<std::string, std::string>> split_nginx_dump(std::string_view text);

// Normalises one pass target or upstream `server` address. `directive` decides default
// ports ("proxy_pass" http -> 80, https -> 443, "grpc_pass" grpcs -> 443, "server" -> 80).
struct conf_address {
    std::string scheme, address, host, path;
    int port = -1;
    bool variable = false;
    bool name_only = false;  // no port and not unix: a group or a name resolved at start
};
conf_address parse_conf_address(std::string_view target, std::string_view directive);

}  // namespace why502::parse
