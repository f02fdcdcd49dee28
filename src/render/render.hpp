// Presenting a diagnosis: the terminal summary, JSON (why502/diagnosis@1), a Markdown
// incident write-up, a self-contained HTML report, and the fix as a POSIX shell script
// or Ansible tasks. Render never computes a diagnosis: it only shows what the model
// holds, and every byte that came from a log is escaped for where it lands.
#pragma once

#include <string>

#include "diagnose/model.hpp"

namespace why502::render {

struct options {
    bool color = false;      // ANSI colours in text (the CLI decides: a tty, no NO_COLOR)
    bool verbose = false;    // text: evidence, alternatives, explanation, settle
    bool all_fixes = false;  // scripts: alternatives as commented-out blocks
};

std::string text(const diagnose::diagnosis& d, const options& o);  // default output
std::string json(const diagnose::diagnosis& d);                    // why502/diagnosis@1
std::string markdown(const diagnose::diagnosis& d, const options& o);
std::string html(const diagnose::diagnosis& d, const options& o);
std::string shell_script(const diagnose::diagnosis& d, const options& o);  // fix --format sh
std::string ansible(const diagnose::diagnosis& d, const options& o);       // fix --format ansible

}  // namespace why502::render
